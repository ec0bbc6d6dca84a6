"""Browser tests: headless Debian Chromium driven by Playwright against a live demo site.

The live server runs in its own process (tests/browser/serve.py) on its own
SQLite file loaded with the demo, because the app's extensions (app.extensions.db)
are module-level and a second app in this process would take over the engine of
the rolled-back test database. Every test shares that one live database: create
what you need, or change demo content only with text unique to your test.

Fixtures for test authors:

- ``live_server`` (session): the base URL, e.g. ``http://127.0.0.1:41234``.
- ``browser`` (session): a Playwright ``Browser`` (Chromium, headless).
- ``page`` (function): a fresh ``Page`` in its own context (no cookies shared
  between tests), 10 s default timeout; a screenshot of a failing test goes to
  ``test-artifacts/<test name>.png``.
- ``sign_in(page, base_url, email, password=DEMO_PASSWORD)`` in
  tests/browser/actions.py: signs in through the real form.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEFAULT_TIMEOUT_MS = 10_000
SERVER_START_TIMEOUT_S = 240  # the demo loads first; a shared machine can be slow


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark every test under tests/browser/ as a browser test, before -m selects."""
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item so the page fixture can see failures."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _stderr_tail(path: Path, limit: int = 4000) -> str:
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    return text[-limit:] or "(nothing on stderr)"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[str]:
    """Serve a freshly migrated demo site in a subprocess; yield its base URL."""
    workdir = tmp_path_factory.mktemp("live-server")
    stderr_path = workdir / "server.stderr"
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "tests.browser.serve",
                "--workdir",
                str(workdir),
                "--fd",
                str(listener.fileno()),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            pass_fds=[listener.fileno()],
        )
    # The child owns the socket now; closing ours makes a dead child refuse connections.
    listener.close()
    try:
        _wait_until_healthy(base_url, process, stderr_path)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_healthy(base_url: str, process: subprocess.Popen, stderr_path: Path) -> None:
    # The socket already listens, so this one request waits in the backlog while
    # the child migrates and loads the demo, and is answered once it serves.
    try:
        with urllib.request.urlopen(  # noqa: S310 - our own http://127.0.0.1 URL
            f"{base_url}/healthz", timeout=SERVER_START_TIMEOUT_S
        ) as response:
            if response.status == 200:
                return
            problem = f"/healthz answered {response.status}"
    except (urllib.error.URLError, OSError) as exc:
        problem = f"/healthz did not answer: {exc}"
    try:
        exited = process.wait(timeout=2)
    except subprocess.TimeoutExpired:
        exited = None
    state = f"exited with {exited}" if exited is not None else "still running"
    pytest.fail(
        f"The browser-test live server at {base_url} did not become healthy within "
        f"{SERVER_START_TIMEOUT_S} s ({problem}; the process {state}).\n"
        f"Its stderr:\n{_stderr_tail(stderr_path)}",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    """Launch Debian's Chromium; never download a browser."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"Browser tests need Debian's Chromium at {CHROMIUM} "
            "(apt-get install chromium); Playwright must not download its own.",
            pytrace=False,
        )
    browser = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


def _open_page(browser: Browser, request, **options) -> Iterator[Page]:
    """Open a page in a fresh context; keep a screenshot if the test fails."""
    context = browser.new_context(locale="en-GB", timezone_id="UTC", **options)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            _screenshot(page, request.node.nodeid)
        context.close()


@pytest.fixture
def page(browser: Browser, request) -> Iterator[Page]:
    """A page in a fresh browser context (no shared cookies)."""
    yield from _open_page(browser, request)


@pytest.fixture
def page_without_js(browser: Browser, request) -> Iterator[Page]:
    """Like the page fixture, with JavaScript switched off: forms must work alone."""
    yield from _open_page(browser, request, java_script_enabled=False)


def _screenshot(page: Page, nodeid: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", nodeid.split("/")[-1])
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    except PlaywrightError as exc:  # a crashed page must not hide the test's own failure
        print(f"no screenshot for {nodeid}: {exc}", file=sys.stderr)
