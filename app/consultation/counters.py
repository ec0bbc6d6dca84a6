"""Counters of a round's comments, kept by the database with each change of `comment_state`.

Pages count a round of 50,000 comments on every view; these tables hold the counts
instead, so a count is a sum over a few hundred rows whatever the round's size:

- `comment_tally`: per round, answer state (agreed, decision), comment type,
  stakeholder group, formality and visibility (the committee's progress and its
  open-by-type/group breakdown, the filtered dashboard totals, unanswered comments,
  the synopsis's counts, the public record's total);
- `clause_tally`: per round, clause (0: the whole draft), agreed and hidden (the
  round page's comments per clause, the committee's open-by-clause list, the
  record's total for one clause).

**Kept by triggers on `comment_state`** (migration `0012_comment_counters`): every
INSERT, DELETE and UPDATE of a counted column of `comment_state` adds +1/-1 to the
rows of its old and new keys by an upsert (`n = n + excluded.n`), in the statement
that changes the read model, so in the transaction of the event: submit (both
intake paths), withdrawal, moderation, each disposition row, a rebuild. No Python
read-modify-write, and no path that writes `comment_state` can forget them.

**No hot row**: each key is split in `SHARDS` rows by `comment_id % SHARDS`; two
intake transactions on PostgreSQL lock the same counter row (until their commit)
only if their comments fall in the same shard. Reads sum the shards.

`differences` / `repair` recount from `comment_state` (`flask counters check|repair`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import (
    Boolean,
    Integer,
    SmallInteger,
    String,
    bindparam,
    except_,
    func,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.consultation.models import CommentState
from app.database import Base
from app.drafting.models import Clause

SHARDS = 4


class CommentTally(Base):
    """Comments of a round per answer state, type, group, formality and visibility (sharded)."""

    __tablename__ = "comment_tally"

    round_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    agreed: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    # '' for no disposition yet (a key column cannot be NULL).
    decision: Mapped[str] = mapped_column(String(32), primary_key=True)
    comment_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    stakeholder_group: Mapped[str] = mapped_column(String(32), primary_key=True)
    formal: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    hidden: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer, default=0)


class ClauseTally(Base):
    """Comments of a round per clause (0: the whole draft), agreed and hidden (sharded)."""

    __tablename__ = "clause_tally"

    round_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    clause_key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    agreed: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    hidden: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer, default=0)


# --- reads -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One key of a round's comment_tally, its shards summed."""

    round_id: int
    agreed: bool
    decision: str | None
    comment_type: str
    group: str
    formal: bool
    hidden: bool
    n: int


@functools.cache
def _cells_query():
    """Built once per process (a statement is immutable; its compiled form is cached)."""
    t = CommentTally
    keys = (
        t.round_id,
        t.agreed,
        t.decision,
        t.comment_type,
        t.stakeholder_group,
        t.formal,
        t.hidden,
    )
    # Grouped in the primary key's order (shard last): a streaming sum, no sort.
    return (
        select(*keys, func.sum(t.n))
        .where(t.round_id.in_(bindparam("round_ids", expanding=True)))
        .group_by(*keys)
    )


def cells(session: Session, round_ids: Iterable[int]) -> list[Cell]:
    """The rounds' counts by every key of comment_tally (a few hundred rows a round)."""
    round_ids = list(round_ids)
    if not round_ids:
        return []
    query = _cells_query()
    return [
        Cell(r, bool(a), d or None, str(ty), g or "", bool(f), bool(h), int(n))
        for r, a, d, ty, g, f, h, n in session.execute(query, {"round_ids": round_ids})
        if n
    ]


def clause_counts(
    session: Session,
    round_id: int,
    *,
    agreed: bool | None = None,
    hidden: bool | None = None,
    clause_id: int | None | str = "all",
) -> dict[int | None, int]:
    """Comments of a round per clause id (None: the whole draft), clauses with none left out.

    agreed / hidden: only comments in that state (None: either). clause_id: only that
    clause (None: the whole draft), default every clause.
    """
    t = ClauseTally
    query = select(t.clause_key, func.sum(t.n)).where(t.round_id == round_id)
    if agreed is not None:
        query = query.where(t.agreed.is_(agreed))
    if hidden is not None:
        query = query.where(t.hidden.is_(hidden))
    if clause_id != "all":
        query = query.where(t.clause_key == (clause_id or 0))
    query = query.group_by(t.clause_key)
    return {(key or None): int(n) for key, n in session.execute(query) if n}


def open_by_clause_uid(session: Session, round_id: int) -> list[tuple[str | None, int]]:
    """(clause uid, open comments) of a round's clauses with any (uid None: whole draft)."""
    t = ClauseTally
    query = (
        select(Clause.uid, func.sum(t.n))
        .select_from(t)
        .outerjoin(Clause, Clause.id == t.clause_key)
        .where(t.round_id == round_id, t.agreed.is_(False))
        .group_by(t.clause_key, Clause.uid)
    )
    return [(uid, int(n)) for uid, n in session.execute(query) if n]


# --- check and repair ------------------------------------------------------------------

_TALLY_KEYS = (
    "round_id",
    "agreed",
    "decision",
    "comment_type",
    "stakeholder_group",
    "formal",
    "hidden",
    "shard",
)
_CLAUSE_KEYS = ("round_id", "clause_key", "agreed", "hidden", "shard")


def _recount_tally(round_id: int | None):
    s = CommentState
    keys = (
        s.round_id,
        s.agreed,
        func.coalesce(s.decision, ""),
        s.comment_type,
        s.stakeholder_group,
        s.formal,
        s.hidden,
        (s.comment_id % SHARDS),
    )
    query = select(*keys, func.count()).group_by(*keys)
    return query if round_id is None else query.where(s.round_id == round_id)


def _recount_clause(round_id: int | None):
    s = CommentState
    keys = (
        s.round_id,
        func.coalesce(s.clause_id, 0),
        s.agreed,
        s.hidden,
        (s.comment_id % SHARDS),
    )
    query = select(*keys, func.count()).group_by(*keys)
    return query if round_id is None else query.where(s.round_id == round_id)


def _stored(model, names, round_id: int | None):
    query = select(*(getattr(model, name) for name in names), model.n).where(model.n != 0)
    return query if round_id is None else query.where(model.round_id == round_id)


def differences(session: Session, round_id: int | None = None) -> int:
    """Count the counter rows that disagree with a recount of comment_state (0: none).

    One statement, so one snapshot on PostgreSQL even while comments arrive."""
    parts = []
    for recount, model, names in (
        (_recount_tally(round_id), CommentTally, _TALLY_KEYS),
        (_recount_clause(round_id), ClauseTally, _CLAUSE_KEYS),
    ):
        stored = _stored(model, names, round_id)
        for a, b in ((recount, stored), (stored, recount)):
            diff = except_(a, b).subquery()
            parts.append(select(literal(1)).select_from(diff))
    return len(session.execute(union_all(*parts)).all())


def repair(session: Session, round_id: int | None = None) -> int:
    """Replace the counter rows (of a round, or all) by a recount; return the differences
    found first. On PostgreSQL comment_state is locked against writes meanwhile (SHARE),
    so no event changes it between the recount and the replacement."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE comment_state IN SHARE MODE"))
    found = differences(session, round_id)
    for recount, model, names in (
        (_recount_tally(round_id), CommentTally, _TALLY_KEYS),
        (_recount_clause(round_id), ClauseTally, _CLAUSE_KEYS),
    ):
        wipe = model.__table__.delete()
        if round_id is not None:
            wipe = wipe.where(model.round_id == round_id)
        session.execute(wipe)
        columns = [getattr(model, name) for name in names] + [model.n]
        session.execute(model.__table__.insert().from_select(columns, recount))
    return found


__all__ = [
    "SHARDS",
    "Cell",
    "ClauseTally",
    "CommentTally",
    "cells",
    "clause_counts",
    "open_by_clause_uid",
    "differences",
    "repair",
]
