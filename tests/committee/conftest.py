"""Creator fixtures for the committee: rounds, submitted comments, frozen versions.

Everything is made through the services, as the app makes it: a fixture that
inserted rows could build records the app never builds (a submitted
submission without a receipt, a comment added after submitting).
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from app.auth.models import StakeholderGroup
from app.auth.permissions import SYSTEM
from app.committee import diffs
from app.consultation import drafts, submitting
from app.consultation import service as rounds
from app.consultation.comment_fields import AnchorInput
from app.consultation.models import CommentType, CommentVisibility, SubmissionKind
from app.database import utcnow
from app.drafting import editing
from app.drafting import service as drafting
from app.drafting.models import ClauseRevision, Standard

_n = itertools.count(1)
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _fresh_diff_cache():
    """Version ids are reused across rolled-back tests: start each with an empty cache."""
    diffs.frozen_pairs.clear()
    yield
    diffs.frozen_pairs.clear()


@pytest.fixture
def freeze(session):
    """Return a function that freezes a standard's working draft under a label."""

    def make(standard, label: str | None = None):
        version = drafting.freeze(session, SYSTEM, standard, label=label or f"v{next(_n)}")
        session.flush()
        return version

    return make


@pytest.fixture
def clause_of(session):
    """Return a function that finds a clause of the working draft by its number."""

    def find(standard, number: str):
        node = next(
            n for n in drafting.working_draft(session, standard) if n.revision.number == number
        )
        return node.revision.clause

    return find


@pytest.fixture
def make_round(session):
    """Return a function that opens a consultation round on a frozen version (the service)."""

    def make(
        version,
        *,
        number: int | None = None,
        days: int = 60,
        closed: bool = True,
        opens_at: dt.datetime | None = None,
        title: str | None = None,
    ):
        now = utcnow()
        if opens_at is None:
            # Rounds of a standard follow one another in date order and never overlap:
            # closed ones sit in the past, 400 days apart, the first furthest back.
            standard = session.get(Standard, version.standard_id)
            held = len(rounds.rounds_for_standard(session, standard))
            opens_at = now - 400 * DAY * (8 - held) if closed else now - DAY
        fields = rounds.clean_round(
            session,
            standard_slug=session.get(Standard, version.standard_id).slug,
            version_label=version.label,
            title=title or f"Round on {version.label}",
            opens_at=opens_at,
            closes_at=opens_at + days * DAY,
            visibility=CommentVisibility.AFTER_CLOSE,
            number=number,
        )
        round_ = rounds.create_round(session, SYSTEM, fields)
        session.flush()
        return round_

    return make


@pytest.fixture
def make_submission(session, make_user):
    """Return a function that sends a submission through the services, a day into the round.

    points: one clause (a Clause of the round's version, or None for the whole draft)
    per comment; quote: a passage of the first clause to anchor on. Returns the comments.
    """

    def make(
        round_,
        points,
        *,
        body: str = "Please reconsider.",
        quote: str | None = None,
        author=None,
        kind: str = SubmissionKind.INDIVIDUAL,
        group: str = StakeholderGroup.CIVIL_SOCIETY,
        consent: bool = True,
        comment_type: str = CommentType.TECHNICAL,
    ):
        author = author or make_user(stakeholder_group=group, organisation="Friends of Tests")
        when = min(round_.opens_at + DAY, round_.closes_at - dt.timedelta(seconds=1))
        comments = [
            drafts.add_comment(
                session,
                author,
                round_,
                clause_uid=clause.uid if clause is not None else None,
                comment_type=comment_type,
                body=body,
                anchor=AnchorInput(passage=quote) if quote and i == 0 else None,
                now=when,
            )
            for i, clause in enumerate(points)
        ]
        submission = comments[0].submission
        details = drafts.SubmissionDetails(
            kind=kind,
            organisation=author.organisation,
            consent_publish_name=consent,
            cover_statement="The Forum's points." if kind == SubmissionKind.FORMAL else "",
        )
        drafts.update_submission(session, author, submission, details, now=when)
        submitting.submit(session, author, submission, now=when)
        session.flush()
        return comments

    return make


@pytest.fixture
def make_comment(make_submission):
    """Return a function that sends one comment in a submission of its own; see make_submission."""

    def make(round_, clause=None, **options):
        return make_submission(round_, [clause], **options)[0]

    return make


@pytest.fixture
def edit(session):
    """Return a function that saves a new body for a clause of the working draft."""

    def save(clause, body: str, *, number: str | None = None, actor=SYSTEM):
        head = session.get(ClauseRevision, clause.head_revision_id)
        result = editing.save_clause(
            session,
            actor,
            clause,
            based_on_id=head.id,
            kind=str(head.kind),
            number=head.number if number is None else number,
            heading=head.heading,
            body=body,
        )
        session.flush()
        return result.revision

    return save
