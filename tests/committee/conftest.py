"""Creator fixtures for the committee: rounds, submitted comments, frozen versions.

Rounds, submissions and comments are inserted as model rows directly, so that
these tests do not depend on the consultation service's internals.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import func, select

from app.auth.models import StakeholderGroup
from app.auth.permissions import SYSTEM
from app.committee import diffs
from app.consultation.models import (
    Comment,
    CommentType,
    CommentVisibility,
    ConsultationRound,
    Submission,
    SubmissionKind,
    SubmissionStatus,
)
from app.database import utcnow
from app.drafting import editing
from app.drafting import service as drafting
from app.drafting.models import ClauseRevision, Standard
from app.text.anchoring import find_passage
from app.text.markdown import plain_text

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
    """Return a function that inserts a consultation round on a frozen version."""

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
            opens_at = now - (days + 1) * DAY if closed else now - DAY
        round_ = ConsultationRound(
            standard=session.get(Standard, version.standard_id),
            version=version,
            number=number or next(_n),
            title=title or f"Round on {version.label}",
            opens_at=opens_at,
            closes_at=opens_at + days * DAY,
            visibility=CommentVisibility.AFTER_CLOSE,
        )
        session.add(round_)
        session.flush()
        return round_

    return make


@pytest.fixture
def make_comment(session, make_user):
    """Return a function that inserts a submitted comment (in its own submission by default).

    clause: a Clause of the round's version (or None for the whole draft); quote:
    a passage of that clause's text in the round's version, to anchor on.
    """

    def make(
        round_,
        clause=None,
        *,
        body: str = "Please reconsider.",
        quote: str | None = None,
        author=None,
        submission=None,
        kind: str = SubmissionKind.INDIVIDUAL,
        group: str = StakeholderGroup.CIVIL_SOCIETY,
        consent: bool = True,
        comment_type: str = CommentType.TECHNICAL,
    ):
        if submission is None:
            author = author or make_user(stakeholder_group=group)
            n = next(_n)
            submission = Submission(
                round=round_,
                author=author,
                kind=kind,
                stakeholder_group=group,
                consent_publish_name=consent,
                status=SubmissionStatus.SUBMITTED,
                receipt=f"T-R{round_.number}-{n:04d}",
                submitted_at=round_.opens_at + DAY,
            )
            session.add(submission)
            session.flush()
        revision = None
        if clause is not None:
            entries = drafting.version_nodes(session, round_.version)
            revision = next(e.revision for e in entries if e.clause_id == clause.id)
        anchor = None
        if quote is not None:
            anchor = find_passage(plain_text(revision.body), quote)
        ordinals = select(func.count(Comment.id)).where(Comment.submission_id == submission.id)
        comment = Comment(
            submission=submission,
            ordinal=(session.scalar(ordinals) or 0) + 1,
            clause=clause,
            revision=revision,
            comment_type=comment_type,
            body=body,
            **Comment.anchor_columns(anchor),
        )
        session.add(comment)
        session.flush()
        return comment

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
