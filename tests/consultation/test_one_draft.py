"""One draft submission per person per round, even when two tabs add a first comment at once."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.orm import selectinload, sessionmaker

from app.auth import service as accounts
from app.auth.permissions import SYSTEM
from app.cli import upgrade_schema
from app.consultation import drafts
from app.consultation import service as rounds
from app.consultation.models import Submission, SubmissionStatus
from app.database import make_engine, utcnow
from app.drafting import service as drafting
from app.drafting.editing import add_clause
from app.extensions import db as database
from tests.conftest import PASSWORD, IsolatedClient, csrf_token


def test_a_second_draft_in_the_same_round_joins_the_first(
    session, make_round, make_user, monkeypatch
):
    """The insert that loses the race re-reads the winner's draft instead of failing."""
    round_ = make_round()
    author = make_user()
    first = drafts.add_comment(session, author, round_, body="From the first tab")
    real_draft_for = drafts.draft_for
    calls = []

    def stale_draft_for(session, actor, round_):
        # The second tab looked before the first tab's draft existed.
        calls.append(1)
        return None if len(calls) == 1 else real_draft_for(session, actor, round_)

    monkeypatch.setattr(drafts, "draft_for", stale_draft_for)
    second = drafts.add_comment(session, author, round_, body="From the second tab")
    assert len(calls) == 2
    assert second.submission_id == first.submission_id
    assert [c.ordinal for c in (first, second)] == [1, 2]
    ids = session.scalars(select(Submission.id).where(Submission.author_id == author.id)).all()
    assert ids == [first.submission_id]


@pytest.fixture
def committing_app(app, monkeypatch, tmp_path):
    """Point the app at a database of its own (a PostgreSQL schema, a SQLite file)."""
    if database.engine.dialect.name != "postgresql":
        engine = make_engine(f"sqlite:///{tmp_path / 'race.sqlite3'}")
        monkeypatch.setattr(database, "engine", engine)
        monkeypatch.setattr(
            database, "session_factory", sessionmaker(engine, expire_on_commit=False)
        )
        try:
            with app.app_context():
                upgrade_schema()
            yield app
        finally:
            engine.dispose()
            monkeypatch.undo()
        return
    schema = f"race_{uuid.uuid4().hex[:10]}"
    with database.engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = app.config["DATABASE_URL"]
    engine = make_engine(f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}")
    monkeypatch.setattr(database, "engine", engine)
    monkeypatch.setattr(database, "session_factory", sessionmaker(engine, expire_on_commit=False))
    try:
        with app.app_context():
            upgrade_schema()
        yield app
    finally:
        engine.dispose()
        monkeypatch.undo()
        with database.engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))


def _round_and_commenter(app):
    with app.test_request_context(), database.transaction() as session:
        user = accounts.register(
            session,
            email="two-tabs@example.org",
            password=PASSWORD,
            name="Two Tabs",
            stakeholder_group="individual",
            organisation="",
        )
        standard = drafting.create_standard(
            session, SYSTEM, slug="race", title="Race", summary="", uid_prefix="RC"
        )
        add_clause(session, SYSTEM, standard, kind="principle", number="1", heading="One", body="x")
        version = drafting.freeze(session, SYSTEM, standard, label="d1")
        opens = utcnow() - dt.timedelta(days=1)
        fields = rounds.clean_round(
            session,
            standard_slug="race",
            version_label=version.label,
            title="Race round",
            opens_at=opens,
            closes_at=opens + dt.timedelta(days=60),
        )
        return rounds.create_round(session, SYSTEM, fields).id, user.id


def test_two_tabs_racing_for_the_first_comment_share_one_draft(committing_app):
    app = committing_app
    round_id, user_id = _round_and_commenter(app)
    app.test_client_class = IsolatedClient
    tabs = [app.test_client(), app.test_client()]
    forms = []
    for n, tab in enumerate(tabs, start=1):
        token = csrf_token(tab, "/sign-in")
        data = {"email": "two-tabs@example.org", "password": PASSWORD, "csrf_token": token}
        assert tab.post("/sign-in", data=data).status_code == 302
        path = f"/consultations/{round_id}/comment"
        forms.append(
            {
                "csrf_token": csrf_token(tab, path),
                "clause_uid": "",
                "comment_type": "general",
                "body": f"Comment from tab {n}",
            }
        )

    # On PostgreSQL, hold both requests at the draft's INSERT until both have looked for
    # a draft and found none: the race of two tabs, made certain. SQLite's BEGIN
    # IMMEDIATE lets the second request look only after the first committed, so there
    # the two requests simply run at once.
    both_looked = threading.Barrier(2, timeout=20)
    racing = database.engine.dialect.name == "postgresql"

    def hold(conn, cursor, statement, parameters, context, executemany):
        if racing and statement.startswith("INSERT INTO submission"):
            both_looked.wait()

    event.listen(database.engine, "before_cursor_execute", hold)
    statuses: dict[int, int] = {}

    def post(n: int) -> None:
        response = tabs[n].post(f"/consultations/{round_id}/comment", data=forms[n])
        statuses[n] = response.status_code

    threads = [threading.Thread(target=post, args=(n,)) for n in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        event.remove(database.engine, "before_cursor_execute", hold)
    assert statuses == {0: 302, 1: 302}

    with app.app_context(), database.transaction() as session:
        submissions = session.scalars(
            select(Submission)
            .where(Submission.author_id == user_id)
            .options(selectinload(Submission.comments))
        ).all()
        assert [s.status for s in submissions] == [SubmissionStatus.DRAFT]
        bodies = sorted(c.body for c in submissions[0].comments)
        assert bodies == ["Comment from tab 1", "Comment from tab 2"]
        assert sorted(c.ordinal for c in submissions[0].comments) == [1, 2]
