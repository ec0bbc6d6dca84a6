"""The committee's answers to comments: draft, revise, agree, answer duplicates at once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, joinedload

from app.audit.service import record
from app.auth.models import User
from app.auth.permissions import require
from app.committee.comments import (
    comment_label,
    current_dispositions,
    get_comment,
    submitted_comments,
    synopsis_publication,
)
from app.committee.listing import Progress, count_unanswered, round_progress
from app.committee.models import Decision, Disposition
from app.committee.permissions import (
    can_agree_disposition,
    can_draft_disposition,
    can_record_meeting_agreement,
)
from app.consultation import state as comment_state
from app.consultation.models import Comment, ConsultationRound, Submission
from app.database import utcnow
from app.drafting.models import Clause, ClauseRevision
from app.errors import Conflict, Gone, ValidationError
from app.search.queue import UpdateKind, queue_update

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


@dataclass(frozen=True)
class Meeting:
    """A committee meeting whose minutes record the agreement of dispositions."""

    held_on: dt.date
    minutes_ref: str


MAX_MINUTES_REF = 120


def check_meeting(held_on: dt.date | None, minutes_ref: str | None, *, now: dt.datetime) -> Meeting:
    """Return a meeting on record, refusing one in the future or without minutes."""
    if held_on is None:
        raise ValidationError(_("Give the date of the committee meeting."), field="meeting_on")
    if held_on > now.date():
        raise ValidationError(
            _("The meeting cannot be in the future: record it once it has taken place."),
            field="meeting_on",
        )
    minutes_ref = (minutes_ref or "").strip()
    if not minutes_ref:
        raise ValidationError(
            _("Give the reference of the meeting's minutes (for example SC-2027-03, item 4)."),
            field="minutes_ref",
        )
    if len(minutes_ref) > MAX_MINUTES_REF:
        raise ValidationError(
            _("The minutes reference is at most %(n)d characters.", n=MAX_MINUTES_REF),
            field="minutes_ref",
        )
    return Meeting(held_on, minutes_ref)


def _append(
    session: Session,
    actor: User,
    comment: Comment,
    previous: Disposition | None,
    *,
    agreed: bool,
    now: dt.datetime | None,
    meeting: Meeting | None = None,
    **values,
) -> Disposition:
    row = Disposition(
        comment_id=comment.id,
        seq=(previous.seq + 1) if previous else 1,
        agreed=agreed,
        author_id=actor.id,
        drafted_by_id=(previous.drafted_by_id or previous.author_id)
        if agreed and previous
        else actor.id,
        meeting_on=meeting.held_on if meeting else None,
        minutes_ref=meeting.minutes_ref if meeting else None,
        created_at=now or utcnow(),
        **values,
    )
    session.add(row)
    session.flush()
    comment_state.record_answer(
        session,
        comment.id,
        disposition_id=row.id,
        seq=row.seq,
        decision=row.decision,
        agreed=row.agreed,
    )
    queue_update(session, UpdateKind.COMMENT, comment.id)  # search: its decision changed
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
    require(can_draft_disposition(actor))
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


MAX_SELECTED = 500


def selected_comments(session: Session, ids: list[int]) -> list[Comment]:
    """Return the submitted comments a form selected (a page's worth, never a round)."""
    if len(ids) > MAX_SELECTED:
        raise ValidationError(
            _("Select at most %(n)d comments at a time.", n=MAX_SELECTED), field="comment_ids"
        )
    if not ids:
        return []
    return list(
        session.scalars(
            submitted_comments()
            .options(contains_eager(Comment.submission))
            .where(Comment.id.in_(sorted(set(ids))))
            .order_by(Comment.id)
        ).unique()
    )


def _proposal(session: Session, comment: Comment) -> Disposition:
    _refuse_if_published(session, comment.submission.round)
    previous = current(session, comment)
    if previous is None:
        raise Conflict(
            _(
                "Comment %(label)s has no proposed disposition yet: propose one before it "
                "is agreed.",
                label=comment_label(comment),
            )
        )
    if previous.agreed:
        raise Conflict(
            _(
                "The disposition of comment %(label)s is already agreed.",
                label=comment_label(comment),
            )
        )
    return previous


def _agreement(
    session: Session,
    actor: User,
    comment: Comment,
    previous: Disposition,
    now: dt.datetime | None,
    meeting: Meeting | None = None,
) -> Disposition:
    return _append(
        session,
        actor,
        comment,
        previous,
        agreed=True,
        now=now,
        meeting=meeting,
        decision=previous.decision,
        response=previous.response,
        duplicate_of_id=previous.duplicate_of_id,
        addressed_by_revision_id=previous.addressed_by_revision_id,
    )


def agree(
    session: Session, actor: User, comment: Comment, *, now: dt.datetime | None = None
) -> Disposition:
    """Agree a proposed disposition as a second member of the committee.

    Agreement is the committee's, not one member's: whoever proposed the answer cannot
    agree it alone (a committee meeting can, through agree_at_meeting).
    """
    require(can_agree_disposition(actor))
    comment = get_comment(session, comment.id)
    previous = _proposal(session, comment)
    if not can_agree_disposition(actor, previous):
        raise Conflict(
            _(
                "You proposed this disposition: another committee member must agree it, or "
                "record it as agreed at a committee meeting."
            )
        )
    row = _agreement(session, actor, comment, previous, now)
    record(
        session,
        actor,
        "disposition.agree",
        row,
        summary=f"Agreed {row.decision} for comment {comment_label(comment)}",
        comment_id=comment.id,
        seq=row.seq,
        decision=str(row.decision),
        proposed_by=row.drafted_by_id,
    )
    return row


def agree_at_meeting(
    session: Session,
    actor: User,
    comments: list[Comment],
    meeting: Meeting,
    *,
    now: dt.datetime | None = None,
) -> list[Disposition]:
    """Record the proposed dispositions of many comments as agreed at a committee meeting.

    All or nothing: a comment without a proposal, or already agreed, refuses the batch.
    """
    require(can_record_meeting_agreement(actor))
    if not comments:
        raise ValidationError(
            _("Select the comments whose dispositions the meeting agreed."), field="comment_ids"
        )
    check_meeting(meeting.held_on, meeting.minutes_ref, now=now or utcnow())
    proposals = []
    for comment in comments:
        comment = get_comment(session, comment.id)
        proposals.append((comment, _proposal(session, comment)))
    rows = [
        _agreement(session, actor, comment, previous, now, meeting)
        for comment, previous in proposals
    ]
    record(
        session,
        actor,
        "disposition.agree-meeting",
        rows[0],
        summary=(
            f"Recorded {len(rows)} dispositions as agreed at the committee meeting of "
            f"{meeting.held_on.isoformat()} ({meeting.minutes_ref})"
        ),
        comments=[row.comment_id for row in rows],
        meeting_on=meeting.held_on.isoformat(),
        minutes_ref=meeting.minutes_ref,
    )
    return rows


def answer_duplicates(
    session: Session,
    actor: User,
    original: Comment,
    comments: list[Comment],
    *,
    response: str,
    meeting: Meeting | None = None,
    now: dt.datetime | None = None,
) -> list[Disposition]:
    """Answer many comments at once as duplicates of one, with one shared response.

    With a meeting, the answers are recorded as agreed at that committee meeting.
    """
    require(can_draft_disposition(actor))
    if meeting is not None:
        check_meeting(meeting.held_on, meeting.minutes_ref, now=now or utcnow())
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
        if meeting is not None and not row.agreed:
            row = _agreement(session, actor, comment, row, now, meeting)
        rows.append(row)
    record(
        session,
        actor,
        "disposition.bulk-duplicate",
        original,
        summary=f"Answered {len(rows)} comments as duplicates of {comment_label(original)}",
        comments=[c.id for c in targets],
        agreed=meeting is not None,
        meeting_on=meeting.held_on.isoformat() if meeting else None,
        minutes_ref=meeting.minutes_ref if meeting else None,
    )
    return rows


__all__ = ["Progress", "count_unanswered", "round_progress"]
