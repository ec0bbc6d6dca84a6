"""Keyset pages of a round's comments in clause order, without sorting the round.

The record and the synopsis list a round's comments clause by clause (the
draft as a whole first), and within a clause by comment id. Ordering the
joined rows by `(version_entry.ordinal, comment.id)` in one statement makes
SQLite sort the whole round before it takes a page. Read as *segments*
instead, every statement walks an index in page order and stops at the
page's end:

- the whole-draft segment: the round's comments without a clause, through
  `ix_comment_clause_id` (`clause_id IS NULL`), by id;
- the rest of the segment the cursor is in: `clause_id = ?  AND id > ?`;
- the following segments: `version_entry (version_id, ordinal)` from the
  cursor's ordinal on, each clause's comments through `ix_comment_clause_id`.

A page is at most three such statements. The cursor is `(ordinal, comment
id)`, the whole draft being ordinal -1. Every comment of the round is on a
clause of the round's version (comments are refused on other clauses), so
the segments cover the round exactly once.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Select, literal
from sqlalchemy.orm import Session

from app.consultation.models import Comment
from app.drafting.models import VersionEntry
from app.pagination import Page, decode, encode

WHOLE_DRAFT = -1
_KINDS = [int, int]


def _whole(query: Select, keys: tuple, forward: bool, after_id: int | None) -> Select:
    clause_id, comment_id = keys
    query = query.add_columns(literal(WHOLE_DRAFT).label("clause_ordinal")).where(
        clause_id.is_(None)
    )
    if after_id is not None:
        query = query.where(comment_id > after_id if forward else comment_id < after_id)
    return query.order_by(comment_id if forward else comment_id.desc())


def _entries(
    query: Select,
    keys: tuple,
    version_id: int,
    forward: bool,
    *,
    ordinal: int | None = None,
    beyond: int | None = None,
    after_id: int | None = None,
) -> Select:
    """Comments of the clause at `ordinal` (after `after_id`), or of the clauses beyond `beyond`."""
    clause_id, comment_id = keys
    query = query.join(
        VersionEntry,
        (VersionEntry.clause_id == clause_id) & (VersionEntry.version_id == version_id),
    ).add_columns(VersionEntry.ordinal.label("clause_ordinal"))
    if ordinal is not None:
        query = query.where(VersionEntry.ordinal == ordinal)
    if beyond is not None:
        query = query.where(
            VersionEntry.ordinal > beyond if forward else VersionEntry.ordinal < beyond
        )
    if after_id is not None:
        query = query.where(comment_id > after_id if forward else comment_id < after_id)
    if forward:
        return query.order_by(VersionEntry.ordinal, comment_id)
    return query.order_by(VersionEntry.ordinal.desc(), comment_id.desc())


def _statements(
    query: Select, keys: tuple, version_id: int, forward: bool, cursor: list[int] | None
):
    """The segment statements of a page, in page order, each to be read until the page is full."""
    whole = functools.partial(_whole, query, keys)
    entries = functools.partial(_entries, query, keys, version_id)
    if forward:
        if cursor is None:
            yield whole(True, None)
            yield entries(True, beyond=WHOLE_DRAFT)
            return
        ordinal, after_id = cursor
        if ordinal == WHOLE_DRAFT:
            yield whole(True, after_id)
        else:
            yield entries(True, ordinal=ordinal, after_id=after_id)
        yield entries(True, beyond=ordinal)
        return
    if cursor is None:  # the last page
        yield entries(False, beyond=2**31 - 1)
        yield whole(False, None)
        return
    ordinal, before_id = cursor
    if ordinal == WHOLE_DRAFT:
        yield whole(False, before_id)
        return
    yield entries(False, ordinal=ordinal, after_id=before_id)
    yield entries(False, beyond=ordinal)
    yield whole(False, None)


def _comment_id(first: Any) -> int:
    return first if isinstance(first, int) else first.id


def clause_order_page(
    session: Session,
    query: Select,
    version_id: int,
    *,
    after: str | None = None,
    before: str | None = None,
    limit: int = 100,
    keys: tuple = (Comment.clause_id, Comment.id),
) -> Page:
    """Return a page of `query`'s rows (Comment first) in clause order, then comment id.

    `query` selects Comment, or the comment's id first (and any other columns), with
    its joins and filters; each row of the page gets the clause's ordinal (-1: the whole
    draft) as its last column. Cursors work as in `app.pagination.paginate`, "last"
    included. `keys`: the (clause id, comment id) columns the segments filter and order
    on — comment_state's, for a query driven from the read model's index.
    """
    forward = before is None
    raw = after if forward else before
    last = raw == "last"
    if last:
        forward = False
    cursor = decode(raw, _KINDS) if raw and not last else None
    rows: list[Any] = []
    for statement in _statements(query, keys, version_id, forward, cursor):
        rows += session.execute(statement.limit(limit + 1 - len(rows))).all()
        if len(rows) > limit:
            break
    more = len(rows) > limit
    rows = rows[:limit]
    if not forward:
        rows.reverse()
    page = Page(rows, last=last)
    if rows:
        first_key = encode([rows[0][-1], _comment_id(rows[0][0])])
        last_key = encode([rows[-1][-1], _comment_id(rows[-1][0])])
        if forward:
            page.next_cursor = last_key if more else None
            page.prev_cursor = first_key if raw else None
        else:
            page.prev_cursor = first_key if more else None
            page.next_cursor = None if last else last_key
    return page


__all__ = ["WHOLE_DRAFT", "clause_order_page"]
