"""The committee's answers to comments: draft, revise, agree, answer duplicates at once."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.audit.service import record
from app.auth.models import Role, User
from app.auth.permissions import require_any_role
from app.committee.comments import (
    comment_label,
    current_dispositions,
    get_comment,
    synopsis_publication,
)
from app.committee.listing import Progress, count_unanswered, round_progress
from app.committee.models import Decision, Disposition
from app.consultation.models import Comment, ConsultationRound, Submission
from app.database import utcnow
from app.drafting.models import Clause, ClauseRevision
from app.errors import Conflict, Gone, ValidationError

DRAFTERS = (Role.COMMITTEE, Role.SECRETARIAT)
AGREERS = (Role.COMMITTEE,)
MAX_RESPONSE = 10_000


def history(session: Session, comment: Comment) -> list[Disposition]:
    """Return every disposition row of a comment, newest first."""
    return list(
        session.scalars(
            select(Disposition)
            .where(Disposition.comment_id == comment.id)
            .options(
                joinedload(Disposition.addressed_by).joinedload(ClauseRevision.clause),
                joinedload(Disposition.author),
            )
            .order_by(Disposition.seq.desc())
        )
    )


def current(session: Session, comment: Comment) -> Disposition | None:
    return current_dispositions(session, [comment.id]).get(comment.id)


def _refuse_if_published(session: Session, round_: ConsultationRound) -> None:
    if synopsis_publication(session, round_) is not None:
        raise Gone(
            _("The synopsis of this round is published: its dispositions can no longer change.")
        )


def _standard_of(session: Session, comment_id: int) -> int | None:
    return session.scalar(
        select(ConsultationRound.standard_id)
        .join(Submission, Submission.round_id == ConsultationRound.id)
        .join(Comment, Comment.submission_id == Submission.id)
        .where(Comment.id == comment_id)
    )


def _clean(
    session: Session,
    comment: Comment,
    decision: str,
    response: str,
    duplicate_of_id: int | None,
    addressed_by_revision_id: int | None,
) -> dict:
    try:
        decision = Decision(decision)
    except ValueError:
        raise ValidationError(_("Choose a decision from the list."), field="decision") from None
    response = (response or "").strip()
    if not response:
        raise ValidationError(_("Write the response the commenter will read."), field="response")
    if len(response) > MAX_RESPONSE:
        raise ValidationError(
            _("The response is too long (%(n)d characters at most).", n=MAX_RESPONSE),
            field="response",
        )
    if decision == Decision.DUPLICATE:
        if not duplicate_of_id:
            raise ValidationError(_("Say which comment this one duplicates."), field="duplicate_of")
        if duplicate_of_id == comment.id:
            raise ValidationError(_("A comment cannot duplicate itself."), field="duplicate_of")
        original = session.get(Comment, duplicate_of_id)
        if original is None or _standard_of(session, original.id) != _standard_of(
            session, comment.id
        ):
            raise ValidationError(
                _("Comment %(id)s is not a comment on this standard.", id=duplicate_of_id),
                field="duplicate_of",
            )
        theirs = current(session, original)
        if (
            theirs is not None
            and theirs.decision == Decision.DUPLICATE
            and (theirs.duplicate_of_id == comment.id)
        ):
            raise ValidationError(
                _("That comment is already marked as a duplicate of this one."),
                field="duplicate_of",
            )
    else:
        duplicate_of_id = None
    if addressed_by_revision_id:
        standard_id = session.scalar(
            select(Clause.standard_id)
            .join(ClauseRevision, ClauseRevision.clause_id == Clause.id)
            .where(ClauseRevision.id == addressed_by_revision_id)
        )
        if standard_id is None or standard_id != _standard_of(session, comment.id):
            raise ValidationError(
                _("That revision is not part of this standard."), field="addressed_by"
            )
    return {
        "decision": decision,
        "response": response,
        "duplicate_of_id": duplicate_of_id,
        "addressed_by_revision_id": addressed_by_revision_id or None,
    }


def check_answer(
    session: Session,
    comment: Comment,
    decision: str,
    response: str,
    duplicate_of_id: int | None = None,
) -> None:
    """Validate a disposition's fields without writing anything."""
    _clean(session, comment, decision, response, duplicate_of_id, None)


def _append(
    session: Session,
    actor: User,
    comment: Comment,
    previous: Disposition | None,
    *,
    agreed: bool,
    now: dt.datetime | None,
    **values,
) -> Disposition:
    row = Disposition(
        comment_id=comment.id,
        seq=(previous.seq + 1) if previous else 1,
        agreed=agreed,
        author_id=actor.id,
        created_at=now or utcnow(),
        **values,
    )
    session.add(row)
    session.flush()
    return row


def draft(
    session: Session,
    actor: User,
    comment: Comment,
    *,
    decision: str,
    response: str,
    duplicate_of_id: int | None = None,
    addressed_by_revision_id: int | None = None,
    now: dt.datetime | None = None,
) -> Disposition:
    """Draft or revise the answer to a comment; a revision replaces any agreement."""
    require_any_role(actor, *DRAFTERS)
    comment = get_comment(session, comment.id)
    _refuse_if_published(session, comment.submission.round)
    values = _clean(session, comment, decision, response, duplicate_of_id, addressed_by_revision_id)
    previous = current(session, comment)
    if previous is not None and all(getattr(previous, k) == v for k, v in values.items()):
        return previous
    row = _append(session, actor, comment, previous, agreed=False, now=now, **values)
    record(
        session,
        actor,
        "disposition.draft" if previous is None else "disposition.revise",
        row,
        summary=f"{row.decision} for comment {comment_label(comment)} (seq {row.seq})",
        comment_id=comment.id,
        seq=row.seq,
        decision=str(row.decision),
        was_agreed=bool(previous and previous.agreed),
    )
    return row


def agree(
    session: Session, actor: User, comment: Comment, *, now: dt.datetime | None = None
) -> Disposition:
    """Mark the current draft disposition of a comment as agreed by the committee."""
    require_any_role(actor, *AGREERS)
    comment = get_comment(session, comment.id)
    _refuse_if_published(session, comment.submission.round)
    previous = current(session, comment)
    if previous is None:
        raise Conflict(_("Draft a disposition before marking it agreed."))
    if previous.agreed:
        raise Conflict(_("This disposition is already agreed."))
    row = _append(
        session,
        actor,
        comment,
        previous,
        agreed=True,
        now=now,
        decision=previous.decision,
        response=previous.response,
        duplicate_of_id=previous.duplicate_of_id,
        addressed_by_revision_id=previous.addressed_by_revision_id,
    )
    record(
        session,
        actor,
        "disposition.agree",
        row,
        summary=f"Agreed {row.decision} for comment {comment_label(comment)}",
        comment_id=comment.id,
        seq=row.seq,
        decision=str(row.decision),
    )
    return row


def answer_duplicates(
    session: Session,
    actor: User,
    original: Comment,
    comments: list[Comment],
    *,
    response: str,
    agreed: bool = False,
    now: dt.datetime | None = None,
) -> list[Disposition]:
    """Answer many comments at once as duplicates of one, with one shared response."""
    require_any_role(actor, *DRAFTERS)
    if agreed:
        require_any_role(actor, *AGREERS)
    targets = [c for c in comments if c.id != original.id]
    if not targets:
        raise ValidationError(
            _("Select the comments that duplicate comment %(id)s.", id=original.id),
            field="comment_ids",
        )
    rows = []
    for comment in targets:
        row = draft(
            session,
            actor,
            comment,
            decision=Decision.DUPLICATE,
            response=response,
            duplicate_of_id=original.id,
            now=now,
        )
        if agreed and not row.agreed:
            row = agree(session, actor, comment, now=now)
        rows.append(row)
    record(
        session,
        actor,
        "disposition.bulk-duplicate",
        original,
        summary=f"Answered {len(rows)} comments as duplicates of {comment_label(original)}",
        comments=[c.id for c in targets],
        agreed=agreed,
    )
    return rows


__all__ = ["Progress", "count_unanswered", "round_progress"]
