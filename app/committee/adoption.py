"""The guard on adoption: the public must have had its say before adoption is put to the vote."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.consultation.models import ConsultationRound, RoundState
from app.errors import Conflict
from app.formatting import format_when


def unfinished_round(session: Session, standard_id: int, now: dt.datetime):
    """Return a consultation round of the standard that is open or not yet open, if any."""
    return session.scalar(
        select(ConsultationRound)
        .where(
            ConsultationRound.standard_id == standard_id,
            ConsultationRound.in_state(now, RoundState.SCHEDULED, RoundState.OPEN),
        )
        .order_by(ConsultationRound.opens_at)
        .limit(1)
    )


def refuse_adoption_during_consultation(
    session: Session, standard_id: int, now: dt.datetime
) -> None:
    """Refuse to put adoption to the vote while the public may still comment."""
    round_ = unfinished_round(session, standard_id, now)
    if round_ is not None:
        raise Conflict(
            _(
                "Adoption cannot be put to the vote while consultation round %(n)s "
                "(“%(title)s”) is open or scheduled: it closes %(when)s.",
                n=round_.number,
                title=round_.title,
                when=format_when(round_.closes_at),
            ),
            field="question_kind",
        )
