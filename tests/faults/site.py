"""A live site for the fault tests, on a database of its own, in processes of its own.

`python -m tests.faults.site setup` migrates the database FAULT_DATABASE_URL names and
adds an open round and commenters through the services (printing them as JSON);
`python -m tests.faults.site edits N` saves N concurrent edits of one clause from N
threads, each in its own session (printing the outcome as JSON); gunicorn serves
`tests.faults.site:make_app()`.

The app module's extensions (app.extensions.db) are module-level, so the site runs in
other processes than the test's own app, as tests/browser/serve.py does.

Test-only hook: with FAULT_PAUSE_DIR set, a request carrying the header
`X-Fault-Pause: before-commit` stops right after the statement that marks a submission
submitted (its whole transaction flushed, not committed), and `after-commit` stops
right after the commit; either writes the worker's pid to FAULT_PAUSE_DIR/paused and
sleeps, so the test can SIGKILL the worker at that point. `X-Fault-Pause: rendering`
stops as the receipt page starts to render, and goes on once the test writes
FAULT_PAUSE_DIR/go.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

PASSWORD = "correct horse battery"  # noqa: S105 - test accounts
COMMENTERS = 6
EDITORS = 4


def _config() -> dict:
    workdir = Path(os.environ["FAULT_WORKDIR"])
    return {
        "SECRET_KEY": "fault-test-secret",
        "DATABASE_URL": os.environ["FAULT_DATABASE_URL"],
        "SEARCH_INDEX_DIR": str(workdir / "search"),
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "PREFERRED_URL_SCHEME": "http",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SQLITE_BUSY_TIMEOUT_MS": int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "300")),
        "JOBS_AFTER_RESPONSE": False,  # the outbox is inspected, not run
        # Limits stay on (their key function is part of what a lock must not stall).
        "RATELIMIT_ENABLED": True,
        "RATE_LIMIT_PUBLIC_WRITE": "100000 per minute",
        "RATE_LIMIT_SIGN_IN": "100000 per minute",
        "RATE_LIMIT_REGISTER": "100000 per minute",
    }


def make_app():
    from flask import before_render_template, g, has_request_context, request

    from app import create_app
    from app.extensions import db

    app = create_app(_config())
    pause_dir = os.environ.get("FAULT_PAUSE_DIR")
    if not pause_dir:
        return app

    def pause(point: str) -> None:
        if has_request_context() and request.headers.get("X-Fault-Pause") == point:
            written = Path(pause_dir, "paused.tmp")
            written.write_text(str(os.getpid()))
            written.rename(Path(pause_dir, "paused"))  # whole, never half-written
            time.sleep(60)  # the test kills this worker meanwhile

    def hold(point: str) -> None:
        if has_request_context() and request.headers.get("X-Fault-Pause") == point:
            go = Path(pause_dir, "go")
            written = Path(pause_dir, "paused.tmp")
            written.write_text(str(os.getpid()))
            written.rename(Path(pause_dir, "paused"))
            deadline = time.monotonic() + 30
            while not go.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
            go.unlink(missing_ok=True)

    def _rendering(sender, template, context, **extra):
        if template.name == "consultation/receipt.html":
            hold("rendering")

    before_render_template.connect(_rendering, app, weak=False)

    with app.app_context():

        @event.listens_for(db.engine, "after_cursor_execute")
        def _before_commit(conn, cursor, statement, *args):
            if statement.startswith("UPDATE submission SET status"):
                pause("before-commit")

    @event.listens_for(Session, "after_commit")
    def _after_commit(session):
        # Savepoints dispatch after_commit too: only the request's own COMMIT counts, and
        # of a reads_first view (app.database) only the one after its writes began.
        if (
            has_request_context()
            and g.get("db_session") is session
            and not session.in_nested_transaction()
            and (g.get("cw_writing") or not _reads_first(app))
        ):
            pause("after-commit")

    return app


def _reads_first(app) -> bool:
    from flask import request

    return getattr(app.view_functions.get(request.endpoint or ""), "reads_first", False)


def setup() -> dict:
    from app import create_app
    from app.auth import service as accounts
    from app.auth.models import Role
    from app.auth.permissions import SYSTEM
    from app.cli import upgrade_schema
    from app.consultation import service as consultation
    from app.database import utcnow
    from app.drafting import editing
    from app.drafting import service as drafting
    from app.extensions import db

    app = create_app(_config())
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                schema = os.environ["FAULT_PG_SCHEMA"]
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        upgrade_schema()
        with db.transaction() as session:
            standard = drafting.create_standard(
                session,
                SYSTEM,
                slug="fault-standard",
                title="Fault Standard",
                summary="A standard for the fault tests.",
                uid_prefix="FT",
            )
            parent = editing.add_clause(
                session,
                SYSTEM,
                standard,
                kind="principle",
                number="1",
                heading="Integrity",
                body="The Entity acts with integrity.",
            )
            clause = editing.add_clause(
                session,
                SYSTEM,
                standard,
                kind="criterion",
                number="1.1",
                heading="Reporting",
                body=" ".join(f"Sentence {n} of the clause stays as it is." for n in range(12)),
                parent_uid=parent.clause.uid,
            )
            version = drafting.freeze(session, SYSTEM, standard, label="draft-1")
            now = utcnow()
            fields = consultation.clean_round(
                session,
                standard_slug=standard.slug,
                version_label=version.label,
                title="Fault round",
                summary="Tell us what you think.",
                opens_at=now - dt.timedelta(days=1),
                closes_at=now + dt.timedelta(days=60),
                visibility="live",
                number=None,
            )
            round_ = consultation.create_round(session, SYSTEM, fields)
            emails = []
            for n in range(COMMENTERS):
                user = accounts.create_user(
                    session,
                    email=f"commenter{n}@faults.example",
                    password=PASSWORD,
                    name=f"Commenter {n}",
                    roles=[],
                )
                emails.append(user.email)
            for n in range(EDITORS):
                accounts.create_user(
                    session,
                    email=f"editor{n}@faults.example",
                    password="a long committee passphrase for editor number " + str(n),
                    name=f"Editor {n}",
                    roles=[Role.COMMITTEE],
                )
            session.flush()
            return {
                "round_id": round_.id,
                "clause_uid": clause.clause.uid,
                "commenters": emails,
            }


def concurrent_edits(n: int) -> dict:
    """Save n edits of one clause at once, each on the same base, from n threads."""
    from app import create_app
    from app.auth.models import User
    from app.drafting import editing
    from app.drafting.editing import EditConflict
    from app.drafting.models import Clause, ClauseRevision
    from app.extensions import db

    app = create_app(_config())
    with app.app_context():
        with db.transaction() as session:
            clause = session.scalar(select(Clause).where(Clause.uid == sys.argv[3]))
            base = session.get_one(ClauseRevision, clause.head_revision_id)
            base_id, base_body = base.id, base.body
        barrier = threading.Barrier(n)
        outcomes: list[str] = []

        def edit(i: int) -> None:
            sentences = base_body.split(". ")
            sentences[i] = sentences[i].replace("stays as it is", f"was changed by editor {i}")
            with app.app_context():
                barrier.wait()
                try:
                    with db.transaction() as session:
                        actor = session.scalar(
                            select(User).where(User.email == f"editor{i % EDITORS}@faults.example")
                        )
                        clause = session.scalar(select(Clause).where(Clause.uid == sys.argv[3]))
                        result = editing.save_clause(
                            session,
                            actor,
                            clause,
                            based_on_id=base_id,
                            kind="criterion",
                            number="1.1",
                            heading="Reporting",
                            body=". ".join(sentences),
                            message=f"edit {i}",
                        )
                    outcomes.append("merged" if result.merged else "saved")
                except EditConflict:
                    outcomes.append("conflict")
                except Exception as exc:  # reported to the test, which fails on it
                    outcomes.append(f"error: {exc!r}"[:300])

        threads = [threading.Thread(target=edit, args=(i,)) for i in range(n)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with db.transaction() as session:
            clause = session.scalar(select(Clause).where(Clause.uid == sys.argv[3]))
            head = session.get_one(ClauseRevision, clause.head_revision_id)
            revisions = session.scalar(
                select(text("count(*)"))
                .select_from(ClauseRevision)
                .where(ClauseRevision.clause_id == clause.id)
            )
            return {"outcomes": outcomes, "body": head.body, "revisions": revisions}


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "setup":
        print(json.dumps(setup()))
    elif command == "edits":
        print(json.dumps(concurrent_edits(int(sys.argv[2]))))
    else:
        raise SystemExit(f"unknown command {command!r}")
