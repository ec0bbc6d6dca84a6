"""The committee's part of the comment read model: current answers, rebuild and check.

The table (`comment_state`) lives with submission (app.consultation.state); the
committee writes its answer columns through `record_answer` each time a disposition
row is appended, and rebuilds the table from the append-only history here, since
only this layer knows dispositions.
"""

from __future__ import annotations

from sqlalchemy import Select, and_, except_, false, func, select
from sqlalchemy.orm import Session, aliased

from app.committee.models import Disposition
from app.consultation import state
from app.consultation.models import Comment
from app.history import is_latest


def rebuilt(round_id: int | None = None) -> Select:
    """Select what the table must hold, computed from the history rows alone."""
    d = aliased(Disposition, name="latest_disposition")
    return (
        state.source(round_id)
        .outerjoin(
            d,
            and_(d.comment_id == Comment.id, is_latest(d, key=[d.comment_id], by=d.seq)),
        )
        .add_columns(d.id, d.seq, d.decision, func.coalesce(d.agreed, false()))
    )


def rebuild(session: Session, round_id: int | None = None) -> int:
    """Recompute the rows of a round (or of every round) from history; return their number."""
    return state.replace(session, rebuilt(round_id), round_id)


def differences(session: Session, round_id: int | None = None) -> int:
    """Count the rows where the table and a rebuild disagree (0: no drift)."""
    expected, actual = rebuilt(round_id), state.stored(round_id)
    missing = except_(expected, actual).subquery()
    extra = except_(actual, expected).subquery()
    return (session.scalar(select(func.count()).select_from(missing)) or 0) + (
        session.scalar(select(func.count()).select_from(extra)) or 0
    )
