"""Moderation: hiding a submitted comment from the public (or showing it again), and
reading the current decision of each comment."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask_babel import gettext as _
from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session, aliased

from app.audit.service import record
from app.auth.models import User
from app.auth.permissions import require
from app.consultation import state as comment_state
from app.consultation.models import Comment, Moderation, Submission, SubmissionStatus
from app.consultation.moderation_notice import tell_author
from app.consultation.permissions import can_moderate
from app.errors import PermissionDenied, ValidationError
from app.history import is_latest, latest
from app.search.queue import UpdateKind, queue_update

MAX_REASON = 500


def current_moderation() -> Select:
    """Select the current (latest) moderation decision of each comment that has one."""
    return latest(Moderation, key=[Moderation.comment_id], by=Moderation.id)


def moderation_of(session: Session, comment_ids: list[int]) -> dict[int, Moderation]:
    """Return the current moderation decision of each given comment that has one."""
    if not comment_ids:
        return {}
    rows = session.scalars(current_moderation().where(Moderation.comment_id.in_(comment_ids)))
    return {m.comment_id: m for m in rows}


def hidden_comments() -> Select:
    """Select the ids of the comments whose current moderation hides them."""
    return (
        current_moderation()
        .with_only_columns(Moderation.comment_id)
        .where(Moderation.hidden.is_(True))
    )


@functools.cache
def hidden_now():
    """True when the comment's latest moderation hides it (correlated on Comment).

    Built once per process (an expression is immutable): list pages use it in every
    statement, and building the aliases and the anti-join cost more than running it."""
    m = aliased(Moderation, name="moderation_now")
    return (
        exists()
        .where(
            m.comment_id == Comment.id,
            m.hidden.is_(True),
            is_latest(m, key=[m.comment_id], by=m.id),
        )
        .correlate(Comment)
    )


def moderate(
    session: Session,
    actor: User,
    comment: Comment,
    *,
    hidden: bool,
    reason: str,
    link_for: Callable[[str], str] | None = None,
) -> Moderation:
    """Hide a comment from the public (or show it again), with a reason; tell its author."""
    require(can_moderate(actor, comment.submission.round))
    if actor.id is None:
        raise PermissionDenied(_("Moderation is recorded under a person's name; sign in."))
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError(_("Give the reason; it is kept in the record."), field="reason")
    if len(reason) > MAX_REASON:
        raise ValidationError(
            _("The reason is too long (%(n)d characters at most).", n=MAX_REASON), field="reason"
        )
    status = session.scalar(select(Submission.status).where(Submission.id == comment.submission_id))
    if status == SubmissionStatus.DRAFT:
        raise ValidationError(_("Only submitted comments can be moderated."))
    current = moderation_of(session, [comment.id]).get(comment.id)
    if bool(current and current.hidden) == hidden:
        raise ValidationError(
            _("The comment is already hidden.") if hidden else _("The comment is not hidden.")
        )
    decision = Moderation(
        comment_id=comment.id, hidden=hidden, reason=reason, moderator_id=actor.id
    )
    session.add(decision)
    session.flush()
    comment_state.record_moderation(session, decision)
    queue_update(session, UpdateKind.COMMENT, comment.id)  # search: hidden or shown again
    record(
        session,
        actor,
        "comment.hide" if hidden else "comment.show",
        comment,
        summary=f"{'Hid' if hidden else 'Showed'} comment {comment.id}: {reason}",
        reason=reason,
    )
    tell_author(session, comment, decision, link_for)
    return decision
