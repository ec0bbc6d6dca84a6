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

from typing import Any

from sqlalchemy import Select, literal
from sqlalchemy.orm import Session

from app.consultation.models import Comment
from app.drafting.models import VersionEntry
from app.pagination import Page, decode, encode

WHOLE_DRAFT = -1
_KINDS = [int, int]


def _whole(query: Select, forward: bool, after_id: int | None) -> Select:
    query = query.add_columns(literal(WHOLE_DRAFT).label("clause_ordinal")).where(
        Comment.clause_id.is_(None)
    )
    if after_id is not None:
        query = query.where(Comment.id > after_id if forward else Comment.id < after_id)
    return query.order_by(Comment.id if forward else Comment.id.desc())


def _entries(
    query: Select,
    version_id: int,
    forward: bool,
    *,
    ordinal: int | None = None,
    beyond: int | None = None,
    after_id: int | None = None,
) -> Select:
    """Comments of the clause at `ordinal` (after `after_id`), or of the clauses beyond `beyond`."""
    query = query.join(
        VersionEntry,
        (VersionEntry.clause_id == Comment.clause_id) & (VersionEntry.version_id == version_id),
    ).add_columns(VersionEntry.ordinal.label("clause_ordinal"))
    if ordinal is not None:
        query = query.where(VersionEntry.ordinal == ordinal)
    if beyond is not None:
        query = query.where(
            VersionEntry.ordinal > beyond if forward else VersionEntry.ordinal < beyond
        )
    if after_id is not None:
        query = query.where(Comment.id > after_id if forward else Comment.id < after_id)
    if forward:
        return query.order_by(VersionEntry.ordinal, Comment.id)
    return query.order_by(VersionEntry.ordinal.desc(), Comment.id.desc())


def _statements(query: Select, version_id: int, forward: bool, cursor: list[int] | None):
    """The segment statements of a page, in page order, each to be read until the page is full."""
    if forward:
        if cursor is None:
            yield _whole(query, True, None)
            yield _entries(query, version_id, True, beyond=WHOLE_DRAFT)
            return
        ordinal, after_id = cursor
        if ordinal == WHOLE_DRAFT:
            yield _whole(query, True, after_id)
        else:
            yield _entries(query, version_id, True, ordinal=ordinal, after_id=after_id)
        yield _entries(query, version_id, True, beyond=ordinal)
        return
    if cursor is None:  # the last page
        yield _entries(query, version_id, False, beyond=2**31 - 1)
        yield _whole(query, False, None)
        return
    ordinal, before_id = cursor
    if ordinal == WHOLE_DRAFT:
        yield _whole(query, False, before_id)
        return
    yield _entries(query, version_id, False, ordinal=ordinal, after_id=before_id)
    yield _entries(query, version_id, False, beyond=ordinal)
    yield _whole(query, False, None)


def clause_order_page(
    session: Session,
    query: Select,
    version_id: int,
    *,
    after: str | None = None,
    before: str | None = None,
    limit: int = 100,
) -> Page:
    """Return a page of `query`'s rows (Comment first) in clause order, then comment id.

    `query` selects Comment (and any other columns) with its joins and filters;
    each row of the page gets the clause's ordinal (-1: the whole draft) as its
    last column. Cursors work as in `app.pagination.paginate`, "last" included.
    """
    forward = before is None
    raw = after if forward else before
    last = raw == "last"
    if last:
        forward = False
    cursor = decode(raw, _KINDS) if raw and not last else None
    rows: list[Any] = []
    for statement in _statements(query, version_id, forward, cursor):
        rows += session.execute(statement.limit(limit + 1 - len(rows))).all()
        if len(rows) > limit:
            break
    more = len(rows) > limit
    rows = rows[:limit]
    if not forward:
        rows.reverse()
    page = Page(rows, last=last)
    if rows:
        first_key = encode([rows[0][-1], rows[0][0].id])
        last_key = encode([rows[-1][-1], rows[-1][0].id])
        if forward:
            page.next_cursor = last_key if more else None
            page.prev_cursor = first_key if raw else None
        else:
            page.prev_cursor = first_key if more else None
            page.next_cursor = None if last else last_key
    return page


__all__ = ["WHOLE_DRAFT", "clause_order_page"]
