"""Filters and visibility as document sets, cached on each segment reader.

Whoosh walks posting lists in Python, one document at a time. A filtered search
that joined its conditions as queries (Require, AndNot) walked every condition's
postings next to the text's: a stakeholder group of nine, a comment type of
three and the public's exclusions cost three walks per search. Here each
condition is read once per segment as a set of document numbers and kept on the
segment reader, which `open_reader` reuses until that segment changes (a commit
that adds, deletes in or merges it replaces the reader, and with it the cache).
A search then walks the text's matches only, skipping ahead to the next allowed
document (bisect over the sorted allowed set) and testing exclusions with set
lookups.
"""

from __future__ import annotations

import datetime as dt
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterable

from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher

from app.search.documents import AFTER_CLOSE, HIDDEN, PUBLIC, STAFF
from app.search.whoosh_schema import FACET_FIELDS, FACET_SEPARATOR

SEPARATOR = FACET_SEPARATOR.encode("utf-8")

CACHE_IDS = 400_000  # document numbers kept per segment reader (a few MB), oldest dropped
_KNOWN_ACCESS = {PUBLIC, STAFF, AFTER_CLOSE, HIDDEN}


class LeafSets:
    """The cached sets of one segment reader."""

    def __init__(self, reader) -> None:
        self.reader = reader
        self.sets: OrderedDict[object, frozenset[int] | list[int]] = OrderedDict()
        self.size = 0
        self.columns: dict[str, object] = {}

    def _keep(self, key, value):
        self.sets[key] = value
        self.size += len(value)
        while self.size > CACHE_IDS and len(self.sets) > 1:
            _, dropped = self.sets.popitem(last=False)
            self.size -= len(dropped)
        return value

    def _get(self, key):
        value = self.sets.get(key)
        if value is not None:
            self.sets.move_to_end(key)
        return value

    def term(self, field: str, value: str) -> frozenset[int]:
        """Document numbers (live or deleted: the text matcher skips deleted ones) of a term."""
        key = ("term", field, value)
        found = self._get(key)
        if found is None:
            ids: Iterable[int] = ()
            if (field, value) in self.reader:
                ids = self.reader.postings(field, value).all_ids()
            found = self._keep(key, frozenset(ids))
        return found

    def allowed(self, conditions: tuple[tuple[str, str], ...]) -> tuple[frozenset[int], list[int]]:
        """Documents meeting every (field, value) condition, as a set and sorted."""
        key = ("all", conditions)
        found = self._get(key)
        if found is None:
            sets = sorted((self.term(f, v) for f, v in conditions), key=len)
            both = sets[0].intersection(*sets[1:]) if sets else frozenset()
            found = self._keep(key, frozenset(both))
            self._keep(("sorted", conditions), sorted(both))
        ordered = self._get(("sorted", conditions))
        if ordered is None:
            ordered = self._keep(("sorted", conditions), sorted(found))
        return found, ordered

    def access_values(self) -> set[str]:
        found = self._get(("access",))
        if found is None:
            found = self._keep(("access",), frozenset(self.reader.field_terms("access")))
        return set(found)

    def column(self, field: str) -> tuple[array, list[bytes]]:
        """A facet of the segment: a value number per document, and the values.

        Read once per segment from the `facets` column (each document's facet values
        in FACET_FIELDS order); a search then counts its matches' values with
        C-speed lookups, not a read each.
        """
        column = self.columns.get(field)
        if column is None:
            rows, distinct = self._combined()
            at = FACET_FIELDS.index(field)
            numbers: dict[bytes, int] = {}
            # A value number per distinct combination, then per document (in C).
            of_row = [numbers.setdefault(_part(row, at), len(numbers)) for row in distinct]
            codes = array("I", map(of_row.__getitem__, rows))
            column = self.columns[field] = (codes, list(numbers))
        return column

    def _combined(self) -> tuple[array, list[bytes]]:
        """The `facets` column as a number per document and the distinct values."""
        found = self.columns.get("")
        if found is None:
            distinct: dict[bytes, int] = {}
            values = self.reader.column_reader("facets", translate=False)
            rows = array("I", (distinct.setdefault(v, len(distinct)) for v in values))
            found = self.columns[""] = (rows, list(distinct))
        return found


def _part(combined: bytes, at: int) -> bytes:
    parts = combined.split(SEPARATOR)
    return parts[at] if at < len(parts) else b""


def leaf_sets(reader) -> LeafSets:
    sets = getattr(reader, "_clausewise_sets", None)
    if sets is None:
        sets = LeafSets(reader)
        reader._clausewise_sets = sets
    return sets


def hidden_docs(leaf_searcher, sets: LeafSets, staff: bool, now: dt.datetime) -> frozenset[int]:
    """Documents of this segment the viewer may not see.

    Few: the working draft, hidden comments and after-close comments not yet
    public. Should the segment hold an access value this code does not know,
    every document not known to be visible is excluded (never shows too much).
    """
    if staff:
        return frozenset()
    reader = sets.reader
    present = sets.access_values()
    if not present <= _KNOWN_ACCESS:
        visible = sets.term("access", PUBLIC) | _after_close_public(leaf_searcher, now, True)
        return frozenset(range(reader.doc_count_all())) - visible
    hidden = sets.term("access", STAFF) | sets.term("access", HIDDEN)
    if AFTER_CLOSE in present:
        hidden = hidden | _after_close_public(leaf_searcher, now, False)
    return hidden


def _after_close_public(leaf_searcher, now: dt.datetime, public: bool) -> frozenset[int]:
    """After-close documents already public (public=True) or not yet (False), as of now."""
    moment = int(now.timestamp())
    when = (
        wq.NumericRange("public_from", 1, moment)
        if public
        else wq.NumericRange("public_from", moment + 1, None)
    )
    query = wq.And([wq.Term("access", AFTER_CLOSE), when])
    return frozenset(query.matcher(leaf_searcher, leaf_searcher.boolean_context()).all_ids())


def collect(matcher, allowed, ordered, hidden, most: int, found: list, leaf: tuple) -> None:
    """Append (score, offset + docnum, docnum, leaf) per match until `found` holds `most`.

    `leaf` is (offset, LeafSets) of the segment the matcher reads.

    With `allowed` (a set and the same numbers sorted), the matcher jumps to the
    next allowed document instead of walking every match of the text.
    """
    while matcher.is_active() and len(found) < most:
        docnum = matcher.id()
        if allowed is not None and docnum not in allowed:
            i = bisect_left(ordered, docnum)
            if i == len(ordered):
                return
            _skip(matcher, ordered[i])
            continue
        if docnum not in hidden:
            found.append((matcher.score(), leaf[0] + docnum, docnum, leaf))
        matcher.next()


def _skip(matcher, target: int) -> None:
    """matcher.skip_to(target); for a posting list, by bisection inside the block.

    Whoosh's W3LeafMatcher.skip_to steps through a block one posting at a time.
    """
    if type(matcher) is not W3LeafMatcher:
        matcher.skip_to(target)
        return
    if target > matcher._maxid:
        matcher._skip_to_block(lambda: target > matcher._maxid)
    if not matcher.is_active():
        return
    if matcher._ids is None:
        matcher._read_ids()
    matcher._i = max(matcher._i, bisect_left(matcher._ids, target, matcher._i))
