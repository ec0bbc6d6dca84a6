"""Keyset pagination: pages of a growing list that cost the same on page 1 and page 1,000.

A page is found by comparing the sort key with the key of the last (or
first) row of the neighbouring page, never by OFFSET; the cursor in the URL
is that key, opaque to readers.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, literal, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from app.errors import ValidationError


@dataclass
class Page:
    """One page of rows and the cursors of the pages around it."""

    items: list[Any] = field(default_factory=list)
    next_cursor: str | None = None
    prev_cursor: str | None = None
    last: bool = False  # this is the last page (asked for with cursor "last")

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_prev(self) -> bool:
        return self.prev_cursor is not None


def encode(values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, dt.datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def decode(cursor: str, kinds: Sequence[type]) -> list[Any]:
    """Read a cursor back into key values of the given kinds (int, str, float, datetime)."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(kinds):
            raise ValueError
        values = []
        for value, kind in zip(raw, kinds, strict=True):
            if value is None:
                values.append(None)
            elif kind is dt.datetime:
                values.append(dt.datetime.fromisoformat(value).astimezone(dt.UTC))
            elif kind is float:
                values.append(float(value))
            elif not isinstance(value, kind):
                raise ValueError
            else:
                values.append(value)
        return values
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        raise ValidationError(
            _("This page link is not valid; start again from the first page.")
        ) from None


def _beyond(keys: Sequence[ColumnElement], values: Sequence[Any], forward: bool):
    """Rows strictly after (forward) or before the given key, for ascending keys.

    A row-value comparison, which SQLite and PostgreSQL both answer with an
    index range scan.
    """
    row = tuple_(*keys)
    key = tuple_(*(literal(v, k.type) for k, v in zip(keys, values, strict=True)))
    return row > key if forward else row < key


def paginate(
    session: Session,
    query: Select,
    keys: Sequence[ColumnElement | InstrumentedAttribute],
    key_of,
    kinds: Sequence[type],
    *,
    after: str | None = None,
    before: str | None = None,
    limit: int = 50,
    scalars: bool = False,
) -> Page:
    """Return the page after `after`, before `before`, the first, or the last ("last").

    `keys` are the ascending sort columns (unique together, no NULLs),
    `key_of(row)` gives a row's values for them.
    """
    forward = before is None
    cursor = after if forward else before
    last = cursor == "last"
    if last:
        forward = False
    q = query
    if cursor and not last:
        q = q.where(_beyond(keys, decode(cursor, kinds), forward))
    q = q.order_by(*(k if forward else k.desc() for k in keys)).limit(limit + 1)
    result = session.scalars(q) if scalars else session.execute(q)
    rows = list(result.unique() if scalars else result)
    more = len(rows) > limit
    rows = rows[:limit]
    if not forward:
        rows.reverse()
    page = Page(rows, last=last)
    if rows:
        first_key, last_key = encode(key_of(rows[0])), encode(key_of(rows[-1]))
        if forward:
            page.next_cursor = last_key if more else None
            page.prev_cursor = first_key if cursor else None
        else:
            page.prev_cursor = first_key if more else None
            page.next_cursor = None if last else last_key
    return page
