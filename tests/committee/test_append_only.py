"""The database itself refuses to rewrite the record: triggers and CHECK constraints.

Every statement here is a Core statement or raw SQL, which the ORM flush guard
never sees; each runs in a savepoint so that a refusal leaves the test's
transaction usable on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, insert, inspect, select, text, update
from sqlalchemy.exc import IntegrityError

from app.audit.models import AuditEvent
from app.auth.models import Role
from app.committee import ballots, dispositions
from app.committee.models import Ballot, Disposition, Vote
from app.consultation import drafts, moderation, submitting
from app.consultation.models import Comment, Moderation, Submission, SubmissionStatus
from app.database import utcnow
from app.drafting.models import Clause, ClauseRevision, Version, VersionEntry
from app.errors import Conflict, RecordFrozen
from app.loading import ensure_loaded

HOUR = dt.timedelta(hours=1)


def refused(session, statement, error=RecordFrozen):
    """Run a statement in a savepoint and return the error the database raised."""
    with pytest.raises(error) as caught, session.begin_nested():
        session.execute(statement)
    return caught.value


@pytest.fixture
def on_file(session, make_standard, freeze, make_round, make_comment, clause_of):
    """A closed round with one submitted comment on clause 1.1."""
    standard = make_standard()
    round_ = make_round(freeze(standard, "d1"), number=1)
    return make_comment(round_, clause_of(standard, "1.1"), body="Say quarterly.")


@pytest.fixture
def closed_ballot(session, secretariat, make_user, make_standard, freeze):
    voters = [make_user(Role.COMMITTEE) for _ in range(3)]
    opened = utcnow() - 48 * HOUR
    ballot = ballots.open_ballot(
        session,
        secretariat,
        freeze(make_standard(), "d1"),
        question_kind="adopt",
        question="Adopt d1?",
        closes_at=opened + 24 * HOUR,
        justification="Tests hold no consultation rounds.",
        now=opened,
    )
    ballots.cast_vote(session, voters[0], ballot, choice="yes", now=opened + HOUR)
    ballots.cast_vote(session, voters[1], ballot, choice="no", reason="Too soon.", now=opened)
    assert ballots.close_due_ballots(session) == [ballot]
    return ballot, voters


def test_every_trigger_exists_at_head(session):
    """A later SQLite batch migration that recreates a table would drop its triggers."""
    if session.bind.dialect.name == "sqlite":
        rows = session.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
    else:
        rows = session.execute(
            text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'tr_%'")
        )
    names = set(rows.scalars())
    tables = {
        "audit_event",
        "clause_revision",
        "version_entry",
        "disposition",
        "moderation",
        "synopsis_publication",
        "vote",
        "ballot_voter",
        "comment",
        "version",
        "submission",
        "ballot",
        "publication",
    }
    assert {t for t in tables if any(n.startswith(f"tr_{t}_") for n in names)} == tables


def test_core_update_of_a_submitted_comment_is_refused(session, on_file):
    error = refused(session, update(Comment).where(Comment.id == on_file.id).values(body="Hacked"))
    assert isinstance(error, Conflict) and error.status_code == 409
    assert "submitted" in error.context["refused"]
    refused(
        session, text("UPDATE comment SET body = 'Hacked' WHERE id = :id").bindparams(id=on_file.id)
    )
    refused(session, delete(Comment).where(Comment.id == on_file.id))
    session.expire_all()
    assert session.get(Comment, on_file.id).body == "Say quarterly."


def test_no_comment_joins_a_submitted_submission(session, on_file):
    values = {
        "submission_id": on_file.submission_id,
        "ordinal": 2,
        "comment_type": "general",
        "body": "Late addition",
        "proposed_change": "",
        "created_at": utcnow(),
    }
    refused(session, insert(Comment).values(**values))
    other = refused(
        session,
        update(Comment).where(Comment.id == on_file.id).values(submission_id=on_file.id + 999),
        (RecordFrozen, IntegrityError),
    )
    assert other is not None


def test_draft_comments_follow_their_own_rule(
    session, make_standard, freeze, make_round, make_user
):
    """While its submission is a draft a comment may change or go; once submitted, never."""
    standard = make_standard()
    round_ = make_round(freeze(standard, "d1"), number=1, closed=False)
    author = make_user()
    first = drafts.add_comment(session, author, round_, body="First thought")
    second = drafts.add_comment(session, author, round_, body="Second thought")
    session.execute(update(Comment).where(Comment.id == first.id).values(body="Better thought"))
    session.execute(delete(Comment).where(Comment.id == second.id))
    # The ORM guard agrees: a draft comment is edited like any row.
    session.expire_all()
    first = ensure_loaded(session, session.get(Comment, first.id), "submission")
    first.proposed_change = "Say it better."
    session.flush()
    submission = submitting.submit(session, author, first.submission)
    assert submission.status == SubmissionStatus.SUBMITTED
    refused(session, update(Comment).where(Comment.id == first.id).values(body="Changed mind"))
    first.body = "Changed mind via the ORM"
    with pytest.raises(Conflict), session.begin_nested():
        session.flush()
    session.rollback()


def test_core_delete_of_a_vote_of_a_closed_ballot_is_refused(session, closed_ballot):
    ballot, voters = closed_ballot
    votes = session.scalars(select(Vote.id).where(Vote.ballot_id == ballot.id)).all()
    assert len(votes) == 2
    refused(session, delete(Vote).where(Vote.ballot_id == ballot.id))
    refused(session, update(Vote).where(Vote.ballot_id == ballot.id).values(choice="yes"))
    late = {"ballot_id": ballot.id, "voter_id": voters[2].id, "choice": "yes", "reason": ""}
    refused(session, insert(Vote).values(cast_at=utcnow(), **late))
    refused(session, update(Ballot).where(Ballot.id == ballot.id).values(outcome="carried"))
    session.expire_all()
    assert len(session.scalars(select(Vote.id).where(Vote.ballot_id == ballot.id)).all()) == 2
    assert session.get(Ballot, ballot.id).outcome == "failed"  # 1 yes, 1 no of 3


@pytest.mark.parametrize(
    ("model", "column", "value"),
    [
        (AuditEvent, "summary", "rewritten"),
        (ClauseRevision, "body", "rewritten"),
        (VersionEntry, "ordinal", 99),
        (Disposition, "response", "rewritten"),
        (Moderation, "reason", "rewritten"),
    ],
)
def test_history_rows_are_append_only(session, on_file, member, secretariat, model, column, value):
    dispositions.draft(session, member, on_file, decision="noted", response="Thanks.")
    moderation.moderate(session, secretariat, on_file, hidden=True, reason="Off topic")
    session.flush()
    row_id = session.scalar(select(model.id).order_by(model.id.desc()).limit(1))
    assert row_id is not None
    refused(session, update(model).where(model.id == row_id).values({column: value}))
    refused(session, delete(model).where(model.id == row_id))


def test_a_frozen_version_keeps_its_metadata_but_may_change_state(session, make_standard, freeze):
    version = freeze(make_standard(title="Original title"), "d1")
    refused(session, update(Version).where(Version.id == version.id).values(title="New title"))
    refused(session, delete(Version).where(Version.id == version.id))
    session.execute(update(Version).where(Version.id == version.id).values(state="adopted"))


def test_a_submitted_submission_can_only_be_withdrawn(session, on_file):
    submission = on_file.submission
    for values in ({"receipt": "FORGED-1"}, {"status": "draft"}, {"cover_statement": "New"}):
        stmt = update(Submission).where(Submission.id == submission.id).values(**values)
        refused(session, stmt, (RecordFrozen, IntegrityError))
    refused(session, delete(Submission).where(Submission.id == submission.id))
    session.execute(
        update(Submission)
        .where(Submission.id == submission.id)
        .values(status="withdrawn", withdrawn_at=utcnow(), withdraw_reason="Changed my mind")
    )
    refused(
        session,
        update(Submission).where(Submission.id == submission.id).values(withdraw_reason="Again"),
    )


def test_the_tables_carry_their_check_constraints(session):
    checks = {
        table: {c["name"] for c in inspect(session.bind).get_check_constraints(table)}
        for table in ("submission", "vote", "disposition", "comment", "ballot", "role_grant")
    }
    assert "ck_submission_submitted_has_receipt" in checks["submission"]
    assert "ck_vote_reason_for_no" in checks["vote"]
    assert "ck_disposition_duplicate_names_original" in checks["disposition"]
    assert "ck_comment_comment_type_valid" in checks["comment"]
    assert "ck_ballot_outcome_valid" in checks["ballot"]
    assert "ck_role_grant_role_valid" in checks["role_grant"]


@pytest.fixture
def open_ballot(session, secretariat, make_user, make_standard, freeze):
    voters = [make_user(Role.COMMITTEE) for _ in range(2)]
    ballot = ballots.open_ballot(
        session,
        secretariat,
        freeze(make_standard(), "d1"),
        question_kind="adopt",
        question="Adopt d1?",
        closes_at=utcnow() + 24 * HOUR,
        justification="Tests hold no consultation rounds.",
    )
    return ballot, voters


def test_votes_need_the_roll_and_a_reason_for_no(session, open_ballot, make_user):
    ballot, voters = open_ballot
    vote = {"ballot_id": ballot.id, "cast_at": utcnow()}
    for choice in ("no", "recuse"):
        stmt = insert(Vote).values(voter_id=voters[0].id, choice=choice, reason="  ", **vote)
        refused(session, stmt, IntegrityError)
    outsider = make_user(Role.COMMITTEE)
    stmt = insert(Vote).values(voter_id=outsider.id, choice="yes", reason="", **vote)
    refused(session, stmt, IntegrityError)
    stmt = insert(Vote).values(voter_id=voters[0].id, choice="maybe", reason="", **vote)
    refused(session, stmt, IntegrityError)
    session.execute(insert(Vote).values(voter_id=voters[0].id, choice="no", reason="Why", **vote))


def test_a_duplicate_names_its_original(session, on_file, member):
    row = {"comment_id": on_file.id, "seq": 1, "response": "", "author_id": member.id}
    row |= {"agreed": False, "created_at": utcnow()}
    refused(session, insert(Disposition).values(decision="duplicate", **row), IntegrityError)
    stmt = insert(Disposition).values(decision="duplicate", duplicate_of_id=on_file.id, **row)
    refused(session, stmt, IntegrityError)  # not of itself
    stmt = insert(Disposition).values(decision="noted", duplicate_of_id=on_file.id, **row)
    refused(session, stmt, IntegrityError)
    refused(session, insert(Disposition).values(decision="shrug", **row), IntegrityError)
    session.execute(insert(Disposition).values(decision="noted", **row))


def test_a_submitted_submission_has_a_receipt(session, on_file, make_user):
    author = make_user()
    row = {"round_id": on_file.submission.round_id, "author_id": author.id}
    row |= {"created_at": utcnow(), "updated_at": utcnow(), "kind": "individual"}
    row |= {"organisation": "", "cover_statement": "", "consent_publish_name": False}
    row |= {"withdraw_reason": "", "stakeholder_group": "individual"}
    stmt = insert(Submission).values(status="submitted", submitted_at=utcnow(), **row)
    refused(session, stmt, IntegrityError)
    refused(session, insert(Submission).values(status="lost", **row), IntegrityError)
    stmt = insert(Submission).values(status="draft", **{**row, "stakeholder_group": "aliens"})
    refused(session, stmt, IntegrityError)
    session.execute(insert(Submission).values(status="draft", **row))
    # One draft per person per round.
    refused(session, insert(Submission).values(status="draft", **row), IntegrityError)


def test_an_edit_racing_a_submit_is_refused_by_the_database(
    session, make_standard, freeze, make_round, make_user
):
    """The edit read the submission as a draft; the submit committed first; the database says no."""
    round_ = make_round(freeze(make_standard(), "d1"), number=1, closed=False)
    author = make_user()
    comment = drafts.add_comment(session, author, round_, body="First thought")
    submission = comment.submission
    # The concurrent submit, unseen by this session's objects.
    session.execute(
        update(Submission)
        .where(Submission.id == submission.id)
        .values(status="submitted", receipt="RACE-1", submitted_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    assert submission.status == SubmissionStatus.DRAFT  # what the edit believes
    with pytest.raises(Conflict) as refused_edit:
        drafts.edit_comment(session, author, comment, body="Second thought")
    assert "has been submitted" in refused_edit.value.message
    with pytest.raises(Conflict):
        drafts.remove_comment(session, author, comment)
    # Nothing of either attempt reached the record.
    session.expire_all()
    assert session.get(Comment, comment.id).body == "First thought"


def test_slugs_uid_prefixes_and_clause_uids_are_permanent(session, make_standard):
    """Links, receipts and exports name them; the title may change, they may not."""
    standard = make_standard(title="Before")
    standard.title = "After"
    session.flush()
    for obj, attr in ((standard, "slug"), (standard, "uid_prefix")):
        setattr(obj, attr, "renamed")
        with pytest.raises(Conflict), session.begin_nested():
            session.flush()
        session.expire(obj)
    clause = session.scalars(select(Clause).where(Clause.standard_id == standard.id)).first()
    clause.uid = "T-renamed"
    with pytest.raises(Conflict), session.begin_nested():
        session.flush()
