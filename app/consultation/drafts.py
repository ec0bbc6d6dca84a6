"""Draft submissions: start one, change its details, add, revise and remove its comments.

Every operation takes an optional `now` so that tests (and the demo) can pin
time; the round's closing time is enforced here, whatever the client sends.
A comment may change or go while its submission is a draft and never after:
the ORM guard (app/models.py) and the database's triggers both say so, so a
draft comment is edited like any row, and an edit that races a submit is
refused by the database and reported as a conflict.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth.models import StakeholderGroup, User
from app.auth.permissions import require, require_signed_in
from app.consultation.comment_fields import AnchorInput, clean_comment, clean_text
from app.consultation.models import (
    Comment,
    CommentType,
    ConsultationRound,
    RoundState,
    Submission,
    SubmissionKind,
    SubmissionStatus,
    submission_with_comments,
)
from app.consultation.permissions import can_file_formal_submission
from app.database import utcnow
from app.errors import Conflict, Gone, PermissionDenied, RecordFrozen, ValidationError
from app.formatting import format_when
from app.loading import ensure_loaded

MAX_ORGANISATION = 200


def formal_only_message() -> str:
    """Say who may file a formal submission (translated when raised)."""
    return _(
        "Only members of the Indigenous Peoples Advisory Forum can "
        "file a formal submission of the Forum."
    )


MAX_COMMENTS_PER_SUBMISSION = 300


# --- the closing time -------------------------------------------------------------------


def require_open(round_: ConsultationRound, now: dt.datetime | None = None) -> None:
    """Refuse unless the round takes comments at this moment."""
    state = round_.state_at(now or utcnow())
    if state == RoundState.SCHEDULED:
        raise Gone(
            _(
                "This consultation round opens on %(when)s; comments cannot be sent yet.",
                when=format_when(round_.opens_at),
            )
        )
    if state == RoundState.CLOSED:
        raise Gone(
            _(
                "This consultation round closed on %(when)s. Comments and submissions "
                "can no longer be sent or changed.",
                when=format_when(round_.closes_at),
            )
        )


@dataclass(frozen=True)
class SubmissionDetails:
    kind: str = SubmissionKind.INDIVIDUAL
    organisation: str = ""
    consent_publish_name: bool = False
    cover_statement: str = ""
    # The group the submitter speaks for in this submission; None keeps the draft's.
    stakeholder_group: str | None = None


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
        .options(*submission_with_comments())
        .order_by(Submission.id.desc())
        .limit(1)
    )


def find_draft(session: Session, actor: User, round_: ConsultationRound) -> Submission | None:
    """Return the person's draft row in a round, without its parts or comments.

    Adding a comment needs only the row (the one-step post never reads the
    comments); pages use draft_for, which loads what they show.
    """
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
    draft = find_draft(session, actor, round_)
    if draft is not None:
        return draft
    draft = Submission(
        round=round_,
        author=actor,
        kind=SubmissionKind.INDIVIDUAL,
        organisation=actor.organisation or "",
        cover_statement="",
        consent_publish_name=False,
        stakeholder_group=str(actor.stakeholder_group),
        status=SubmissionStatus.DRAFT,
        created_at=now,
        updated_at=now,
    )
    # One draft per person per round (a partial unique index). Two tabs adding a
    # first comment at once both get here; the second insert waits for the first
    # transaction and fails: roll back to the savepoint and join the winner's draft.
    try:
        with session.begin_nested():
            session.add(draft)
            session.flush()
    except IntegrityError:
        existing = find_draft(session, actor, round_)
        if existing is None:
            raise
        return existing
    record(
        session,
        actor,
        "submission.start",
        draft,
        summary=f"Started a draft submission in round {round_.id}",
    )
    return draft


def own_draft(actor: User, submission: Submission) -> None:
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
    if kind == SubmissionKind.FORMAL:
        require(can_file_formal_submission(actor), formal_only_message())
    organisation = " ".join((details.organisation or "").split())
    if len(organisation) > MAX_ORGANISATION:
        raise ValidationError(
            _("The organisation name is too long (%(n)d characters at most).", n=MAX_ORGANISATION),
            field="organisation",
        )
    cover = clean_text(details.cover_statement, field="cover_statement", label=_("cover statement"))
    values = {
        "kind": kind,
        "organisation": organisation,
        "cover_statement": cover,
        "consent_publish_name": bool(details.consent_publish_name),
    }
    if details.stakeholder_group is not None:
        try:
            values["stakeholder_group"] = str(StakeholderGroup(details.stakeholder_group))
        except ValueError:
            raise ValidationError(
                _("Choose your stakeholder group from the list."), field="stakeholder_group"
            ) from None
    return values


def update_submission(
    session: Session,
    actor: User,
    submission: Submission,
    details: SubmissionDetails,
    *,
    now: dt.datetime | None = None,
) -> Submission:
    """Change a draft's kind, organisation, consent, cover statement and stakeholder group."""
    own_draft(actor, submission)
    now = now or utcnow()
    require_open(ensure_loaded(session, submission, "round").round, now)
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
    language: str | None = None,
    now: dt.datetime | None = None,
) -> Comment:
    """Add a comment to the person's draft submission in a round (starting the draft)."""
    actor = require_signed_in(actor)
    now = now or utcnow()
    require_open(round_, now)
    fields = clean_comment(
        session,
        round_,
        clause_uid=clause_uid,
        comment_type=comment_type,
        body=body,
        proposed_change=proposed_change,
        anchor=anchor,
        language=language,
    )
    submission = start_submission(session, actor, round_, now=now)
    # Lock the draft: concurrent adds number their comments one after the other,
    # and a submit that got there first is seen here.
    status = session.scalar(
        select(Submission.status).where(Submission.id == submission.id).with_for_update()
    )
    if status != SubmissionStatus.DRAFT:
        raise Conflict(_("This submission has just been submitted; add your comment again."))
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
        submission=submission, ordinal=(last or 0) + 1, created_at=now, **fields.values()
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
    language: str | None = None,
    now: dt.datetime | None = None,
) -> Comment:
    """Revise a comment of a draft submission."""
    submission = ensure_loaded(session, comment, "submission").submission
    own_draft(actor, submission)
    now = now or utcnow()
    require_open(ensure_loaded(session, submission, "round").round, now)
    fields = clean_comment(
        session,
        submission.round,
        clause_uid=clause_uid,
        comment_type=comment_type,
        body=body,
        proposed_change=proposed_change,
        anchor=anchor,
        language=language,
    )
    # The database refuses the change if a concurrent submit froze the comment; the
    # savepoint (begun before the change: begin_nested flushes) keeps the session usable.
    try:
        with session.begin_nested():
            for key, value in fields.values().items():
                setattr(comment, key, value)
            submission.updated_at = now
            session.flush()
    except RecordFrozen:
        raise Conflict(_("This comment has been submitted and can no longer be changed.")) from None
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
    submission = ensure_loaded(session, comment, "submission").submission
    own_draft(actor, submission)
    now = now or utcnow()
    require_open(ensure_loaded(session, submission, "round").round, now)
    comment_id = comment.id
    try:
        with session.begin_nested():
            session.delete(comment)
            submission.updated_at = now
            session.flush()
    except RecordFrozen:
        raise Conflict(_("This comment has been submitted and can no longer be removed.")) from None
    session.expire(submission, ["comments"])
    record(
        session,
        actor,
        "comment.remove",
        object_type="comment",
        object_id=comment_id,
        summary=f"Removed a comment from draft submission {submission.id}",
    )
