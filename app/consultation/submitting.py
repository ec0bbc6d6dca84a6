"""Submitting a draft (receipt, acknowledgement), withdrawing it, and finding submissions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app.audit.service import record
from app.auth.models import User
from app.auth.permissions import require, require_signed_in, require_verified_email
from app.consultation import state as comment_state
from app.consultation.drafts import add_comment, formal_only_message, own_draft, require_open
from app.consultation.models import (
    Comment,
    ConsultationRound,
    RoundState,
    Submission,
    SubmissionKind,
    SubmissionStatus,
    submission_with_comments,
)
from app.consultation.permissions import can_file_formal_submission, can_read_every_comment
from app.database import utcnow
from app.drafting.models import Standard
from app.errors import Conflict, Gone, NotFound, PermissionDenied, ValidationError
from app.formatting import format_when
from app.loading import ensure_loaded
from app.mail import mail_job, queue_mail
from app.search.queue import UpdateKind, queue_update

MAX_REASON = 500


def _check_complete(submission: Submission, comments: list[Comment]) -> None:
    if submission.kind == SubmissionKind.FORMAL:
        if not submission.cover_statement:
            raise ValidationError(
                _("A formal submission of the Forum needs a cover statement."),
                field="cover_statement",
            )
        if not comments:
            raise ValidationError(_("Add at least one point on a clause before submitting."))
        if any(c.clause_id is None for c in comments):
            raise ValidationError(
                _(
                    "Each point of a formal submission must be on a clause. "
                    "Put remarks on the whole draft in the cover statement."
                )
            )
    elif not comments:
        raise ValidationError(_("Add at least one comment before submitting."))
    if submission.kind == SubmissionKind.ORGANISATION and not submission.organisation:
        raise ValidationError(
            _("Give the name of the organisation you submit for."), field="organisation"
        )


def _next_receipt(session: Session, round_: ConsultationRound) -> str:
    """Bump the round's receipt counter with one UPDATE (atomic) and format the receipt."""
    # Standard.uid_prefix is unique and (standard, number) is unique per round,
    # so the counter alone makes receipts unique; Submission.receipt's unique
    # constraint is the last wall.
    number = session.execute(
        update(ConsultationRound)
        .where(ConsultationRound.id == round_.id)
        .values(receipt_counter=ConsultationRound.receipt_counter + 1)
        .returning(ConsultationRound.receipt_counter)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    session.expire(round_, ["receipt_counter"])
    prefix = session.scalar(select(Standard.uid_prefix).where(Standard.id == round_.standard_id))
    return f"{prefix}-R{round_.number}-{number:04d}"


def submit(
    session: Session,
    actor: User,
    submission: Submission,
    *,
    now: dt.datetime | None = None,
    link_for: Callable[[str], str] | None = None,
) -> Submission:
    """Submit a draft: give it a receipt, freeze it, and queue the acknowledgement."""
    own_draft(actor, submission)
    require_verified_email(actor)
    now = now or utcnow()
    round_ = ensure_loaded(session, submission, "round").round
    require_open(round_, now)
    # Take the row so two concurrent submits of the same draft cannot both pass.
    status = session.scalar(
        select(Submission.status)
        .where(Submission.id == submission.id)
        .with_for_update(of=Submission)
    )
    if status != SubmissionStatus.DRAFT:
        raise Conflict(_("This submission has already been submitted."))
    comments = session.scalars(
        select(Comment)
        .where(Comment.submission_id == submission.id)
        .options(joinedload(Comment.clause), joinedload(Comment.revision))
        .order_by(Comment.ordinal)
    ).all()
    set_committed_value(submission, "comments", list(comments))
    if submission.kind == SubmissionKind.FORMAL:
        require(can_file_formal_submission(actor), formal_only_message())
    _check_complete(submission, list(comments))
    submission.receipt = _next_receipt(session, round_)
    submission.status = SubmissionStatus.SUBMITTED
    submission.submitted_at = now
    submission.updated_at = now
    # The group stated on the submission (prefilled from the profile when it was started).
    if not submission.stakeholder_group:
        submission.stakeholder_group = str(actor.stakeholder_group)
    session.flush()
    comment_state.record_submitted(session, submission, comments)
    queue_update(session, UpdateKind.SUBMISSION, submission.id)  # search: comments now public
    record(
        session,
        actor,
        "submission.submit",
        submission,
        summary=f"Submitted {submission.receipt} with {len(comments)} comments",
        receipt=submission.receipt,
        kind=str(submission.kind),
        consent_publish_name=submission.consent_publish_name,
    )
    acknowledgement_mail(session, actor, submission, round_, len(comments), link_for)
    return submission


def acknowledgement_mail(
    session: Session,
    actor: User,
    submission,
    round_: ConsultationRound,
    count: int,
    link_for: Callable[[str], str] | None,
) -> None:
    """Queue the receipt mail of a submission just submitted (the outbox: sent by the worker)."""
    _kind, payload = acknowledgement_job(actor, submission, round_, count, link_for)
    queue_mail(session, **payload)


def acknowledgement_job(
    actor: User,
    submission,
    round_: ConsultationRound,
    count: int,
    link_for: Callable[[str], str] | None,
) -> tuple[str, dict]:
    """The receipt mail's job (kind, payload), in the person's language and zone."""
    return mail_job(
        to=actor.email,
        subject=_("Received: your submission %(receipt)s", receipt=submission.receipt),
        body=_acknowledgement(
            submission, round_, count, link_for(submission.receipt) if link_for else None
        ),
    )


def _acknowledgement(
    submission, round_: ConsultationRound, count: int, receipt_url: str | None
) -> str:
    lines = [
        _("Thank you. We received your submission to \u201c%(title)s\u201d.", title=round_.title),
        "",
        _("Receipt: %(receipt)s", receipt=submission.receipt),
        _("Comments: %(n)d", n=count),
        # The person's own request sends it: their language, their zone (named).
        _("Submitted: %(when)s", when=format_when(submission.submitted_at)),
        "",
        _(
            "Your submission is now on record and cannot be changed. You can withdraw it until "
            "the round closes on %(when)s.",
            when=format_when(round_.closes_at),
        ),
        _("Every comment will receive a written response in the round's public synopsis."),
    ]
    if receipt_url:
        lines += ["", receipt_url]
    return "\n".join(lines)


def withdraw(
    session: Session,
    actor: User,
    submission: Submission,
    *,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Submission:
    """Withdraw a submitted submission before the round closes; it stays on record."""
    require_signed_in(actor)
    if submission.author_id != actor.id:
        raise PermissionDenied(_("Only the person who submitted it can withdraw a submission."))
    if submission.status != SubmissionStatus.SUBMITTED:
        raise Conflict(_("Only a submitted submission can be withdrawn."))
    now = now or utcnow()
    if ensure_loaded(session, submission, "round").round.state_at(now) == RoundState.CLOSED:
        raise Gone(_("The round has closed; submissions can no longer be withdrawn."))
    reason = " ".join((reason or "").split())
    if len(reason) > MAX_REASON:
        raise ValidationError(
            _("The reason is too long (%(n)d characters at most).", n=MAX_REASON), field="reason"
        )
    submission.status = SubmissionStatus.WITHDRAWN
    submission.withdrawn_at = now
    submission.withdraw_reason = reason
    submission.updated_at = now
    session.flush()
    comment_state.record_withdrawn(session, submission)
    queue_update(session, UpdateKind.SUBMISSION, submission.id)  # search: drop its comments
    record(
        session,
        actor,
        "submission.withdraw",
        submission,
        summary=f"Withdrew {submission.receipt}",
        receipt=submission.receipt,
        reason=reason,
    )
    return submission


def get_by_receipt(session: Session, viewer: User | None, receipt: str) -> Submission:
    """Return a submission by its receipt, to its author and to staff only."""
    submission = session.scalar(
        select(Submission).where(Submission.receipt == receipt).options(*submission_with_comments())
    )
    if submission is None or not (
        can_read_every_comment(viewer)
        or (viewer is not None and viewer.id is not None and submission.author_id == viewer.id)
    ):
        raise NotFound(_("There is no submission with this receipt that you can see."))
    return submission


def my_submissions(session: Session, actor: User) -> list[Submission]:
    """Return the person's submissions, newest first, drafts included."""
    actor = require_signed_in(actor)
    return list(
        session.scalars(
            select(Submission)
            .where(Submission.author_id == actor.id)
            .options(*submission_with_comments())
            .order_by(Submission.created_at.desc(), Submission.id.desc())
        )
    )


def comment_and_submit(
    session: Session,
    actor: User,
    round_: ConsultationRound,
    *,
    now: dt.datetime | None = None,
    link_for: Callable[[str], str] | None = None,
    **comment,
) -> Submission | None:
    """Send one comment in one step: add it and submit it, in one transaction.

    If the person already has a draft holding other comments, the comment joins
    that draft and nothing is submitted (None): they submit the draft themselves.
    """
    added = add_comment(session, actor, round_, now=now, **comment)
    submission = ensure_loaded(session, added, "submission").submission
    # add_comment numbers a draft's comments under its lock (last + 1): the first
    # comment of a draft has no others, and any later one joins a draft that has.
    if added.ordinal != 1:
        return None
    return submit(session, actor, submission, now=now, link_for=link_for)
