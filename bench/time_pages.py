"""Time pages of a loaded database in-process (no network, no profiler), as ratios to /healthz.

Run: DATABASE_URL=... SECRET_KEY=x .venv/bin/python bench/time_pages.py [--runs N] PATH...

Signs in as the demo committee member through the test client, requests each path
once to warm up, then N times alternating with `/healthz`, and prints the median and
p95 of each with the number of SQL statements: a quick before/after on one machine,
where `bench/run` (gunicorn and wrk) gives the served figures.
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pyotp  # noqa: E402
from sqlalchemy import event  # noqa: E402

from app import create_app  # noqa: E402
from app.demo.accounts import DEMO_PASSWORD, DEMO_TOTP_SECRET  # noqa: E402
from app.extensions import db  # noqa: E402

COMMITTEE = ("committee@demo.clausewise.org", DEMO_PASSWORD)


def _token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def sign_in(client, email: str, password: str) -> None:
    """Sign in with the password, then the demo authenticator's code (staff)."""
    headers = {"Referer": "https://localhost/sign-in"}
    data = {"csrf_token": _token(client, "/sign-in"), "email": email, "password": password}
    response = client.post("/sign-in", data=data, headers=headers)
    assert response.status_code == 302, response.status_code
    if response.headers["Location"].endswith("/sign-in/code"):
        code = pyotp.TOTP(DEMO_TOTP_SECRET).now()
        data = {"csrf_token": _token(client, "/sign-in/code"), "code": code}
        response = client.post("/sign-in/code", data=data, headers=headers)
        assert response.status_code == 302, response.status_code


def timed(client, path: str) -> float:
    started = time.perf_counter()
    response = client.get(path)
    took = time.perf_counter() - started
    assert response.status_code == 200, (path, response.status_code)
    return took * 1000


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main(argv: list[str]) -> int:
    runs = 20
    if argv[:1] == ["--runs"]:
        runs, argv = int(argv[1]), argv[2:]
    app = create_app({"SESSION_COOKIE_SECURE": False, "RATELIMIT_ENABLED": False})
    statements = [0]

    def count(*args):
        statements[0] += 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    # Requests run outside any pushed app context, each in its own (as served): a shared
    # one would share `g`, and with it the CSRF token, between requests.
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"  # secure cookies, as served
    sign_in(client, *COMMITTEE)
    print("| page | SQL | p50 ms | p95 ms | /healthz p50 ms | p50 ratio | p95 ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for path in argv:
        timed(client, path)
        statements[0] = 0
        timed(client, path)
        sql = statements[0]
        page, health = [], []
        for _ in range(runs):
            health.append(timed(client, "/healthz"))
            page.append(timed(client, path))
        h50, h95 = statistics.median(health), p95(health)
        c50, c95 = statistics.median(page), p95(page)
        print(
            f"| `{path}` | {sql} | {c50:.1f} | {c95:.1f} | {h50:.1f} | "
            f"{c50 / h50:.1f} | {c95 / h95:.1f} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
