"""Exact Whoosh phrases of three or more words, on the positions of the `pairs` field.

The `pairs` field holds every two neighbouring stemmed words of `text` at the
position of the first: "spent pot lining" is `spent pot` at p and `pot lining`
at p + 1. A phrase of n words is therefore its n - 1 pairs, each one position
after the other. The pairs' posting lists are short (a pair is rarer than either
word), so they are intersected first; for each document they share, the pairs'
positions are compared as sets.

Whoosh's own `Phrase` (a `SpanNear2` over the words' posting lists) did the same
with span objects per position and walked the words' long lists: 30 ms of CPU
for "spent pot lining" at 100,000 comments.
"""

from __future__ import annotations

from whoosh import matching
from whoosh import query as wq
from whoosh.matching.wrappers import WrappingMatcher
from whoosh.util import make_binary_tree


class Run(wq.Query):
    """Documents holding the pairs one after the other, scored as the pairs' terms."""

    def __init__(self, fieldname: str, pairs: list[str]) -> None:
        self.fieldname = fieldname
        self.pairs = list(pairs)
        self.boost = 1.0

    def __eq__(self, other) -> bool:
        return (
            type(other) is type(self)
            and other.fieldname == self.fieldname
            and other.pairs == self.pairs
        )

    def __hash__(self) -> int:
        return hash((self.fieldname, tuple(self.pairs)))

    def __repr__(self) -> str:
        return f"Run({self.fieldname!r}, {self.pairs!r})"

    def has_terms(self) -> bool:
        return True

    def terms(self, phrases: bool = False):
        for pair in self.pairs:
            yield (self.fieldname, pair)

    def estimate_size(self, ixreader) -> int:
        return min(ixreader.doc_frequency(self.fieldname, pair) for pair in self.pairs)

    def matcher(self, searcher, context=None):
        reader = searcher.reader()
        leaves = []
        for pair in self.pairs:
            if (self.fieldname, pair) not in reader:
                return matching.NullMatcher()  # a pair found nowhere: no run either
            leaves.append(wq.Term(self.fieldname, pair).matcher(searcher, context))
        # The rarest pair leads the intersection; the positions are compared in order.
        by_size = sorted(
            range(len(leaves)), key=lambda i: reader.doc_frequency(self.fieldname, self.pairs[i])
        )
        child = make_binary_tree(matching.IntersectionMatcher, [leaves[i] for i in by_size])
        return RunMatcher(child, leaves)


class RunMatcher(WrappingMatcher):
    """The child's documents in which leaf k holds a position p + k for some p."""

    def __init__(self, child, leaves) -> None:
        super().__init__(child)
        self.leaves = leaves
        self._seek()

    def _in_run(self) -> bool:
        leaves = self.leaves
        starts = set(leaves[0].value_as("positions"))
        for k in range(1, len(leaves)):
            starts.intersection_update([p - k for p in leaves[k].value_as("positions")])
            if not starts:
                return False
        return True

    def _seek(self) -> None:
        child = self.child
        while child.is_active() and not self._in_run():
            child.next()

    def next(self) -> None:
        self.child.next()
        self._seek()

    def skip_to(self, id) -> None:
        self.child.skip_to(id)
        self._seek()

    def all_ids(self):
        while self.is_active():
            yield self.id()
            self.next()

    def copy(self):
        raise NotImplementedError("a run matcher is walked once")

    def replace(self, minquality=0):
        return self if self.is_active() else matching.NullMatcher()

    def supports_block_quality(self) -> bool:
        return False
