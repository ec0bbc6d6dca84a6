"""Profile pages of a loaded database in-process with pyinstrument (no network).

Run: DATABASE_URL=... SECRET_KEY=x .venv/bin/python bench/profile_pages.py OUT_DIR [PATH ...]

Signs in as the demo committee member through the test client, requests each
path once to warm up and once under pyinstrument, and writes one text profile
per path to OUT_DIR with the time and the number of SQL statements.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pyinstrument import Profiler  # noqa: E402
from sqlalchemy import event  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402

COMMITTEE = "committee@demo.clausewise.org"


def sign_in(client, email: str, password: str) -> None:
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/sign-in",
        data={"csrf_token": token, "email": email, "password": password},
        headers={"Referer": "https://localhost/sign-in"},
    )
    assert response.status_code == 302, response.status_code


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    app = create_app({"SESSION_COOKIE_SECURE": False, "RATELIMIT_ENABLED": False})
    statements = [0]
    slow: list[tuple[float, str]] = []
    started_at: list[float] = []

    def before(*args):
        statements[0] += 1
        started_at.append(time.perf_counter())

    def after(conn, cursor, statement, *args):
        took = time.perf_counter() - started_at.pop()
        if took > 0.01:
            slow.append((took, " ".join(statement.split())))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", before)
        event.listen(db.engine, "after_cursor_execute", after)
    client = app.test_client()
    client.environ_base["HTTP_REFERER"] = "https://localhost/"
    sign_in(client, COMMITTEE, "clausewise-demo")
    for path in argv[1:]:
        method, _, url = path.partition(" ") if " " in path else ("GET", "", path)
        client.open(url, method=method)
        statements[0] = 0
        slow.clear()
        profiler = Profiler(interval=0.002)
        started = time.perf_counter()
        profiler.start()
        response = client.open(url, method=method)
        profiler.stop()
        elapsed = time.perf_counter() - started
        name = re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-") or "root"
        text = profiler.output_text(unicode=True, color=False, show_all=False)
        (out / f"{name}.txt").write_text(
            f"{method} {url}: {response.status_code} in {elapsed * 1000:.0f} ms, "
            f"{statements[0]} SQL statements\n\n{text}"
        )
        print(
            f"{method} {url}: {response.status_code} {elapsed * 1000:.0f} ms, {statements[0]} SQL"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
