"""Consultation rounds: listing, opening and checking them; whether their comments are public.

The public record (public_record) and moderation (moderation) have their own modules.
Intake (draft submissions and their comments: drafts, comment_fields; submitting and
withdrawing: submitting) lives in its own modules and is re-exported here, so callers
use one module.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.audit.service import record
from app.auth.models import User
from app.auth.permissions import require
from app.consultation import iseal
from app.consultation.comment_fields import (
    AnchorInput,
    setting,
    version_clause,
)
from app.consultation.drafts import (
    SubmissionDetails,
    add_comment,
    draft_for,
    edit_comment,
    remove_comment,
    require_open,
    start_submission,
    update_submission,
)
from app.consultation.models import (
    Comment,
    CommentType,
    CommentVisibility,
    ConsultationRound,
    RoundState,
    comment_parts,
    round_parts,
)
from app.consultation.names import author_line, author_lines, public_submitter, stakeholder_label
from app.consultation.one_step import send_comment
from app.consultation.permissions import (
    can_open_round,
)
from app.consultation.schedule import (
    changes_of,
    check_calendar,
    close_round_early,
    extend_round,
    time_left,
)
from app.consultation.submitting import (
    comment_and_submit,
    get_by_receipt,
    my_submissions,
    submit,
    withdraw,
)
from app.database import utcnow
from app.drafting.models import (
    Standard,
    Version,
    VersionState,
)
from app.errors import NotFound, ValidationError

MAX_TITLE = 200
MAX_SUMMARY = 5000
MAX_AUDIENCES = 500


# --- rounds --------------------------------------------------------------------


def list_rounds(session: Session, standard: Standard | None = None) -> list[ConsultationRound]:
    """Return rounds, open and upcoming first, then the most recently closed."""
    query = select(ConsultationRound).options(*round_parts())
    if standard is not None:
        query = query.where(ConsultationRound.standard_id == standard.id)
    rounds = list(session.scalars(query.order_by(ConsultationRound.opens_at.desc())))
    now = utcnow()
    return sorted(
        rounds, key=lambda r: (r.state_at(now) == RoundState.CLOSED, -r.opens_at.timestamp())
    )


def rounds_for_standard(session: Session, standard: Standard) -> list[ConsultationRound]:
    """Return a standard's rounds by number (ballots check that there were enough)."""
    return list(
        session.scalars(
            select(ConsultationRound)
            .where(ConsultationRound.standard_id == standard.id)
            .options(*round_parts())
            .order_by(ConsultationRound.number)
        )
    )


def get_round(session: Session, round_id: int) -> ConsultationRound:
    found = session.get(ConsultationRound, round_id, options=round_parts())
    if found is None:
        raise NotFound(_("There is no such consultation round."))
    return found


@dataclass(frozen=True)
class RoundFields:
    """Validated values for a new round."""

    standard: Standard
    version: Version
    number: int
    title: str
    summary: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    visibility: CommentVisibility
    audiences: str


def clean_round(
    session: Session,
    *,
    standard_slug: str,
    version_label: str,
    title: str,
    summary: str = "",
    opens_at: dt.datetime | None,
    closes_at: dt.datetime | None,
    number: int | None = None,
    visibility: str = CommentVisibility.LIVE,
    audiences: str = "",
) -> RoundFields:
    """Check a round definition (from the web form or a round file)."""
    standard = session.scalar(select(Standard).where(Standard.slug == (standard_slug or "")))
    if standard is None:
        raise ValidationError(
            _("There is no standard called %(slug)s.", slug=standard_slug), field="version"
        )
    version = session.scalar(
        select(Version).where(
            Version.standard_id == standard.id, Version.label == (version_label or "")
        )
    )
    if version is None:
        raise ValidationError(
            _("%(slug)s has no version %(label)s.", slug=standard.slug, label=version_label),
            field="version",
        )
    if version.state != VersionState.FROZEN:
        raise ValidationError(
            _(
                "Only a frozen version can be put out for consultation; %(label)s is %(state)s.",
                label=version.label,
                state=str(version.state),
            ),
            field="version",
        )
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError(_("Give the round a title."), field="title")
    if len(title) > MAX_TITLE:
        raise ValidationError(
            _("The title is too long (%(n)d characters at most).", n=MAX_TITLE), field="title"
        )
    summary = (summary or "").strip()
    if len(summary) > MAX_SUMMARY:
        raise ValidationError(
            _("The summary is too long (%(n)d characters at most).", n=MAX_SUMMARY), field="summary"
        )
    audiences = " ".join((audiences or "").split())
    if len(audiences) > MAX_AUDIENCES:
        raise ValidationError(
            _("The audiences are too long (%(n)d characters at most).", n=MAX_AUDIENCES),
            field="audiences",
        )
    for name, value in (("opens_at", opens_at), ("closes_at", closes_at)):
        if value is None:
            raise ValidationError(_("Give the date and time."), field=name)
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValidationError(_("Give the time zone of this date and time."), field=name)
    assert opens_at is not None and closes_at is not None  # checked just above
    opens_at = opens_at.astimezone(dt.UTC)
    closes_at = closes_at.astimezone(dt.UTC)
    if closes_at <= opens_at:
        raise ValidationError(_("The round must close after it opens."), field="closes_at")
    try:
        visibility = CommentVisibility(visibility)
    except ValueError:
        raise ValidationError(_("Choose when comments are shown."), field="visibility") from None
    if number is not None and number < 1:
        raise ValidationError(_("The round number starts at 1."), field="number")
    number = check_calendar(session, version, opens_at, closes_at, number)
    return RoundFields(
        standard, version, number, title, summary, opens_at, closes_at, visibility, audiences
    )


def create_round(
    session: Session, actor: User, fields: RoundFields, *, now: dt.datetime | None = None
) -> ConsultationRound:
    """Open a consultation round on a frozen version (secretariat only)."""
    require(can_open_round(actor, fields.standard))
    round_ = ConsultationRound(
        standard=fields.standard,
        version=fields.version,
        number=fields.number,
        title=fields.title,
        summary=fields.summary,
        opens_at=fields.opens_at,
        closes_at=fields.closes_at,
        visibility=fields.visibility,
        audiences=fields.audiences,
        receipt_counter=0,
        created_by_id=actor.id,
        created_at=now or utcnow(),
    )
    session.add(round_)
    session.flush()
    flags = iseal.round_flags(session, round_)
    record(
        session,
        actor,
        "round.create",
        round_,
        summary=f"Opened round {round_.number} of {fields.standard.slug} on {fields.version.label}",
        opens_at=round_.opens_at.isoformat(),
        closes_at=round_.closes_at.isoformat(),
        iseal_flags=flags,
    )
    return round_


def frozen_versions(session: Session) -> list[Version]:
    """Return every frozen version, for the new-round form."""
    return list(
        session.scalars(
            select(Version)
            .where(Version.state == VersionState.FROZEN)
            .options(joinedload(Version.standard))
            .order_by(Version.id.desc())
        )
    )


# --- visibility and comments -------------------------------------------------------------


def comments_public(round_: ConsultationRound, now: dt.datetime | None = None) -> bool:
    """Say whether the round's comments are public now."""
    state = round_.state_at(now or utcnow())
    if state == RoundState.SCHEDULED:
        return False
    return round_.visibility == CommentVisibility.LIVE or state == RoundState.CLOSED


def get_comment(session: Session, comment_id: int) -> Comment:
    comment = session.get(Comment, comment_id, options=comment_parts())
    if comment is None:
        raise NotFound(_("There is no such comment."))
    return comment


COMMENT_TYPES = list(CommentType)

__all__ = [
    "COMMENT_TYPES",
    "AnchorInput",
    "RoundFields",
    "SubmissionDetails",
    "add_comment",
    "changes_of",
    "close_round_early",
    "extend_round",
    "time_left",
    "author_line",
    "author_lines",
    "public_submitter",
    "clean_round",
    "comments_public",
    "create_round",
    "draft_for",
    "edit_comment",
    "frozen_versions",
    "get_by_receipt",
    "get_comment",
    "get_round",
    "list_rounds",
    "my_submissions",
    "remove_comment",
    "require_open",
    "rounds_for_standard",
    "setting",
    "stakeholder_label",
    "start_submission",
    "submit",
    "comment_and_submit",
    "send_comment",
    "update_submission",
    "version_clause",
    "withdraw",
]
