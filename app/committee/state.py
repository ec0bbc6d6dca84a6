"""The committee's part of the comment read model: current answers, rebuild and check.

The table (`comment_state`) lives with submission (app.consultation.state); the
committee writes its answer columns through `record_answer` each time a disposition
row is appended, and rebuilds the table from the append-only history here, since
only this layer knows dispositions.
"""

from __future__ import annotations

from sqlalchemy import Select, and_, except_, false, func, select, text
from sqlalchemy.orm import Session

from app.committee.models import Disposition
from app.consultation import state
from app.consultation.models import Comment


def rebuilt(round_id: int | None = None) -> Select:
    """Select what the table must hold, computed from the history rows alone."""
    d = state.latest_per_comment(
        Disposition,
        Disposition.seq,
        round_id,
        Disposition.id,
        Disposition.seq,
        Disposition.decision,
        Disposition.agreed,
    )
    return (
        state.source(round_id)
        .outerjoin(d, and_(d.c.comment_id == Comment.id, d.c.rank == 1))
        .add_columns(d.c.id, d.c.seq, d.c.decision, func.coalesce(d.c.agreed, false()))
    )


def rebuild(session: Session, round_id: int | None = None) -> int:
    """Recompute the rows of a round (or of every round) from history; return their number."""
    if session.get_bind().dialect.name == "postgresql":
        # After bulk loads the planner has no statistics yet and nested-loops the
        # window subqueries (minutes for 20,000 comments); ANALYZE sees this
        # transaction's own rows, so it is taken first (about a second).
        session.execute(text("ANALYZE comment, submission, disposition, moderation"))
        rows = state.replace(session, rebuilt(round_id), round_id)
        session.execute(text("ANALYZE comment_state"))
        return rows
    return state.replace(session, rebuilt(round_id), round_id)


def differences(session: Session, round_id: int | None = None) -> int:
    """Count the rows where the table and a rebuild disagree (0: no drift)."""
    expected, actual = rebuilt(round_id), state.stored(round_id)
    missing = except_(expected, actual).subquery()
    extra = except_(actual, expected).subquery()
    return (session.scalar(select(func.count()).select_from(missing)) or 0) + (
        session.scalar(select(func.count()).select_from(extra)) or 0
    )
