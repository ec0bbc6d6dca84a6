"""History is rows: the current state of a thing is its latest row."""

from __future__ import annotations

from sqlalchemy import exists
from sqlalchemy.orm import aliased


def is_latest(model, keys: tuple[str, ...], order: str):
    """A condition keeping only the latest row of `model` per key: no later row exists.

    An anti-join on the (key, order) index: it costs one index probe per row and
    works the same on SQLite and PostgreSQL, for one comment or a whole round,
    without ever listing ids. `model` may be an alias.
    """
    later = aliased(model)
    return ~exists().where(
        *(getattr(later, k) == getattr(model, k) for k in keys),
        getattr(later, order) > getattr(model, order),
    )
