"""History is rows: the current state of a thing is its latest row per key.

Dispositions (latest seq per comment), votes (latest per voter and ballot) and
moderation decisions (latest per comment) are appended, never updated. This is
the one way to ask for the current rows: a correlated NOT EXISTS ("no newer row
with the same key"), which the (key, order) indexes answer row by row and which
composes with any filter, so no caller passes a list of every id.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, exists, select
from sqlalchemy.orm import InstrumentedAttribute, aliased


def is_latest(
    model: type, *, key: Sequence[InstrumentedAttribute], by: InstrumentedAttribute
) -> ColumnElement[bool]:
    """Return a WHERE condition: no row of model with the same key has a higher `by`."""
    newer = aliased(model)
    return ~exists().where(
        *(getattr(newer, column.key) == column for column in key),
        getattr(newer, by.key) > by,
    )


def latest(
    model: type, *, key: Sequence[InstrumentedAttribute], by: InstrumentedAttribute
) -> Select:
    """Select the current row of model for each key (filter it further as needed)."""
    return select(model).where(is_latest(model, key=key, by=by))
