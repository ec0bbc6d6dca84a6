"""A round's calendar: no overlaps, numbers in date order, extend or close early, time left."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth.models import User
from app.auth.permissions import require
from app.consultation.models import (
    ConsultationRound,
    RoundChange,
    RoundChangeKind,
    RoundState,
    Submission,
    SubmissionStatus,
    round_parts,
)
from app.consultation.permissions import can_change_round_schedule
from app.database import utcnow
from app.drafting.models import Version
from app.errors import Conflict, ValidationError
from app.formatting import format_when, format_when_in
from app.jobs.service import enqueue, handler
from app.loading import ensure_loaded

MAX_REASON = 2000
NOTICE_BATCH = 500


def check_calendar(
    session: Session,
    version: Version,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    number: int | None,
    *,
    exclude_round_id: int | None = None,
) -> int:
    """Refuse a window that overlaps another round on the version; return its number.

    Two rounds on one draft never run at once (which would comments belong to?), and a
    standard's round numbers follow their opening dates. A number may be given (rounds
    held before the standard came to Clausewise keep theirs) if it is free and fits.
    """
    standard = ensure_loaded(session, version, "standard").standard
    others = list(
        session.scalars(
            select(ConsultationRound)
            .where(
                ConsultationRound.standard_id == standard.id,
                ConsultationRound.id != (exclude_round_id or 0),
            )
            .order_by(ConsultationRound.number)
        )
    )
    for other in others:
        if other.version_id != version.id:
            continue
        if opens_at < other.closes_at and other.opens_at < closes_at:
            raise ValidationError(
                _(
                    "This window overlaps round %(n)d (“%(title)s”) on the same draft, which "
                    "runs until %(closes)s: rounds on one draft follow one another.",
                    n=other.number,
                    title=other.title,
                    closes=format_when(other.closes_at),
                ),
                field="opens_at",
            )
    if exclude_round_id is not None:
        return number or 0
    taken = {o.number for o in others}
    if number is None:
        later = [o for o in others if o.opens_at > opens_at]
        if later:
            raise ValidationError(
                _(
                    "Round %(n)d already opens after this one would: give this round a "
                    "number that fits the date order.",
                    n=later[0].number,
                ),
                field="number",
            )
        return max(taken, default=0) + 1
    if number in taken:
        raise ValidationError(
            _("%(slug)s already has a round %(n)d.", slug=standard.slug, n=number),
            field="number",
        )
    for other in others:
        if (other.opens_at < opens_at) != (other.number < number):
            raise ValidationError(
                _(
                    "Rounds are numbered in date order: round %(n)d opens %(when)s this one.",
                    n=other.number,
                    when=_("before") if other.opens_at < opens_at else _("after"),
                ),
                field="number",
            )
    return number


@dataclass(frozen=True)
class Span:
    """A length of time said the way people say it: in days, or in hours under two days."""

    amount: int
    unit: str  # "days", "hours" or "minutes"

    def __str__(self) -> str:
        if self.unit == "days":
            return ngettext("%(num)d day", "%(num)d days", self.amount)
        if self.unit == "hours":
            return ngettext("%(num)d hour", "%(num)d hours", self.amount)
        return ngettext("%(num)d minute", "%(num)d minutes", self.amount)


def span(delta: dt.timedelta) -> Span:
    """Round a duration up to whole days, or hours (minutes) when it is short."""
    # Whole minutes first: a length stored to six decimals of a day still reads "1 hour".
    minutes = math.ceil(round(max(0.0, delta.total_seconds())) / 60)
    if minutes >= 2 * 1440:
        return Span(math.ceil(minutes / 1440), "days")
    if minutes >= 60:
        return Span(math.ceil(minutes / 60), "hours")
    return Span(minutes, "minutes")


def time_left(round_: ConsultationRound, now: dt.datetime | None = None) -> Span | None:
    """Say how long an open round still takes comments; None unless it is open."""
    now = now or utcnow()
    if round_.state_at(now) != RoundState.OPEN:
        return None
    return span(round_.closes_at - now)


def length(round_: ConsultationRound) -> Span:
    return span(round_.closes_at - round_.opens_at)


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            _("Say why: the reason is published with the change."), field="reason"
        )
    if len(reason) > MAX_REASON:
        raise ValidationError(
            _("The reason is too long (%(n)d characters at most).", n=MAX_REASON), field="reason"
        )
    return reason


def _change(
    session: Session,
    actor: User,
    round_: ConsultationRound,
    kind: RoundChangeKind,
    new_closes_at: dt.datetime,
    reason: str,
    now: dt.datetime,
) -> RoundChange:
    change = RoundChange(
        round_id=round_.id,
        kind=kind,
        old_closes_at=round_.closes_at,
        new_closes_at=new_closes_at,
        reason=reason,
        changed_by_id=actor.id,
        created_at=now,
    )
    session.add(change)
    ensure_loaded(session, round_, "standard")
    round_.closes_at = new_closes_at
    session.flush()
    record(
        session,
        actor,
        f"round.{kind}",
        round_,
        summary=(
            f"{'Extended' if kind == RoundChangeKind.EXTEND else 'Closed early'} round "
            f"{round_.number} of {round_.standard.slug}: now closes "
            f"{new_closes_at.isoformat(timespec='minutes')}"
        ),
        old_closes_at=change.old_closes_at.isoformat(),
        new_closes_at=new_closes_at.isoformat(),
        reason=reason,
    )
    enqueue(session, "round.change-notice", change_id=change.id, after_submission_id=0)
    return change


def extend_round(
    session: Session,
    actor: User,
    round_: ConsultationRound,
    closes_at: dt.datetime | None,
    reason: str,
    *,
    now: dt.datetime | None = None,
) -> RoundChange:
    """Move a scheduled or open round's close later (secretariat, with a reason)."""
    require(can_change_round_schedule(actor, round_))
    now = now or utcnow()
    reason = _reason(reason)
    if round_.state_at(now) == RoundState.CLOSED:
        raise Conflict(_("This round has closed; a closed round is not reopened."))
    if closes_at is None or closes_at.tzinfo is None:
        raise ValidationError(_("Give the new closing date and time."), field="closes_at")
    closes_at = closes_at.astimezone(dt.UTC)
    if closes_at <= round_.closes_at:
        raise ValidationError(
            _("To extend the round, choose a time after its current close."), field="closes_at"
        )
    ensure_loaded(session, round_, "version")
    check_calendar(
        session, round_.version, round_.opens_at, closes_at, None, exclude_round_id=round_.id
    )
    return _change(session, actor, round_, RoundChangeKind.EXTEND, closes_at, reason, now)


def close_round_early(
    session: Session,
    actor: User,
    round_: ConsultationRound,
    reason: str,
    *,
    now: dt.datetime | None = None,
) -> RoundChange:
    """Close an open round now (secretariat, with a reason); what was sent stays."""
    require(can_change_round_schedule(actor, round_))
    now = now or utcnow()
    reason = _reason(reason)
    if round_.state_at(now) != RoundState.OPEN:
        raise Conflict(_("Only an open round can be closed early."))
    return _change(session, actor, round_, RoundChangeKind.CLOSE_EARLY, now, reason, now)


def changes_of(session: Session, round_: ConsultationRound) -> list[RoundChange]:
    return list(
        session.scalars(
            select(RoundChange)
            .where(RoundChange.round_id == round_.id)
            .order_by(RoundChange.created_at, RoundChange.id)
        )
    )


def _change_notice(round_: ConsultationRound, change: RoundChange, zone: str | None):
    values = {
        "n": round_.number,
        "standard": round_.standard.title,
        "title": round_.title,
        "new": format_when_in(change.new_closes_at, zone),
        "old": format_when_in(change.old_closes_at, zone),
        "reason": change.reason,
    }
    if change.kind == RoundChangeKind.EXTEND:
        subject = _("Round %(n)d of %(standard)s is extended", **values)
        body = _(
            "The consultation round “%(title)s” now closes on %(new)s, instead of "
            "%(old)s.\n\nReason: %(reason)s\n\nEverything you sent in this round stays in the "
            "record.",
            **values,
        )
    else:
        subject = _("Round %(n)d of %(standard)s has closed early", **values)
        body = _(
            "The consultation round “%(title)s” closed on %(new)s, instead of "
            "%(old)s.\n\nReason: %(reason)s\n\nEverything you sent in this round stays in the "
            "record.",
            **values,
        )
    return subject, body


@handler("round.change-notice")
def _notify(session: Session, payload: dict) -> None:
    """Tell everyone who sent comments in the round, a batch per job (rounds can be large)."""
    from app.mail import queue_mail

    change = session.get(RoundChange, payload["change_id"])
    if change is None:
        return
    round_ = session.get(ConsultationRound, change.round_id, options=round_parts())
    assert round_ is not None
    rows = session.execute(
        select(Submission.id, User.email, User.language, User.timezone)
        .join(User, User.id == Submission.author_id)
        .where(
            Submission.round_id == round_.id,
            Submission.status == SubmissionStatus.SUBMITTED,
            Submission.id > payload["after_submission_id"],
            User.active.is_(True),
        )
        .order_by(Submission.id)
        .limit(NOTICE_BATCH)
    ).all()
    for _submission_id, email, language, zone in {row[1]: row for row in rows}.values():
        # Each commenter reads it in their own language, the times in their own zone.
        with force_locale(language or "en"):
            subject, body = _change_notice(round_, change, zone)
        queue_mail(session, to=email, subject=subject, body=body)
    if len(rows) == NOTICE_BATCH:
        enqueue(
            session, "round.change-notice", change_id=change.id, after_submission_id=rows[-1][0]
        )
