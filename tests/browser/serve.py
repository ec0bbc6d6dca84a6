"""Serve a fresh demo site for the browser tests: migrate, load the demo, serve.

Run by tests/browser/conftest.py in its own process, so the live server owns
the module-level extensions (app.extensions.db) without fighting the in-process
test app. The parent binds the listening socket and hands it over as --fd, so
no port is ever chosen twice.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from sqlalchemy import text
from werkzeug.serving import make_server

from app import create_app
from app.cli import upgrade_schema
from app.demo.loader import load_demo
from app.extensions import db
from app.search.indexer import apply_pending

LIVE_SECRET = "browser-test-secret"  # noqa: S105 - a test server's key


def build_app(workdir: Path):
    """Create the app on its own database, migrated and loaded with the demo.

    BROWSER_DATABASE_URL (set by CI for its PostgreSQL run) names a database
    that is emptied first; otherwise a fresh SQLite file in workdir.
    """
    url = os.environ.get("BROWSER_DATABASE_URL") or f"sqlite:///{workdir / 'browser.sqlite3'}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": LIVE_SECRET,
            "DATABASE_URL": url,
            "SEARCH_INDEX_DIR": str(workdir / "search-index"),
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
            "RATELIMIT_ENABLED": False,
            "PREFERRED_URL_SCHEME": "http",
        }
    )
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade_schema()
        load_demo(db)
        apply_pending(db)  # search finds the demo from the first request on
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--workdir",
        type=Path,
        required=True,
        help="folder for the SQLite file and the search index",
    )
    parser.add_argument(
        "--fd", type=int, default=None, help="an already listening socket to serve on"
    )
    parser.add_argument("--port", type=int, default=0, help="port when no --fd is given")
    args = parser.parse_args(argv)

    app = build_app(args.workdir)
    server = make_server("127.0.0.1", args.port, app, threaded=True, fd=args.fd)
    # Exit cleanly on terminate() so the database is closed in order.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"serving http://127.0.0.1:{server.port}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
