"""The Whoosh index on disk: batched writes, their merges, readers that reuse open segments."""

from __future__ import annotations

import time
from collections.abc import Iterable
from itertools import accumulate

from whoosh import index
from whoosh import query as wq
from whoosh.codec import whoosh3
from whoosh.highlight import Formatter, get_text
from whoosh.matching import AndNotMatcher
from whoosh.reading import EmptyReader, MultiReader, SegmentReader
from whoosh.searching import Searcher
from whoosh.writing import CLEAR

from app.search.query import MARK_END, MARK_START
from app.search.whoosh_schema import whoosh_document

# whoosh-reloaded 2.7.5 decodes each posting block's document numbers (running sums
# of gaps) with a Python generator, a third of a filtered search's time at 100,000
# documents; itertools.accumulate gives the same numbers in C. It is the only use of
# delta_decode in the codec module.
whoosh3.delta_decode = accumulate


def _cached_reader(self, fieldname, column):
    """W3PerDocReader._cached_reader, remembering that a column is absent too.

    Whoosh asked the file system again for every posting of a field without
    lengths (IDs, `words`): writing a segment spent a fifth of its time in stat().
    A segment's files never change once written.
    """
    try:
        return self._readers[fieldname]
    except KeyError:
        pass
    reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
    self._readers[fieldname] = reader
    return reader


whoosh3.W3PerDocReader._cached_reader = _cached_reader

LOCK_TIMEOUT = 30.0
TIER = 10  # segments of one size class (1-9, 10-99, 100-999 … documents) merged together


def merge_tiers(writer, segments):
    """A Whoosh merge policy: merge the segments of a size class once it has TIER of them.

    Each indexer commit writes a small segment. Whoosh's MERGE_SMALL merged the
    smallest segments together every few commits, the merged one again with the
    next few, and so on: a quarter of the indexer's CPU. Here a document is
    rewritten once per size class it climbs (a few times in all), and the
    segments stay few (at most TIER - 1 per class). The rebuild's large segment is
    merged only with TIER - 1 others of its size: never, in practice.
    """
    classes: dict[int, list] = {}
    for segment in segments:
        classes.setdefault(len(str(segment.doc_count_all())), []).append(segment)
    merged = [s for group in classes.values() if len(group) >= TIER for s in group]
    for segment in merged:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [s for s in segments if s not in merged]


class MarkerFormatter(Formatter):
    """Mark matched words with private-use characters; templates turn them into <mark>."""

    between = " … "

    def format_token(self, text, token, replace=False):
        return f"{MARK_START}{get_text(text, token, replace)}{MARK_END}"


class WhooshBatch:
    """Collect writes so the last one per key wins.

    Whoosh's update_document replaces committed documents only: two updates of one
    key inside one writer would leave both. Pending writes are flushed (committed)
    every FLUSH_EVERY keys, after which the next writer replaces them properly.
    A rebuild (fresh) writes straight into one writer, whose pools spill to disk,
    and commits once: old segments dropped, the new index merged into one segment,
    so the first incremental commits after it do not start large merges.
    """

    FLUSH_EVERY = 5000
    POOL_MB = 128  # a writer's posting pool in memory; past it, sorted runs go to disk

    def __init__(self, index_, fresh: bool, searcher_of=None) -> None:
        self.index = index_
        self.fresh = fresh
        self.searcher_of = searcher_of  # this thread's kept searcher, to find what to replace
        self.pending: dict[str, dict | None] = {}
        self.writer = self._writer() if fresh else None

    def _writer(self):
        storage = self.index.storage
        storage.spill = self.fresh  # a rebuild's pool spills to disk (IndexStorage)
        try:
            return self.index.writer(timeout=LOCK_TIMEOUT, delay=0.05, limitmb=self.POOL_MB)
        finally:
            storage.spill = False

    def write(self, deletes: Iterable[str], documents: Iterable[dict]) -> None:
        if self.writer is not None:
            for doc in documents:
                self.writer.add_document(**whoosh_document(doc))  # keys unique in a rebuild
            return
        for key in deletes:
            self.pending[key] = None
        for doc in documents:
            self.pending[doc["key"]] = whoosh_document(doc)
        if len(self.pending) >= self.FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        writer = self._writer()
        if self.searcher_of is not None:
            self._lend_searcher(writer)
        try:
            for key, doc in self.pending.items():
                if doc is None:
                    writer.delete_by_term("key", key)
                else:
                    writer.update_document(**doc)
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=merge_tiers)
        self.pending.clear()

    def _lend_searcher(self, writer) -> None:
        """Let the writer look up the documents it replaces with the kept searcher.

        Otherwise every writer opens every segment afresh (0.3-2 s for the
        100,000-comment one) just to find that a new comment replaces nothing.
        Lent only when the kept searcher reads exactly the writer's segments.
        """
        reader = self.searcher_of().reader()
        mine = [getattr(r, "segment", lambda: None)() for r, _ in reader.leaf_readers()]
        if [(s.segment_id(), s.deleted_count()) for s in mine if s is not None] != [
            (s.segment_id(), s.deleted_count()) for s in writer.segments
        ] or (None in mine and writer.segments):
            return
        lent = Searcher(reader)
        lent.close = lent._orig_close = lambda: None  # the readers stay the kept searcher's
        writer._searcher = lent

    def finish(self) -> None:
        if self.writer is not None:
            self.writer.commit(mergetype=CLEAR, optimize=True)
            self.writer = None
        self.flush()

    def cancel(self) -> None:
        if self.writer is not None:
            self.writer.cancel()
            self.writer = None


def open_reader(ix: index.Index, old):
    """Open the newest index (see _open_reader), retrying when a commit removes a file.

    The indexer's commit deletes merged segments' files; a reader that read the
    table of contents just before finds one gone. Whoosh's own reader retries too.
    """
    for attempt in range(10):
        try:
            return _open_reader(ix, old)
        except FileNotFoundError:
            if attempt == 9:
                raise
            time.sleep(0.05)
    raise AssertionError("unreachable")


def _open_reader(ix: index.Index, old):
    """Open the newest index, reusing the old reader's unchanged segments.

    Opening the 100,000-comment segment takes 0.3 to 2 s, so a searcher must not
    reopen it after every small commit of the indexer. Not Searcher.refresh():
    whoosh-reloaded 2.7.5 adds every old segment to the new list (a rebuild's
    dropped segment was read beside the new one: every count doubled) and reuses
    a segment whose deletions changed.
    """
    toc = ix._read_toc()
    reusable = {}
    if old is not None:
        for reader, _offset in old.leaf_readers():
            segment = reader.segment() if hasattr(reader, "segment") else None
            if segment is not None:
                reusable[segment.segment_id()] = reader
    readers = []
    for segment in toc.segments:
        reader = reusable.pop(segment.segment_id(), None)
        if reader is None or reader.segment().deleted_count() != segment.deleted_count():
            reader = SegmentReader(ix.storage, toc.schema, segment, generation=toc.generation)
        readers.append(reader)
    if not readers:
        return EmptyReader(toc.schema)
    if len(readers) == 1:
        return readers[0]
    return MultiReader(readers, generation=toc.generation)


class ExactAndNotMatcher(AndNotMatcher):
    """Whoosh's AndNotMatcher, without its first-match bug.

    Whoosh skips the excluded matcher to the first candidate only when both start
    on the same document, so a first candidate that the exclusion reaches later
    (say documents 0 and 1 excluded, the text first found in 1) was kept.
    """

    def _find_first(self):
        if self.a.is_active() and self.b.is_active():
            self._find_next()


class AndNot(wq.AndNot):
    """a ANDNOT b with ExactAndNotMatcher."""

    def matcher(self, searcher, context=None):
        return ExactAndNotMatcher(
            self.a.matcher(searcher, context), self.b.matcher(searcher, searcher.boolean_context())
        )
