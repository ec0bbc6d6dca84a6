"""Intake: drafting, revising, submitting and withdrawing submissions and their comments.

Every operation takes an optional `now` so that tests (and the demo) can pin
time; the round's closing time is enforced here, whatever the client sends.
Comments are append-only records; while their submission is still a draft
they are changed or removed with guarded statements that can only touch
comments of drafts (see _draft_comment).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, has_app_context
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth.models import STAKEHOLDER_LABELS, Role, StakeholderGroup, User
from app.auth.permissions import is_staff, require_signed_in
from app.consultation.models import (
    Comment,
    CommentType,
    ConsultationRound,
    Submission,
    SubmissionKind,
    SubmissionStatus,
)
from app.database import utcnow
from app.drafting.models import Clause, ClauseRevision, VersionEntry
from app.errors import Conflict, Gone, NotFound, PermissionDenied, ValidationError
from app.mail import queue_mail
from app.search import UpdateKind, queue_update
from app.text.anchoring import (
    MAX_QUOTE,
    Anchor,
    PassageAmbiguous,
    PassageNotFound,
    check_anchor,
    find_passage,
)
from app.text.markdown import plain_text

MAX_ORGANISATION = 200
MAX_REASON = 500
MAX_COMMENTS_PER_SUBMISSION = 300


def setting(name: str, default):
    """Read a setting from the running app, or fall back to the default (scripts)."""
    if has_app_context():
        return current_app.config.get(name, default)
    return default


def stakeholder_label(value: str) -> str:
    try:
        return str(STAKEHOLDER_LABELS[StakeholderGroup(value)])
    except ValueError:
        return value or _("Not stated")


# --- the closing time -------------------------------------------------------------------


def require_open(round_: ConsultationRound, now: dt.datetime | None = None) -> None:
    """Refuse unless the round takes comments at this moment."""
    now = now or utcnow()
    if now < round_.opens_at:
        raise Gone(
            _(
                "This consultation round opens on %(when)s; comments cannot be sent yet.",
                when=format_datetime(round_.opens_at),
            )
        )
    if now >= round_.closes_at:
        raise Gone(
            _(
                "This consultation round closed on %(when)s. Comments and submissions "
                "can no longer be sent or changed.",
                when=format_datetime(round_.closes_at),
            )
        )


# --- fields -----------------------------------------------------------------------------


def _text(
    value: str | None, *, field: str, label: str, required: bool = False, limit: int | None = None
) -> str:
    value = (value or "").replace("\x00", "").replace("\r\n", "\n").strip()
    limit = limit or setting("MAX_COMMENT_CHARS", 10_000)
    if required and not value:
        raise ValidationError(_("Write the %(label)s.", label=label), field=field)
    if len(value) > limit:
        raise ValidationError(
            _(
                "The %(label)s is too long: %(n)d characters, %(max)d at most.",
                label=label,
                n=len(value),
                max=limit,
            ),
            field=field,
        )
    return value


def _comment_type(value: str | None) -> CommentType:
    try:
        return CommentType(value or CommentType.GENERAL)
    except ValueError:
        raise ValidationError(
            _("Choose the type of comment from the list."), field="comment_type"
        ) from None


@dataclass(frozen=True)
class AnchorInput:
    """A passage as the browser selected it (exact, context, offsets) or as pasted."""

    exact: str = ""
    prefix: str = ""
    suffix: str = ""
    start: int | None = None
    end: int | None = None
    passage: str = ""

    @property
    def given(self) -> bool:
        return bool(self.exact or self.passage.strip())


def _resolve_anchor(text: str, anchor: AnchorInput, uid: str) -> Anchor | None:
    """Turn a selection or a pasted passage into an anchor on the clause's plain text."""
    if anchor.exact:
        if len(anchor.exact) > MAX_QUOTE:
            raise ValidationError(
                _(
                    "The selected passage is too long (%(n)d characters at most). Select a "
                    "shorter passage or comment on the whole clause.",
                    n=MAX_QUOTE,
                ),
                field="passage",
            )
        try:
            return check_anchor(
                text, anchor.exact, anchor.prefix[:64], anchor.suffix[:64], anchor.start, anchor.end
            )
        except PassageNotFound:
            raise ValidationError(
                _(
                    "The selected passage is not in the text of clause %(uid)s. Select it again, "
                    "or paste it into the passage box.",
                    uid=uid,
                ),
                field="passage",
            ) from None
    if anchor.passage.strip():
        try:
            return find_passage(text, anchor.passage)
        except PassageAmbiguous as exc:
            raise ValidationError(
                _(
                    "This passage occurs %(n)d times in clause %(uid)s. Paste a longer passage "
                    "so that it occurs only once.",
                    n=exc.count,
                    uid=uid,
                ),
                field="passage",
            ) from None
        except PassageNotFound:
            raise ValidationError(
                _(
                    "We could not find this passage in clause %(uid)s. Copy it exactly from the "
                    "clause text, or leave the passage box empty to comment on the whole clause.",
                    uid=uid,
                ),
                field="passage",
            ) from None
    return None


def version_clause(session: Session, round_: ConsultationRound, uid: str) -> ClauseRevision:
    """Return the revision of a clause in the round's frozen version."""
    revision = session.scalar(
        select(ClauseRevision)
        .join(VersionEntry, VersionEntry.revision_id == ClauseRevision.id)
        .join(Clause, Clause.id == VersionEntry.clause_id)
        .where(VersionEntry.version_id == round_.version_id, Clause.uid == uid)
    )
    if revision is None:
        raise ValidationError(
            _("Clause %(uid)s is not in the draft under consultation.", uid=uid), field="clause_uid"
        )
    return revision


@dataclass(frozen=True)
class CommentFields:
    clause_id: int | None
    revision_id: int | None
    comment_type: CommentType
    body: str
    proposed_change: str
    anchor: Anchor | None

    def values(self) -> dict:
        a = self.anchor
        return {
            "clause_id": self.clause_id,
            "revision_id": self.revision_id,
            "comment_type": self.comment_type,
            "body": self.body,
            "proposed_change": self.proposed_change,
            "anchor_exact": a.exact if a else None,
            "anchor_prefix": a.prefix if a else None,
            "anchor_suffix": a.suffix if a else None,
            "anchor_start": a.start if a else None,
            "anchor_end": a.end if a else None,
        }


def _clean_comment(
    session: Session,
    round_: ConsultationRound,
    *,
    clause_uid: str | None,
    comment_type: str,
    body: str,
    proposed_change: str,
    anchor: AnchorInput | None,
) -> CommentFields:
    body = _text(body, field="body", label=_("comment"), required=True)
    proposed_change = _text(proposed_change, field="proposed_change", label=_("proposed change"))
    kind = _comment_type(comment_type)
    anchor = anchor or AnchorInput()
    if len(anchor.passage) > MAX_QUOTE:
        raise ValidationError(
            _("The passage is too long (%(n)d characters at most).", n=MAX_QUOTE), field="passage"
        )
    clause_uid = (clause_uid or "").strip()
    if not clause_uid:
        if anchor.given:
            raise ValidationError(_("Choose the clause the passage is in."), field="clause_uid")
        return CommentFields(None, None, kind, body, proposed_change, None)
    revision = version_clause(session, round_, clause_uid)
    found = _resolve_anchor(plain_text(revision.body), anchor, clause_uid)
    return CommentFields(revision.clause_id, revision.id, kind, body, proposed_change, found)


# --- submissions --------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmissionDetails:
    kind: str = SubmissionKind.INDIVIDUAL
    organisation: str = ""
    consent_publish_name: bool = False
    cover_statement: str = ""


def draft_for(session: Session, actor: User, round_: ConsultationRound) -> Submission | None:
    """Return the person's draft submission in a round, if any."""
    if not getattr(actor, "is_authenticated", False) or actor.id is None:
        return None
    return session.scalar(
        select(Submission)
        .where(
            Submission.round_id == round_.id,
            Submission.author_id == actor.id,
            Submission.status == SubmissionStatus.DRAFT,
        )
        .order_by(Submission.id.desc())
        .limit(1)
    )


def start_submission(
    session: Session, actor: User, round_: ConsultationRound, *, now: dt.datetime | None = None
) -> Submission:
    """Return the person's draft in this round, starting one if needed."""
    actor = require_signed_in(actor)
    now = now or utcnow()
    require_open(round_, now)
    draft = draft_for(session, actor, round_)
    if draft is not None:
        return draft
    draft = Submission(
        round_id=round_.id,
        author_id=actor.id,
        kind=SubmissionKind.INDIVIDUAL,
        organisation=actor.organisation or "",
        cover_statement="",
        consent_publish_name=False,
        stakeholder_group=str(actor.stakeholder_group),
        status=SubmissionStatus.DRAFT,
        created_at=now,
        updated_at=now,
    )
    session.add(draft)
    session.flush()
    record(
        session,
        actor,
        "submission.start",
        draft,
        summary=f"Started a draft submission in round {round_.id}",
    )
    return draft


def _own_draft(actor: User, submission: Submission) -> None:
    require_signed_in(actor)
    if submission.author_id != actor.id:
        raise PermissionDenied(_("This is someone else's submission."))
    if submission.status != SubmissionStatus.DRAFT:
        raise Conflict(
            _(
                "This submission has been submitted (receipt %(receipt)s) and can no "
                "longer be changed.",
                receipt=submission.receipt,
            )
        )


def _clean_details(actor: User, details: SubmissionDetails) -> dict:
    try:
        kind = SubmissionKind(details.kind or SubmissionKind.INDIVIDUAL)
    except ValueError:
        raise ValidationError(_("Choose how you are submitting."), field="kind") from None
    if kind == SubmissionKind.FORMAL and not actor.has_role(Role.IPAF):
        raise PermissionDenied(
            _(
                "Only members of the Indigenous Peoples Advisory Forum can "
                "file a formal submission of the Forum."
            )
        )
    organisation = " ".join((details.organisation or "").split())
    if len(organisation) > MAX_ORGANISATION:
        raise ValidationError(
            _("The organisation name is too long (%(n)d characters at most).", n=MAX_ORGANISATION),
            field="organisation",
        )
    cover = _text(details.cover_statement, field="cover_statement", label=_("cover statement"))
    return {
        "kind": kind,
        "organisation": organisation,
        "cover_statement": cover,
        "consent_publish_name": bool(details.consent_publish_name),
    }


def update_submission(
    session: Session,
    actor: User,
    submission: Submission,
    details: SubmissionDetails,
    *,
    now: dt.datetime | None = None,
) -> Submission:
    """Change a draft's kind, organisation, consent and cover statement."""
    _own_draft(actor, submission)
    now = now or utcnow()
    require_open(submission.round, now)
    values = _clean_details(actor, details)
    changed = sorted(k for k, v in values.items() if getattr(submission, k) != v)
    for key, value in values.items():
        setattr(submission, key, value)
    submission.updated_at = now
    session.flush()
    if changed:
        record(
            session,
            actor,
            "submission.update",
            submission,
            summary=f"Updated draft submission {submission.id}",
            fields=changed,
        )
    return submission


def add_comment(
    session: Session,
    actor: User,
    round_: ConsultationRound,
    *,
    clause_uid: str | None = None,
    comment_type: str = CommentType.GENERAL,
    body: str,
    proposed_change: str = "",
    anchor: AnchorInput | None = None,
    now: dt.datetime | None = None,
) -> Comment:
    """Add a comment to the person's draft submission in a round (starting the draft)."""
    actor = require_signed_in(actor)
    now = now or utcnow()
    require_open(round_, now)
    fields = _clean_comment(
        session,
        round_,
        clause_uid=clause_uid,
        comment_type=comment_type,
        body=body,
        proposed_change=proposed_change,
        anchor=anchor,
    )
    submission = start_submission(session, actor, round_, now=now)
    count, last = session.execute(
        select(func.count(), func.max(Comment.ordinal)).where(
            Comment.submission_id == submission.id
        )
    ).one()
    if count >= MAX_COMMENTS_PER_SUBMISSION:
        raise ValidationError(
            _(
                "A submission holds %(n)d comments at most. Submit this one and start another.",
                n=MAX_COMMENTS_PER_SUBMISSION,
            )
        )
    comment = Comment(
        submission_id=submission.id, ordinal=(last or 0) + 1, created_at=now, **fields.values()
    )
    session.add(comment)
    submission.updated_at = now
    session.flush()
    session.expire(submission, ["comments"])
    record(
        session,
        actor,
        "comment.draft",
        comment,
        summary=f"Drafted a comment in submission {submission.id}",
        clause=clause_uid or None,
        anchored=fields.anchor is not None,
    )
    return comment


def _draft_comment(actor: User, comment_id: int):
    """Select the comment only while its submission is the actor's draft."""
    drafts = select(Submission.id).where(
        Submission.author_id == actor.id, Submission.status == SubmissionStatus.DRAFT
    )
    return Comment.id == comment_id, Comment.submission_id.in_(drafts)


def edit_comment(
    session: Session,
    actor: User,
    comment: Comment,
    *,
    clause_uid: str | None = None,
    comment_type: str = CommentType.GENERAL,
    body: str,
    proposed_change: str = "",
    anchor: AnchorInput | None = None,
    now: dt.datetime | None = None,
) -> Comment:
    """Revise a comment of a draft submission."""
    submission = comment.submission
    _own_draft(actor, submission)
    now = now or utcnow()
    require_open(submission.round, now)
    fields = _clean_comment(
        session,
        submission.round,
        clause_uid=clause_uid,
        comment_type=comment_type,
        body=body,
        proposed_change=proposed_change,
        anchor=anchor,
    )
    result = session.execute(
        update(Comment)
        .where(*_draft_comment(actor, comment.id))
        .values(**fields.values())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(_("This comment can no longer be changed."))
    submission.updated_at = now
    session.flush()
    session.refresh(comment)
    record(
        session,
        actor,
        "comment.revise",
        comment,
        summary=f"Revised a comment in draft submission {submission.id}",
    )
    return comment


def remove_comment(
    session: Session, actor: User, comment: Comment, *, now: dt.datetime | None = None
) -> None:
    """Remove a comment from a draft submission."""
    submission = comment.submission
    _own_draft(actor, submission)
    now = now or utcnow()
    require_open(submission.round, now)
    comment_id = comment.id
    session.expunge(comment)
    result = session.execute(
        delete(Comment)
        .where(*_draft_comment(actor, comment_id))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(_("This comment can no longer be removed."))
    submission.updated_at = now
    session.expire(submission, ["comments"])
    record(
        session,
        actor,
        "comment.remove",
        object_type="comment",
        object_id=comment_id,
        summary=f"Removed a comment from draft submission {submission.id}",
    )


def _check_complete(submission: Submission) -> None:
    comments = submission.comments
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
    return f"{round_.standard.uid_prefix}-R{round_.number}-{number:04d}"


def submit(
    session: Session,
    actor: User,
    submission: Submission,
    *,
    now: dt.datetime | None = None,
    link_for: Callable[[str], str] | None = None,
) -> Submission:
    """Submit a draft: give it a receipt, freeze it, and queue the acknowledgement."""
    _own_draft(actor, submission)
    now = now or utcnow()
    round_ = submission.round
    require_open(round_, now)
    # Take the row so two concurrent submits of the same draft cannot both pass.
    locked = session.scalar(
        select(Submission)
        .where(Submission.id == submission.id)
        .with_for_update(of=Submission)
        .execution_options(populate_existing=True)
    )
    if locked is None or locked.status != SubmissionStatus.DRAFT:
        raise Conflict(_("This submission has already been submitted."))
    if submission.kind == SubmissionKind.FORMAL and not actor.has_role(Role.IPAF):
        raise PermissionDenied(
            _(
                "Only members of the Indigenous Peoples Advisory Forum can "
                "file a formal submission of the Forum."
            )
        )
    _check_complete(submission)
    submission.receipt = _next_receipt(session, round_)
    submission.status = SubmissionStatus.SUBMITTED
    submission.submitted_at = now
    submission.updated_at = now
    submission.stakeholder_group = str(actor.stakeholder_group)
    session.flush()
    queue_update(session, UpdateKind.SUBMISSION, submission.id)  # search: comments now public
    record(
        session,
        actor,
        "submission.submit",
        submission,
        summary=f"Submitted {submission.receipt} with {len(submission.comments)} comments",
        receipt=submission.receipt,
        kind=str(submission.kind),
        consent_publish_name=submission.consent_publish_name,
    )
    queue_mail(
        session,
        to=actor.email,
        subject=_("Received: your submission %(receipt)s", receipt=submission.receipt),
        body=_acknowledgement(submission, link_for(submission.receipt) if link_for else None),
    )
    return submission


def _acknowledgement(submission: Submission, receipt_url: str | None) -> str:
    round_ = submission.round
    lines = [
        _("Thank you. We received your submission to \u201c%(title)s\u201d.", title=round_.title),
        "",
        _("Receipt: %(receipt)s", receipt=submission.receipt),
        _("Comments: %(n)d", n=len(submission.comments)),
        _("Submitted: %(when)s UTC", when=submission.submitted_at.strftime("%Y-%m-%d %H:%M")),
        "",
        _(
            "Your submission is now on record and cannot be changed. You can withdraw it until "
            "the round closes on %(when)s UTC.",
            when=round_.closes_at.strftime("%Y-%m-%d %H:%M"),
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
    if now >= submission.round.closes_at:
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
    submission = session.scalar(select(Submission).where(Submission.receipt == receipt))
    if submission is None or not (
        is_staff(viewer)
        or (getattr(viewer, "id", None) is not None and submission.author_id == viewer.id)
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
            .order_by(Submission.created_at.desc(), Submission.id.desc())
        )
    )
