"""Take screenshots of the main pages at desktop and phone width into docs/screenshots/.

Run by scripts/screenshots: serves a fresh demo site (as the browser tests do),
drives Debian's Chromium with Playwright and writes one PNG per page and width.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from tests.browser.actions import COMMITTEE, sign_in
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, ROOT, SERVER_START_TIMEOUT_S

OUT = ROOT / "docs" / "screenshots"
WIDTHS = {"desktop": {"width": 1280, "height": 860}, "phone": {"width": 390, "height": 844}}
PUBLIC = [
    ("home", "/"),
    ("standard", "/standards/responsible-aluminium"),
    ("draft", "/standards/responsible-aluminium/versions/3.0-draft-2"),
    ("round", "/consultations/2"),
    ("published", "/standards/responsible-aluminium/2.0"),
    ("history", "/standards/responsible-aluminium/history"),
    ("search", "/search?q=spent+pot+lining"),
    ("not-found", "/clauses/RA-07d0"),
]
COMMITTEE_PAGES = [
    ("committee", "/committee"),
    ("committee-round", "/committee/rounds/2"),
    ("compare", "/standards/responsible-aluminium/compare?from=3.0-draft-1&to=3.0-draft-2"),
    ("ballot", "/ballots/1"),
]


def _serve(workdir: Path) -> tuple[subprocess.Popen, str]:
    listener = socket.create_server(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{listener.getsockname()[1]}"
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "tests.browser.serve", "--workdir", str(workdir)]
        + ["--fd", str(listener.fileno())],
        cwd=ROOT,
        pass_fds=[listener.fileno()],
        stdout=subprocess.DEVNULL,
        stderr=(workdir / "server.log").open("wb"),  # request log; read it if a shot looks wrong
    )
    listener.close()
    with urllib.request.urlopen(f"{base}/healthz", timeout=SERVER_START_TIMEOUT_S):  # noqa: S310
        pass
    return process, base


def _shoot(page: Page, base: str, pages: list[tuple[str, str]], width: str) -> list[Path]:
    taken = []
    for name, path in pages:
        page.goto(base + path)
        target = OUT / f"{name}-{width}.png"
        page.screenshot(path=str(target))
        taken.append(target)
    return taken


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as workdir:
        process, base = _serve(Path(workdir))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                for width, viewport in WIDTHS.items():
                    context = browser.new_context(viewport=viewport, timezone_id="UTC")
                    page = context.new_page()
                    taken = _shoot(page, base, PUBLIC, width)
                    page.set_viewport_size(WIDTHS["desktop"])  # the menu is open to sign in
                    sign_in(page, base, COMMITTEE)
                    page.set_viewport_size(viewport)
                    taken += _shoot(page, base, COMMITTEE_PAGES, width)
                    context.close()
                    for target in taken:
                        print(target.relative_to(ROOT))
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
