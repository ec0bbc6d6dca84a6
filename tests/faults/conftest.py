"""Fixtures for the fault tests: a database of the test's own, and a live gunicorn site."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from app.database import make_engine

ROOT = Path(__file__).resolve().parents[2]
SITE_TIMEOUT_S = 180
PG_SCHEMA = "fault_tests"  # a loaded 2-core machine migrates slowly


def run_site(database: dict, *args: str) -> str:
    """Run tests/faults/site.py in its own process; return what it printed."""
    done = subprocess.run(  # noqa: S603 - this interpreter, our own module
        [sys.executable, "-m", "tests.faults.site", *args],
        cwd=ROOT,
        env={**os.environ, **database},
        capture_output=True,
        text=True,
        timeout=SITE_TIMEOUT_S,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout.strip().splitlines()[-1]


def _postgres_schema_url(url: str, schema: str) -> str:
    """The same PostgreSQL database, with every table in a schema of its own.

    No percent-escapes: Alembic's config file syntax would read them as interpolation.
    """
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path={schema}"


@pytest.fixture
def fault_database(tmp_path) -> Iterator[dict]:
    """Environment naming a database for the live site: SQLite, or a PostgreSQL schema."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        yield {
            "FAULT_DATABASE_URL": _postgres_schema_url(url, PG_SCHEMA),
            "FAULT_PG_SCHEMA": PG_SCHEMA,
            "FAULT_WORKDIR": str(tmp_path),
        }
        # Leave the test database as it was: other tests count its triggers and tables.
        engine = make_engine(url)
        try:
            with engine.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE'))
        finally:
            engine.dispose()
        return
    url = f"sqlite:///{tmp_path / 'faults.sqlite3'}"
    yield {"FAULT_DATABASE_URL": url, "FAULT_WORKDIR": str(tmp_path)}


@pytest.fixture
def sqlite_fault_database(tmp_path) -> dict:
    """A SQLite file for the live site, whatever engine the suite runs on."""
    return {
        "FAULT_DATABASE_URL": f"sqlite:///{tmp_path / 'faults.sqlite3'}",
        "FAULT_WORKDIR": str(tmp_path),
    }


class LiveSite:
    """gunicorn serving tests.faults.site:make_app() on a free loopback port."""

    def __init__(self, database: dict, workdir: Path, workers: int = 1) -> None:
        import socket
        import time
        import urllib.request

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.pause_dir = workdir / "pause"
        self.pause_dir.mkdir(exist_ok=True)
        self.stderr = (workdir / "gunicorn.stderr").open("w")
        self.proc = subprocess.Popen(  # noqa: S603 - the venv's gunicorn
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--graceful-timeout",
                "2",
                "tests.faults.site:make_app()",
            ],
            cwd=ROOT,
            env={**os.environ, **database, "FAULT_PAUSE_DIR": str(self.pause_dir)},
            stdout=subprocess.DEVNULL,
            stderr=self.stderr,
            start_new_session=True,
        )
        deadline = time.monotonic() + SITE_TIMEOUT_S
        while True:
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=5).read()  # noqa: S310
                return
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)

    def stop(self) -> None:
        import signal

        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.stderr.close()


@pytest.fixture(scope="module")
def live_site(tmp_path_factory):
    """A SQLite site with an open round and commenters, served by one gunicorn worker."""
    import json

    workdir = tmp_path_factory.mktemp("faults")
    database = {
        "FAULT_DATABASE_URL": f"sqlite:///{workdir / 'faults.sqlite3'}",
        "FAULT_WORKDIR": str(workdir),
    }
    facts = json.loads(run_site(database, "setup"))
    site = LiveSite(database, workdir)
    site.facts = facts
    site.db_path = workdir / "faults.sqlite3"
    try:
        yield site
    finally:
        site.stop()
