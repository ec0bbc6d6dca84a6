"""Read a round's comments with their current dispositions, for the committee and the public."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from app.auth.models import User
from app.auth.permissions import require
from app.committee import listing
from app.committee.listing import AGREED, DRAFTED, NONE, CommentRow
from app.committee.models import Disposition, SynopsisPublication
from app.committee.permissions import can_use_workspace
from app.consultation.models import (
    Comment,
    CommentState,
    ConsultationRound,
    Moderation,
    Submission,
    SubmissionStatus,
    comment_parts,
    round_parts,
)
from app.consultation.moderation import hidden_comments
from app.drafting.models import Clause
from app.errors import NotFound
from app.history import latest
from app.pagination import Page, paginate


def get_round(session: Session, round_id: int) -> ConsultationRound:
    found = session.get(ConsultationRound, round_id, options=round_parts())
    if found is None:
        raise NotFound(_("There is no consultation round %(id)s.", id=round_id))
    return found


def all_rounds(session: Session) -> list[ConsultationRound]:
    return list(
        session.scalars(
            select(ConsultationRound)
            .options(*round_parts())
            .order_by(ConsultationRound.opens_at.desc())
        )
    )


def get_comment(session: Session, comment_id: int) -> Comment:
    comment = session.get(
        Comment,
        comment_id,
        options=[*comment_parts(), joinedload(Comment.clause).joinedload(Clause.head)],
        populate_existing=True,  # comments are immutable: nothing pending to lose
    )
    if comment is None or comment.submission.status != SubmissionStatus.SUBMITTED:
        raise NotFound(_("There is no comment %(id)s.", id=comment_id))
    return comment


def current_dispositions(
    session: Session, comment_ids: Iterable[int] | Select
) -> dict[int, Disposition]:
    """Return the latest disposition of each given comment (ids, or a query of ids) that has one."""
    if not isinstance(comment_ids, Select):
        comment_ids = list(comment_ids)
        if not comment_ids:
            return {}
    rows = session.scalars(current_disposition().where(Disposition.comment_id.in_(comment_ids)))
    return {d.comment_id: d for d in rows}


def current_disposition() -> Select:
    """Select the current (latest) disposition row of each comment."""
    return latest(Disposition, key=[Disposition.comment_id], by=Disposition.seq)


def hidden_comment_ids(session: Session, comment_ids: Iterable[int] | Select) -> set[int]:
    """Return the given comments whose latest moderation hides them."""
    if not isinstance(comment_ids, Select):
        comment_ids = list(comment_ids)
        if not comment_ids:
            return set()
    return set(session.scalars(hidden_comments().where(Moderation.comment_id.in_(comment_ids))))


def submitted_comments():
    return (
        select(Comment)
        .join(Submission, Comment.submission_id == Submission.id)
        .where(Submission.status == SubmissionStatus.SUBMITTED)
    )


def rows_for(
    session: Session, comments: list[Comment], ids: Select | None = None
) -> list[CommentRow]:
    """Pair comments with their current disposition; ids: the query that selected them."""
    chosen: Iterable[int] | Select = ids if ids is not None else [c.id for c in comments]
    current = current_dispositions(session, chosen)
    hidden = hidden_comment_ids(session, chosen)
    return [CommentRow(c, current.get(c.id), c.id in hidden) for c in comments]


CLAUSE_PAGE = 50


def clause_comments(
    session: Session,
    viewer: User,
    clause: Clause,
    *,
    after: str | None = None,
    before: str | None = None,
    limit: int = CLAUSE_PAGE,
) -> Page:
    """Return a page of every comment made on a clause, across rounds: oldest round first,
    then receipt order. The keys come from comment_state's clause index (a clause's
    comments, sorted by round number: a few thousand at most), the rows by the page's ids."""
    require(can_use_workspace(viewer))
    keys = (
        select(CommentState.comment_id, ConsultationRound.number, *listing.RECEIPT)
        .join(ConsultationRound, ConsultationRound.id == CommentState.round_id)
        .where(CommentState.clause_id == clause.id)
    )
    page = paginate(
        session,
        keys,
        [ConsultationRound.number, *listing.RECEIPT],
        lambda row: (row.number, row.submitted_at, row.submission_id, row.ordinal),
        [int, dt.datetime, int, int],
        after=after,
        before=before,
        limit=limit,
    )
    ids = [row.comment_id for row in page.items]
    query = listing.with_row_parts(
        select(Comment, listing.Current, CommentState.hidden)
        .join(Submission, Comment.submission_id == Submission.id)
        .join(CommentState, CommentState.comment_id == Comment.id)
        .outerjoin(listing.Current, listing.Current.id == CommentState.disposition_id)
        .join(ConsultationRound, Submission.round_id == ConsultationRound.id)
        .where(Comment.id.in_(ids))
        .options(
            contains_eager(Comment.submission)
            .contains_eager(Submission.round)
            .joinedload(ConsultationRound.version)
        )
    )
    found = {c.id: CommentRow(c, d, bool(h)) for c, d, h in session.execute(query)} if ids else {}
    page.items = [found[i] for i in ids if i in found]
    return page


def count_clause_comments(session: Session, clause: Clause) -> int:
    """Count the submitted comments on a clause, across rounds."""
    return (
        session.scalar(
            select(func.count())
            .select_from(CommentState)
            .where(CommentState.clause_id == clause.id)
        )
        or 0
    )


def synopsis_publication(session: Session, round_: ConsultationRound) -> SynopsisPublication | None:
    return session.scalar(
        select(SynopsisPublication).where(SynopsisPublication.round_id == round_.id)
    )


def published_round_ids(session: Session) -> set[int]:
    """Return the ids of the rounds whose synopsis is published."""
    return set(session.scalars(select(SynopsisPublication.round_id)))


def comment_label(comment: Comment) -> str:
    """Name a comment the way the committee cites it: receipt and point number."""
    receipt = comment.submission.receipt or f"#{comment.submission_id}"
    return f"{receipt}/{comment.ordinal}"


__all__ = ["AGREED", "DRAFTED", "NONE", "CommentRow"]
