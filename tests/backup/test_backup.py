"""Backup and restore: every submission, vote and revision comes back (issue 10, item 12).

Each test works on a scratch database of its own (a SQLite file, or a new
PostgreSQL database next to TEST_DATABASE_URL) with committed data, since a
backup can only see what was committed.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from app import create_app
from app.auth import service as accounts
from app.auth.models import Role, User
from app.auth.permissions import SYSTEM
from app.backup import service as backups
from app.cli import upgrade_schema
from app.committee import ballots
from app.committee.models import Vote
from app.consultation import service as consultation
from app.consultation.models import Comment, Submission
from app.database import utcnow
from app.drafting import editing
from app.drafting import service as drafting
from app.drafting.models import ClauseRevision
from app.extensions import db as database
from app.extensions import limiter

DAY = dt.timedelta(days=1)
_n = itertools.count(1)


@pytest.fixture
def scratch_url(tmp_path):
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'live.sqlite3'}"
        return
    url = make_url(base)
    name = f"cw_backup_{os.getpid()}_{next(_n)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def live(scratch_url, tmp_path):
    """An app on the scratch database; the shared test engine is put back afterwards."""
    saved = (database.engine, database.session_factory, database._bound_connection)
    limiter_enabled = limiter.enabled
    database._bound_connection = None
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "backup-test-key",
            "DATABASE_URL": scratch_url,
            "SEARCH_INDEX_DIR": str(tmp_path / "search"),
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "RATELIMIT_ENABLED": False,
        }
    )
    try:
        with app.app_context():
            upgrade_schema()
            yield app
    finally:
        database.engine.dispose()
        database.engine, database.session_factory, database._bound_connection = saved
        limiter.enabled = limiter_enabled


def _record(session) -> dict[str, list[tuple]]:
    """Everything the public record is made of, as comparable rows."""
    return {
        "revisions": session.execute(
            select(ClauseRevision.id, ClauseRevision.clause_id, ClauseRevision.body).order_by(
                ClauseRevision.id
            )
        ).all(),
        "submissions": session.execute(
            select(Submission.id, Submission.receipt, Submission.status).order_by(Submission.id)
        ).all(),
        "comments": session.execute(select(Comment.id, Comment.body).order_by(Comment.id)).all(),
        "votes": session.execute(
            select(Vote.id, Vote.voter_id, Vote.choice, Vote.reason).order_by(Vote.id)
        ).all(),
        "users": session.execute(select(User.id, User.email, User.name).order_by(User.id)).all(),
    }


def _fill(app) -> None:
    """Commit a standard with edits, a round with submissions, a ballot with votes."""
    with database.transaction() as session, app.test_request_context():
        members = [
            accounts.create_user(
                session,
                email=f"member{i}@example.org",
                password="correct horse battery",
                name=f"Member {i}",
                roles=[Role.COMMITTEE],
            )
            for i in range(3)
        ]
        standard = drafting.create_standard(
            session, SYSTEM, slug="backed-up", title="Backed up", summary="", uid_prefix="BU"
        )
        first = editing.add_clause(
            session, SYSTEM, standard, kind="criterion", number="1", heading="One", body="First."
        )
        session.flush()
        editing.save_clause(
            session,
            SYSTEM,
            first.clause,
            based_on_id=first.id,
            kind="criterion",
            number="1",
            heading="One",
            body="First, edited.",
        )
        version = drafting.freeze(session, SYSTEM, standard, label="d1")
        opens = utcnow() - DAY
        fields = consultation.clean_round(
            session,
            standard_slug=standard.slug,
            version_label=version.label,
            title="Round",
            summary="",
            opens_at=opens,
            closes_at=opens + 70 * DAY,
            visibility="live",
            number=None,
        )
        round_ = consultation.create_round(session, SYSTEM, fields)
        for member in members:
            comment = consultation.add_comment(
                session, member, round_, body=f"Comment by {member.name}."
            )
            consultation.submit(session, member, comment.submission)
        secretariat = accounts.create_user(
            session,
            email="secretariat@example.org",
            password="correct horse battery",
            name="Secretariat",
            roles=[Role.SECRETARIAT],
        )
        ballot = ballots.open_ballot(
            session,
            secretariat,
            version,
            question_kind="another-round",
            question="Another round?",
            closes_at=utcnow() + DAY,
        )
        ballots.cast_vote(session, members[0], ballot, choice="yes")
        ballots.cast_vote(session, members[1], ballot, choice="no", reason="Not yet.")


def _change(app) -> None:
    """Commit more after the backup: a new person, a new vote, a renamed member."""
    with database.transaction() as session, app.test_request_context():
        accounts.create_user(
            session,
            email="late@example.org",
            password="correct horse battery",
            name="Late",
            roles=[],
        )
        member = accounts.find_by_email(session, "member0@example.org")
        member.name = "Renamed"
        ballot = session.scalar(select(ballots.Ballot))
        third = accounts.find_by_email(session, "member2@example.org")
        ballots.cast_vote(session, third, ballot, choice="abstain")


def _snapshot():
    with database.transaction() as session:
        return _record(session)


def test_backup_then_restore_brings_back_every_submission_vote_and_revision(live, tmp_path):
    _fill(live)
    before = _snapshot()
    assert before["submissions"] and before["votes"] and before["revisions"]
    runner = live.test_cli_runner()
    target = tmp_path / "copy" / "backup.bin"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert target.stat().st_size > 0

    _change(live)
    changed = _snapshot()
    assert changed != before and len(changed["votes"]) == len(before["votes"]) + 1

    refused = runner.invoke(args=["restore", str(target)])
    assert refused.exit_code != 0 and "--yes" in refused.output
    assert _snapshot() == changed  # nothing touched without --yes

    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert _snapshot() == before
    # The restored database is a working one: the app can write to it again.
    _change(live)
    assert len(_snapshot()["votes"]) == len(before["votes"]) + 1


def test_backup_is_consistent_while_a_writer_is_busy(live, tmp_path):
    """A backup taken during an uncommitted write holds the committed state only."""
    _fill(live)
    before = _snapshot()
    writer = database.new_session()
    try:
        with live.test_request_context():
            accounts.create_user(
                writer,
                email="pending@example.org",
                password="correct horse battery",
                name="Pending",
                roles=[],
            )
            writer.flush()
        target = backups.backup(live.config["DATABASE_URL"], tmp_path / "during.bin", engine=None)
        writer.commit()
    finally:
        writer.close()
    assert len(_snapshot()["users"]) == len(before["users"]) + 1
    backups.restore(live.config["DATABASE_URL"], target, engine=database.engine)
    assert _snapshot() == before


def test_backup_refuses_to_overwrite_and_restore_refuses_foreign_files(live, tmp_path):
    runner = live.test_cli_runner()
    existing = tmp_path / "exists.bin"
    existing.write_text("keep me")
    result = runner.invoke(args=["backup", str(existing)])
    assert result.exit_code != 0 and "already exists" in result.output
    assert existing.read_text() == "keep me"
    result = runner.invoke(args=["restore", str(existing), "--yes"])
    assert result.exit_code != 0 and "not a" in result.output
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0  # untouched


def test_default_backup_path_goes_to_the_instance_folder(live):
    result = live.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    assert "instance" in result.output or "backups" in result.output


def test_pg_tools_are_found_for_the_server_version():
    # scripts/test installs Debian's PostgreSQL client when it is missing.
    assert backups.find_pg_tool("pg_dump").endswith("pg_dump")
    with pytest.raises(backups.BackupError):
        backups.find_pg_tool("pg_dump", server_major=999)
