"""The ISEAL Code's expectations of a standard's consultation, checked in one place.

Each standard sets its own minimum round length and number of rounds
(Standard.iseal_min_round_days, Standard.iseal_min_rounds; the Code's 60 days
and two rounds by default). A round counts once it has opened. Falling short
is allowed, but flagged: on the round, when a ballot opens, and in the ballot's
record when it closes. A flag is a dict (code and numbers) so it can be stored
with a ballot; flag_message says it in the reader's language.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.consultation.models import ConsultationRound, RoundState
from app.consultation.schedule import span
from app.database import utcnow
from app.drafting.models import Standard

FEW_ROUNDS, SHORT_ROUND, UNANSWERED = "few-rounds", "short-round", "unanswered"


def held_rounds(session: Session, standard: Standard, now: dt.datetime) -> list[ConsultationRound]:
    """Return the standard's rounds that have opened by now, by number."""
    return list(
        session.scalars(
            select(ConsultationRound)
            .where(
                ConsultationRound.standard_id == standard.id,
                ConsultationRound.in_state(now, RoundState.OPEN, RoundState.CLOSED),
            )
            .order_by(ConsultationRound.number)
        )
    )


def short_round(standard: Standard, round_: ConsultationRound) -> dict | None:
    """Flag a round shorter than the standard's minimum length."""
    minimum = standard.iseal_min_round_days
    if round_.length_days >= minimum:
        return None
    return {
        "code": SHORT_ROUND,
        "round": round_.number,
        "days": round(round_.length_days, 6),
        "minimum": minimum,
    }


def few_rounds(standard: Standard, held: int) -> dict | None:
    """Flag fewer rounds held than the standard's minimum before adoption."""
    minimum = standard.iseal_min_rounds
    if held >= minimum:
        return None
    return {"code": FEW_ROUNDS, "rounds": held, "minimum": minimum}


def round_flags(
    session: Session, round_: ConsultationRound, now: dt.datetime | None = None
) -> list[dict]:
    """Flags shown with a round: its own length, and the rounds the standard has held so far."""
    standard = round_.standard
    held = held_rounds(session, standard, now or utcnow())
    flags = [short_round(standard, round_), few_rounds(standard, len(held))]
    return [f for f in flags if f]


def process_flags(
    session: Session, standard: Standard, now: dt.datetime, *, adoption: bool
) -> list[dict]:
    """Flags of a standard's whole process at a ballot: too few rounds (before adoption only)
    and every round held that was too short."""
    held = held_rounds(session, standard, now)
    flags = [few_rounds(standard, len(held))] if adoption else []
    flags += [short_round(standard, r) for r in held]
    return [f for f in flags if f]


def flag_message(flag: dict) -> str:
    """Say what a flag means, in the reader's language."""
    code = flag.get("code")
    if code == FEW_ROUNDS:
        return ngettext(
            "This standard has held %(num)d public consultation round so far; its rules "
            "(after the ISEAL Code) expect at least %(min)d before adoption.",
            "This standard has held %(num)d public consultation rounds so far; its rules "
            "(after the ISEAL Code) expect at least %(min)d before adoption.",
            flag["rounds"],
            min=flag["minimum"],
        )
    if code == SHORT_ROUND:
        return _(
            "Round %(round)s is open for %(length)s, shorter than the %(min)d days this "
            "standard's rules (after the ISEAL Code) expect for public consultation.",
            round=flag["round"],
            length=str(span(dt.timedelta(days=flag["days"]))),
            min=flag["minimum"],
        )
    if code == UNANSWERED:
        return ngettext(
            "%(num)d comment has no agreed written response.",
            "%(num)d comments have no agreed written response.",
            flag["comments"],
        )
    return str(code)
