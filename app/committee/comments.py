"""Read a round's comments with their current dispositions, for the committee and the public."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, joinedload

from app.auth.models import Role, User
from app.auth.permissions import require_any_role
from app.committee import listing
from app.committee.listing import AGREED, DRAFTED, NONE, CommentRow
from app.committee.models import Disposition, SynopsisPublication
from app.consultation.models import (
    Comment,
    ConsultationRound,
    Submission,
    SubmissionStatus,
    comment_parts,
    round_parts,
)
from app.drafting.models import Clause
from app.errors import NotFound
from app.history import is_latest

STAFF = (Role.COMMITTEE, Role.SECRETARIAT, Role.ADMIN)


def require_staff(actor: User | None) -> User:
    """Refuse anyone but committee, secretariat and admin accounts."""
    return require_any_role(actor, *STAFF)


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


def current_dispositions(session: Session, comment_ids: Iterable[int]) -> dict[int, Disposition]:
    """Return the latest disposition of each of a few comments (a page at most)."""
    ids = list(comment_ids)
    if not ids:
        return {}
    rows = session.scalars(
        select(Disposition).where(
            Disposition.comment_id.in_(ids), is_latest(Disposition, ("comment_id",), "seq")
        )
    ).all()
    return {d.comment_id: d for d in rows}


def submitted_comments():
    return (
        select(Comment)
        .join(Submission, Comment.submission_id == Submission.id)
        .where(Submission.status == SubmissionStatus.SUBMITTED)
    )


def clause_comments(session: Session, viewer: User, clause: Clause) -> list[CommentRow]:
    """Return every comment ever made on a clause, across rounds, oldest round first."""
    require_staff(viewer)
    query = (
        listing.with_details(
            select(Comment)
            .join(Submission, Comment.submission_id == Submission.id)
            .outerjoin(listing.Current, listing.current_disposition_on())
            .where(Submission.status == SubmissionStatus.SUBMITTED, Comment.clause_id == clause.id)
        )
        .join(ConsultationRound, Submission.round_id == ConsultationRound.id)
        .options(
            contains_eager(Comment.submission)
            .contains_eager(Submission.round)
            .joinedload(ConsultationRound.version)
        )
        .order_by(ConsultationRound.number, Submission.submitted_at, Comment.ordinal)
    )
    return [CommentRow(c, d, bool(h)) for c, d, h in session.execute(query).unique()]


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
