"""The per-comment read model, `comment_state`: written with each event, rebuilt from history.

One row per submitted comment: its round, clause, type, the submitter's group and
formality, whether it is hidden now, its current answer, and its place in receipt
order (submitted_at, submission id, ordinal: the committee dashboard's order) and
whether it is anchored to a passage. Each event writes it in the transaction that
records the event, in one place:

- submit (app.consultation.submitting.submit): the comments' rows are inserted;
- withdrawal (submitting.withdraw): they are deleted (counts leave withdrawn comments out);
- moderation (moderation.moderate): `hidden`, guarded by the moderation id;
- a disposition row (app.committee.dispositions._append, through `record_answer`):
  the answer columns, guarded by the disposition's seq.

The guards make every update a "keep the newest" step, so two transactions that commit
in either order leave the row as the history's latest rows say. The committee rebuilds
the whole table (or a round) from the append-only rows with `rebuild`, giving it the
answer columns it owns (app.committee.state).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, delete, false, func, insert, or_, select, update
from sqlalchemy.orm import Session

from app.consultation.models import (
    Comment,
    CommentState,
    Moderation,
    Submission,
    SubmissionKind,
    SubmissionStatus,
)

BASE_COLUMNS = (
    "comment_id",
    "round_id",
    "clause_id",
    "comment_type",
    "language",
    "stakeholder_group",
    "formal",
    "hidden",
    "moderation_id",
    "submitted_at",
    "submission_id",
    "ordinal",
    "anchored",
)
ANSWER_COLUMNS = ("disposition_id", "disposition_seq", "decision", "agreed")


def record_submitted(session: Session, submission: Submission, comments: Iterable[Comment]) -> None:
    """Insert the rows of a submission's comments, as it is submitted."""
    rows = [
        {
            "comment_id": c.id,
            "round_id": submission.round_id,
            "clause_id": c.clause_id,
            "comment_type": c.comment_type,
            "language": c.language,
            "stakeholder_group": submission.stakeholder_group or "",
            "formal": submission.kind == SubmissionKind.FORMAL,
            "hidden": False,
            "agreed": False,
            "submitted_at": submission.submitted_at,
            "submission_id": submission.id,
            "ordinal": c.ordinal,
            "anchored": c.anchor_exact is not None,
        }
        for c in comments
    ]
    if len(rows) == 1:  # the one-step post, most of a campaign: a prebuilt Core statement
        session.connection().execute(_INSERT_ONE, rows[0])
    elif rows:  # one INSERT with every row (insertmanyvalues): one statement for the counters
        session.execute(insert(CommentState), rows)


# Built once: the ORM bulk path rebuilds and walks the statement on every call.
_INSERT_ONE = insert(CommentState.__table__)


def record_withdrawn(session: Session, submission: Submission) -> None:
    """Delete the rows of a withdrawn submission's comments."""
    session.execute(
        delete(CommentState)
        .where(
            CommentState.comment_id.in_(
                select(Comment.id).where(Comment.submission_id == submission.id)
            )
        )
        .execution_options(synchronize_session=False)
    )


def record_moderation(session: Session, moderation: Moderation) -> None:
    """Apply a moderation row (flushed) unless a newer one is already applied."""
    session.execute(
        update(CommentState)
        .where(
            CommentState.comment_id == moderation.comment_id,
            or_(CommentState.moderation_id.is_(None), CommentState.moderation_id < moderation.id),
        )
        .values(hidden=moderation.hidden, moderation_id=moderation.id)
        .execution_options(synchronize_session=False)
    )


def record_answer(
    session: Session,
    comment_id: int,
    *,
    disposition_id: int,
    seq: int,
    decision: str,
    agreed: bool,
) -> None:
    """Apply the committee's answer row `seq` to a comment unless a later seq is applied."""
    session.execute(
        update(CommentState)
        .where(
            CommentState.comment_id == comment_id,
            or_(CommentState.disposition_seq.is_(None), CommentState.disposition_seq < seq),
        )
        .values(
            disposition_id=disposition_id,
            disposition_seq=seq,
            decision=str(decision),
            agreed=bool(agreed),
        )
        .execution_options(synchronize_session=False)
    )


def latest_per_comment(model: type, by, round_id: int | None, *columns):
    """Subquery: the newest row of model per comment (by `by`), for the round's comments.

    A window function over the rows, not an anti-join: a rebuild reads every row
    once, and PostgreSQL plans it well even before the bulk rows are analysed.
    """
    rank = func.row_number().over(partition_by=model.comment_id, order_by=by.desc())
    query = select(model.comment_id, *columns, rank.label("rank"))
    if round_id is not None:
        query = query.where(
            model.comment_id.in_(
                select(Comment.id)
                .join(Submission, Comment.submission_id == Submission.id)
                .where(Submission.round_id == round_id)
            )
        )
    return query.subquery()


def source(round_id: int | None = None) -> Select:
    """Select the base columns (BASE_COLUMNS order) of every submitted comment, from history.

    The caller adds the answer columns (ANSWER_COLUMNS order) by joining on Comment.id.
    """
    m = latest_per_comment(Moderation, Moderation.id, round_id, Moderation.id, Moderation.hidden)
    query = (
        select(
            Comment.id,
            Submission.round_id,
            Comment.clause_id,
            Comment.comment_type,
            Comment.language,
            func.coalesce(Submission.stakeholder_group, ""),
            Submission.kind == SubmissionKind.FORMAL,
            func.coalesce(m.c.hidden, false()),
            m.c.id,
            Submission.submitted_at,
            Submission.id,
            Comment.ordinal,
            Comment.anchor_exact.is_not(None),
        )
        .join(Submission, Comment.submission_id == Submission.id)
        .outerjoin(m, (m.c.comment_id == Comment.id) & (m.c.rank == 1))
        .where(Submission.status == SubmissionStatus.SUBMITTED)
    )
    if round_id is not None:
        query = query.where(Submission.round_id == round_id)
    return query


def replace(session: Session, rows: Select, round_id: int | None = None) -> int:
    """Replace the rows of a round (or all rows) by `rows` (BASE + ANSWER columns)."""
    wipe = delete(CommentState)
    if round_id is not None:
        wipe = wipe.where(CommentState.round_id == round_id)
    session.execute(wipe.execution_options(synchronize_session=False))
    columns = [getattr(CommentState, name) for name in BASE_COLUMNS + ANSWER_COLUMNS]
    session.execute(insert(CommentState).from_select(columns, rows))
    count = select(func.count()).select_from(CommentState)
    if round_id is not None:
        count = count.where(CommentState.round_id == round_id)
    return session.scalar(count) or 0


def stored(round_id: int | None = None) -> Select:
    """Select the table's rows in BASE + ANSWER column order (to compare with a rebuild)."""
    query = select(*(getattr(CommentState, n) for n in BASE_COLUMNS + ANSWER_COLUMNS))
    if round_id is not None:
        query = query.where(CommentState.round_id == round_id)
    return query
