"""The committee dashboard's rows as plain values: a page of 100 comments without ORM objects.

Building 100 comments with their submission, author, clause, revision and answer as ORM
objects cost about a fifth of the page's CPU; these rows are named tuples of the columns
a row shows, read in one statement by the page's ids.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.committee.models import Disposition
from app.consultation.models import Comment, CommentState, Submission, SubmissionKind
from app.drafting.models import Clause, ClauseRevision

NONE, DRAFTED, AGREED = "none", "drafted", "agreed"


def answer_state(disposition: DashboardAnswer | Disposition | None) -> str:
    """A comment's place in the committee's work: no answer, a drafted one or an agreed one."""
    if disposition is None:
        return NONE
    return AGREED if disposition.agreed else DRAFTED


class DashboardAnswer(NamedTuple):
    """The current answer of a dashboard row, as plain values."""

    id: int
    decision: str
    agreed: bool
    seq: int
    addressed_by_revision_id: int | None


class DashboardRow(NamedTuple):
    """A row of the committee dashboard as plain values (no ORM objects: a page has 100)."""

    id: int
    label: str  # receipt/point, as `comment_label` cites it
    clause_uid: str | None
    clause_title: str  # the revision's number and heading ("" on the whole draft)
    comment_type: str
    body: str
    language: str
    anchor_exact: str | None
    author_name: str
    kind: str
    group: str | None
    hidden: bool
    disposition: DashboardAnswer | None

    @property
    def state(self) -> str:
        return answer_state(self.disposition)

    @property
    def is_formal(self) -> bool:
        return self.kind == SubmissionKind.FORMAL

    @property
    def stakeholder_group(self) -> str:
        return self.group or "other"


def dashboard_rows(session: Session, keys: list) -> list[DashboardRow]:
    """Load a page's comments (at most a page of ids) in the order of `keys`, as plain rows."""
    if not keys:
        return []
    query = (
        select(
            Comment.id,
            Submission.receipt,
            Comment.submission_id,
            Comment.ordinal,
            Clause.uid,
            ClauseRevision.number,
            ClauseRevision.heading,
            Comment.comment_type,
            Comment.body,
            Comment.language,
            Comment.anchor_exact,
            User.name,
            Submission.kind,
            Submission.stakeholder_group,
            CommentState.hidden,
            Disposition.id,
            Disposition.decision,
            Disposition.agreed,
            Disposition.seq,
            Disposition.addressed_by_revision_id,
        )
        .join(Submission, Comment.submission_id == Submission.id)
        .join(User, Submission.author_id == User.id)
        .join(CommentState, CommentState.comment_id == Comment.id)
        .outerjoin(Disposition, Disposition.id == CommentState.disposition_id)
        .outerjoin(Clause, Comment.clause_id == Clause.id)
        .outerjoin(ClauseRevision, Comment.revision_id == ClauseRevision.id)
        .where(Comment.id.in_([row.comment_id for row in keys]))
    )
    found = {}
    for (
        id_,
        receipt,
        submission_id,
        ordinal,
        uid,
        number,
        heading,
        comment_type,
        body,
        language,
        anchor,
        author,
        kind,
        group,
        hidden,
        answer_id,
        decision,
        agreed,
        seq,
        addressed_by,
    ) in session.execute(query):
        found[id_] = DashboardRow(
            id_,
            f"{receipt or f'#{submission_id}'}/{ordinal}",
            uid,
            " ".join(p for p in (number, heading) if p),
            comment_type,
            body,
            language,
            anchor,
            author,
            kind,
            group,
            bool(hidden),
            None
            if answer_id is None
            else DashboardAnswer(answer_id, decision, bool(agreed), seq, addressed_by),
        )
    # A comment withdrawn between the two statements (another transaction) is left out.
    return [found[row.comment_id] for row in keys if row.comment_id in found]
