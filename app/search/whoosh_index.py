"""The Whoosh index on disk: schema, batched writes, readers that reuse open segments."""

from __future__ import annotations

import time
from collections.abc import Iterable
from itertools import accumulate

from whoosh import index
from whoosh import query as wq
from whoosh.analysis import BiWordFilter, LowercaseFilter, RegexTokenizer, StemmingAnalyzer
from whoosh.codec import whoosh3
from whoosh.fields import BOOLEAN, ID, NUMERIC, STORED, TEXT, Schema
from whoosh.highlight import Formatter, get_text
from whoosh.matching import AndNotMatcher
from whoosh.reading import EmptyReader, MultiReader, SegmentReader
from whoosh.searching import Searcher
from whoosh.writing import CLEAR

from app.search.query import MARK_END, MARK_START

# whoosh-reloaded 2.7.5 decodes each posting block's document numbers (running sums
# of gaps) with a Python generator, a third of a filtered search's time at 100,000
# documents; itertools.accumulate gives the same numbers in C. It is the only use of
# delta_decode in the codec module.
whoosh3.delta_decode = accumulate

TEXT_FIELDS = ("heading", "body", "proposed", "response")  # stored, for snippets
LOCK_TIMEOUT = 30.0


def _facet() -> ID:
    return ID(stored=True, sortable=True)


def schema() -> Schema:
    stemming = StemmingAnalyzer()
    return Schema(
        key=ID(unique=True, stored=True),
        kind=_facet(),
        access=ID(),
        public_from=NUMERIC(bits=64, signed=True),
        hidden=BOOLEAN(stored=True),
        standard=_facet(),
        version=_facet(),
        round=_facet(),
        clause=_facet(),
        clause_kind=_facet(),
        stakeholder=_facet(),
        comment_type=_facet(),
        decision=_facet(),
        public_decision=_facet(),
        # One field to match (a word looked up once, not in four fields); the heading
        # is written twice into it, so a clause whose heading matches ranks higher.
        text=TEXT(analyzer=stemming),
        # Each pair of neighbouring words of `text`: a two-word phrase is one term here,
        # not a walk of two posting lists comparing positions document by document.
        pairs=TEXT(analyzer=StemmingAnalyzer() | BiWordFilter(sep=" "), phrase=False),
        heading=STORED(),
        body=STORED(),
        proposed=STORED(),
        response=STORED(),
        # Unstemmed words, for did-you-mean.
        words=TEXT(analyzer=RegexTokenizer() | LowercaseFilter()),
        title=STORED(),
        receipt=STORED(),
        comment_id=STORED(),
    )


def whoosh_document(doc: dict) -> dict:
    """The engine-neutral document with the combined `text` field Whoosh matches on.

    Phrases may run from one part into the next (as in PostgreSQL's concatenated
    tsvector); the parts are separated by a line break only.
    """
    heading = doc.get("heading", "")
    parts = (heading, heading, *(doc.get(name, "") for name in ("body", "proposed", "response")))
    text = "\n".join(p for p in parts if p)
    return {**doc, "text": text, "pairs": text}


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

    def __init__(self, index_, fresh: bool, searcher_of=None) -> None:
        self.index = index_
        self.fresh = fresh
        self.searcher_of = searcher_of  # this thread's kept searcher, to find what to replace
        self.pending: dict[str, dict | None] = {}
        self.writer = self._writer() if fresh else None

    def _writer(self):
        return self.index.writer(timeout=LOCK_TIMEOUT, delay=0.05, limitmb=128)

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
        writer.commit()
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
