"""The embedded engine: one Whoosh index on disk, written only by the indexer."""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.orm import Session
from whoosh import index
from whoosh import query as wq
from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemmingAnalyzer
from whoosh.fields import BOOLEAN, ID, NUMERIC, STORED, TEXT, Schema
from whoosh.highlight import ContextFragmenter, Formatter, get_text, highlight
from whoosh.reading import EmptyReader, MultiReader, SegmentReader
from whoosh.searching import Searcher
from whoosh.writing import CLEAR

from app.database import Database
from app.search.documents import AFTER_CLOSE, PUBLIC
from app.search.query import (
    FACETS,
    MARK_END,
    MARK_START,
    FacetValue,
    Hit,
    Item,
    SearchRequest,
    SearchResults,
    Snippet,
    Viewer,
    capped_results,
    segments,
)

log = logging.getLogger(__name__)
TEXT_FIELDS = ("heading", "body", "proposed", "response")
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
        heading=TEXT(analyzer=stemming, stored=True, field_boost=2.0),
        body=TEXT(analyzer=stemming, stored=True),
        proposed=TEXT(analyzer=stemming, stored=True),
        response=TEXT(analyzer=stemming, stored=True),
        # Unstemmed words, for did-you-mean.
        words=TEXT(analyzer=RegexTokenizer() | LowercaseFilter()),
        title=STORED(),
        receipt=STORED(),
        comment_id=STORED(),
    )


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
                self.writer.add_document(**doc)  # keys are unique within a rebuild
            return
        for key in deletes:
            self.pending[key] = None
        for doc in documents:
            self.pending[doc["key"]] = doc
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


class WhooshEngine:
    name = "whoosh"

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self._index: index.Index | None = None
        self._local = threading.local()

    # --- the index on disk ----------------------------------------------------------------

    def _open(self) -> index.Index:
        if self._index is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            if index.exists_in(str(self.directory)):
                self._index = index.open_dir(str(self.directory))
                if set(self._index.schema.names()) != set(schema().names()):
                    log.warning("search index has an older schema: run `flask search rebuild`")
                    self._index = index.create_in(str(self.directory), schema())
            else:
                self._index = index.create_in(str(self.directory), schema())
        return self._index

    def _searcher(self):
        """This thread's searcher, reused until the index changes.

        Opening a searcher reads the table of contents and opens every segment;
        a search only checks the index generation and refreshes when it moved.
        """
        current = getattr(self._local, "searcher", None)
        if current is not None and current.up_to_date():
            return current
        ix = self._open()
        fresh = Searcher(self._reader(ix, current.reader() if current else None), fromindex=ix)
        self._local.searcher = fresh
        return fresh

    @staticmethod
    def _reader(ix: index.Index, old):
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

    @contextmanager
    def batch(self, db: Database, *, clear: bool = False) -> Iterator[WhooshBatch]:
        batch = WhooshBatch(self._open(), clear, None if clear else self._searcher)
        try:
            yield batch
        except BaseException:
            batch.cancel()
            raise
        batch.finish()

    @contextmanager
    def writer_lock(self, db: Database, *, wait: bool = False) -> Iterator[bool]:
        """Hold the file lock next to the index: one writing process per machine."""
        path = self.directory
        path.mkdir(parents=True, exist_ok=True)
        with open(path / "indexer.lock", "a+b") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def document_count(self, session: Session) -> int:
        return self._open().doc_count()

    def dump(self, session: Session) -> list[dict]:
        """Return every stored document, sorted by key (tests compare rebuilds with this)."""
        with self._open().searcher() as searcher:
            return sorted((dict(fields) for fields in searcher.all_stored_fields()), key=str)

    # --- queries -----------------------------------------------------------------------------

    def _item_query(self, ix, item: Item) -> wq.Query | None:
        per_field = []
        for name in TEXT_FIELDS:
            analyzer = ix.schema[name].analyzer
            if item.kind == "prefix":
                stems = {item.text} | {t.text for t in analyzer(item.text)}
                per_field.append(wq.Or([wq.Prefix(name, stem) for stem in sorted(stems)]))
                continue
            tokens = [t.text for t in analyzer(item.text)]
            if not tokens:
                return None  # only stop words
            if len(tokens) == 1:
                per_field.append(wq.Term(name, tokens[0]))
            else:
                per_field.append(wq.Phrase(name, tokens))
        return wq.Or(per_field)

    def _text_query(self, ix, items: list[Item]) -> wq.Query | None:
        """Compile query items; ix is a searcher (its schema: FileIndex.schema reads the TOC)."""
        groups: list[list[wq.Query]] = []
        excluded: list[wq.Query] = []
        for item in items:
            q = self._item_query(ix, item)
            if q is None:
                continue
            if item.negated:
                excluded.append(q)
            elif item.or_previous and groups:
                groups[-1].append(q)
            else:
                groups.append([q])
        if not groups:
            return None
        positive = wq.And([wq.Or(g) if len(g) > 1 else g[0] for g in groups])
        if excluded:
            return wq.AndNot(positive, wq.Or(excluded))
        return positive

    @staticmethod
    def _access(searcher, viewer: Viewer, now: dt.datetime) -> wq.Query | None:
        if viewer.staff:
            return None
        if not searcher.doc_frequency("access", AFTER_CLOSE):
            return wq.Term("access", PUBLIC)
        # Public documents have public_from 0: starting the range at 1 keeps it to the
        # after-close comments (a range over every document costs a second at 100,000).
        return wq.Or(
            [
                wq.Term("access", PUBLIC),
                wq.And(
                    [
                        wq.Term("access", AFTER_CLOSE),
                        wq.NumericRange("public_from", 1, int(now.timestamp())),
                    ]
                ),
            ]
        )

    @staticmethod
    def _field(name: str, viewer: Viewer) -> str:
        field = FACETS[name]
        if field == "decision" and not viewer.staff:
            return "public_decision"  # the public knows decisions once the synopsis is out
        return field

    def search(
        self,
        session: Session,
        viewer: Viewer,
        request: SearchRequest,
        now: dt.datetime,
        *,
        facets: bool = True,
    ) -> SearchResults:
        """Rank, count and facet at most cap + 1 matches, in index order.

        Whoosh is pure Python: collecting every match of a word found in a third
        of 100,000 comments (scoring each, then counting facets for each) took
        over a second. Here the matcher stops after cap + 1 matches; facet values
        come from the stored columns of those documents only, and only the
        page's hits are highlighted.
        """
        searcher = self._searcher()
        text_query = self._text_query(searcher, request.items)
        if text_query is None:
            return SearchResults(request, [], 0, {})
        conditions = [self._access(searcher, viewer, now)] + [
            wq.Term(self._field(name, viewer), value)
            for name, value in request.filters.items()
            if name in FACETS
        ]
        # Conditions join the text query (not Whoosh's filter=, which lists every
        # document a condition admits on each search) through Require: only the text
        # scores. (ConstantScoreQuery listed every id its condition admits, too.)
        conditions = [c for c in conditions if c is not None]
        query = wq.Require(text_query, wq.And(conditions)) if conditions else text_query
        found = self._collect(searcher, query, request.cap + 1)
        matched, found = len(found), found[: request.cap]  # one more tells there are more
        counts = self._facet_counts(searcher, viewer, [d for _, d in found]) if facets else {}
        found.sort(key=lambda pair: (-pair[0], pair[1]))
        page = found[request.offset : request.offset + request.per_page]
        positive = self._text_query(searcher, [i for i in request.items if not i.negated])
        terms = self._highlight_terms(searcher.reader(), positive)
        hits = [self._hit(searcher, docnum, score, terms, viewer) for score, docnum in page]
        return capped_results(request, hits, matched, counts)

    @staticmethod
    def _highlight_terms(reader, query: wq.Query) -> set[tuple[str, str]]:
        """The (field, word) pairs to mark, prefixes expanded to the words in the index.

        Not Query.existing_terms(): it reuses its fieldname argument as a loop
        variable, so after the first leaf it skips every other field.
        """
        found = set()
        for leaf in query.leaves():
            for name, word in leaf.expanded_terms(reader, phrases=True):
                if name in TEXT_FIELDS and (name, word) in reader:
                    found.add((name, word if isinstance(word, str) else word.decode("utf-8")))
        return found

    @staticmethod
    def _collect(searcher, query: wq.Query, most: int) -> list[tuple[float, int]]:
        """Return (score, docnum) of the first `most` matches, in index order."""
        found: list[tuple[float, int]] = []
        context = searcher.context()
        for leaf, offset in searcher.leaf_searchers():
            matcher = query.matcher(leaf, context)
            while matcher.is_active() and len(found) < most:
                found.append((matcher.score(), offset + matcher.id()))
                matcher.next()
            if len(found) >= most:
                break
        return found

    def _facet_counts(self, searcher, viewer: Viewer, docnums: list[int]) -> dict:
        counts: dict[str, list[FacetValue]] = {}
        if not docnums:
            return counts
        reader = searcher.reader()
        for name in FACETS:
            # Raw column values (bytes), decoded once per distinct value.
            column = reader.column_reader(self._field(name, viewer), translate=False)
            tally = Counter(column[docnum] for docnum in docnums)
            counts[name] = [
                FacetValue(value.decode("utf-8"), n) for value, n in tally.items() if value
            ]
        return counts

    def _hit(self, searcher, docnum: int, score: float, terms, viewer: Viewer) -> Hit:
        stored = searcher.stored_fields(docnum)
        snippets = []
        for name in ("body", "proposed", "response", "heading"):
            if not stored.get(name):
                continue
            words = {word for field, word in terms if field == name}
            marked = words and highlight(
                stored[name],
                words,
                searcher.schema[name].analyzer,
                ContextFragmenter(maxchars=240, surround=70),
                MarkerFormatter(),
                top=2,
            )
            if marked:
                snippets.append(Snippet(name, segments(marked)))
        if not snippets and stored.get("body"):
            snippets.append(Snippet("body", [(stored["body"][:240], False)]))
        return Hit(
            kind=stored["kind"],
            key=stored["key"],
            standard=stored["standard"],
            version=stored["version"],
            clause_uid=stored["clause"],
            title=stored.get("title", ""),
            snippets=snippets,
            comment_id=stored.get("comment_id") or None,
            round_id=int(stored["round"]) if stored.get("round") else None,
            receipt=stored.get("receipt", ""),
            hidden=bool(stored.get("hidden")) and viewer.staff,
            score=score or 0.0,
        )

    # --- spelling -----------------------------------------------------------------------------

    def known(self, session: Session, word: str) -> bool:
        return self._searcher().doc_frequency("words", word) > 0

    def candidates(self, session: Session, word: str) -> list[str]:
        return list(self._searcher().corrector("words").suggest(word, limit=5))
