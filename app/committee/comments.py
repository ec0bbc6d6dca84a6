"""Read a round's comments with their current dispositions, for the committee and the public."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.auth.permissions import require_any_role
from app.committee.models import Disposition, SynopsisPublication
from app.consultation.models import (
    Comment,
    ConsultationRound,
    Moderation,
    Submission,
    SubmissionKind,
    SubmissionStatus,
)
from app.drafting.models import Clause
from app.errors import NotFound

STAFF = (Role.COMMITTEE, Role.SECRETARIAT, Role.ADMIN)
NONE, DRAFTED, AGREED = "none", "drafted", "agreed"


def require_staff(actor: User | None) -> User:
    """Refuse anyone but committee, secretariat and admin accounts."""
    return require_any_role(actor, *STAFF)


@dataclass
class CommentRow:
    """A comment with what the committee needs to see next to it."""

    comment: Comment
    disposition: Disposition | None
    hidden: bool = False

    @property
    def state(self) -> str:
        if self.disposition is None:
            return NONE
        return AGREED if self.disposition.agreed else DRAFTED

    @property
    def submission(self) -> Submission:
        return self.comment.submission

    @property
    def is_formal(self) -> bool:
        return self.comment.submission.kind == SubmissionKind.FORMAL

    @property
    def stakeholder_group(self) -> str:
        return self.comment.submission.stakeholder_group or "other"


def get_round(session: Session, round_id: int) -> ConsultationRound:
    found = session.get(ConsultationRound, round_id)
    if found is None:
        raise NotFound(_("There is no consultation round %(id)s.", id=round_id))
    return found


def all_rounds(session: Session) -> list[ConsultationRound]:
    return list(
        session.scalars(select(ConsultationRound).order_by(ConsultationRound.opens_at.desc()))
    )


def get_comment(session: Session, comment_id: int) -> Comment:
    comment = session.get(Comment, comment_id)
    if comment is None or comment.submission.status != SubmissionStatus.SUBMITTED:
        raise NotFound(_("There is no comment %(id)s.", id=comment_id))
    return comment


def current_dispositions(session: Session, comment_ids: Iterable[int]) -> dict[int, Disposition]:
    """Return the latest disposition of each comment that has one."""
    ids = list(comment_ids)
    if not ids:
        return {}
    latest = (
        select(Disposition.comment_id, func.max(Disposition.seq).label("seq"))
        .where(Disposition.comment_id.in_(ids))
        .group_by(Disposition.comment_id)
        .subquery()
    )
    rows = session.scalars(
        select(Disposition).join(
            latest,
            (Disposition.comment_id == latest.c.comment_id) & (Disposition.seq == latest.c.seq),
        )
    ).all()
    return {d.comment_id: d for d in rows}


def hidden_comment_ids(session: Session, comment_ids: Iterable[int]) -> set[int]:
    """Return the comments whose latest moderation hides them."""
    ids = list(comment_ids)
    if not ids:
        return set()
    latest = (
        select(Moderation.comment_id, func.max(Moderation.id).label("id"))
        .where(Moderation.comment_id.in_(ids))
        .group_by(Moderation.comment_id)
        .subquery()
    )
    rows = session.execute(
        select(Moderation.comment_id, Moderation.hidden).join(latest, Moderation.id == latest.c.id)
    ).all()
    return {comment_id for comment_id, hidden in rows if hidden}


def submitted_comments():
    return (
        select(Comment)
        .join(Submission, Comment.submission_id == Submission.id)
        .where(Submission.status == SubmissionStatus.SUBMITTED)
    )


def round_comments(session: Session, round_: ConsultationRound) -> list[Comment]:
    """Return every submitted comment of a round, in receipt order."""
    return list(
        session.scalars(
            submitted_comments()
            .where(Submission.round_id == round_.id)
            .order_by(Submission.submitted_at, Submission.id, Comment.ordinal)
        ).unique()
    )


def rows_for(session: Session, comments: list[Comment]) -> list[CommentRow]:
    ids = [c.id for c in comments]
    current = current_dispositions(session, ids)
    hidden = hidden_comment_ids(session, ids)
    return [CommentRow(c, current.get(c.id), c.id in hidden) for c in comments]


def round_rows(session: Session, round_: ConsultationRound) -> list[CommentRow]:
    return rows_for(session, round_comments(session, round_))


def clause_comments(session: Session, viewer: User, clause: Clause) -> list[CommentRow]:
    """Return every comment ever made on a clause, across rounds, oldest round first."""
    require_staff(viewer)
    comments = list(
        session.scalars(
            submitted_comments()
            .where(Comment.clause_id == clause.id)
            .join(ConsultationRound, Submission.round_id == ConsultationRound.id)
            .order_by(ConsultationRound.number, Submission.submitted_at, Comment.ordinal)
        ).unique()
    )
    return rows_for(session, comments)


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
