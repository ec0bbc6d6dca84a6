"""The embedded engine: one Whoosh index on disk, written only by the indexer."""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.orm import Session
from whoosh import index, sorting
from whoosh import query as wq
from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemmingAnalyzer
from whoosh.fields import BOOLEAN, ID, NUMERIC, STORED, TEXT, Schema
from whoosh.highlight import ContextFragmenter, Formatter, get_text
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

    def __init__(self, index_, fresh: bool) -> None:
        self.index = index_
        self.fresh = fresh
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

    @contextmanager
    def batch(self, db: Database, *, clear: bool = False) -> Iterator[WhooshBatch]:
        batch = WhooshBatch(self._open(), clear)
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

    def _item_query(self, ix: index.Index, item: Item) -> wq.Query | None:
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

    def _text_query(self, ix: index.Index, items: list[Item]) -> wq.Query | None:
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
    def _access(viewer: Viewer, now: dt.datetime) -> wq.Query | None:
        if viewer.staff:
            return None
        return wq.Or(
            [
                wq.Term("access", PUBLIC),
                wq.And(
                    [
                        wq.Term("access", AFTER_CLOSE),
                        wq.NumericRange("public_from", None, int(now.timestamp())),
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
        ix = self._open()
        text_query = self._text_query(ix, request.items)
        if text_query is None:
            return SearchResults(request, [], 0, {})
        conditions = [self._access(viewer, now)] + [
            wq.Term(self._field(name, viewer), value)
            for name, value in request.filters.items()
            if name in FACETS
        ]
        # Conditions join the text query (not Whoosh's filter=, which lists every
        # document a condition admits on each search); they add nothing to the score.
        query = wq.And(
            [text_query] + [wq.ConstantScoreQuery(c, 0.0) for c in conditions if c is not None]
        )
        grouped = (
            {
                name: sorting.FieldFacet(self._field(name, viewer), maptype=sorting.Count)
                for name in FACETS
            }
            if facets
            else None
        )
        with ix.searcher() as searcher:
            # Two passes: the page's hits with their matched terms (for highlights),
            # then every match counted per facet value without recording terms.
            top = searcher.search(query, limit=request.page * request.per_page, terms=True)
            top.fragmenter = ContextFragmenter(maxchars=240, surround=70)
            top.formatter = MarkerFormatter()
            hits = [
                self._hit(hit, viewer)
                for hit in top[request.offset : request.offset + request.per_page]
            ]
            counting = searcher.search(query, limit=1, groupedby=grouped, optimize=False)
            counts = {}
            if facets:
                for name in FACETS:
                    counts[name] = [
                        FacetValue(str(value), count)
                        for value, count in counting.groups(name).items()
                        if value not in (None, "", b"")
                    ]
            return SearchResults(request, hits, len(counting), counts)

    def _hit(self, hit, viewer: Viewer) -> Hit:
        snippets = []
        for name in ("body", "proposed", "response", "heading"):
            if not hit.get(name):
                continue
            marked = hit.highlights(name, top=2)
            if marked:
                snippets.append(Snippet(name, segments(marked)))
        if not snippets and hit.get("body"):
            snippets.append(Snippet("body", [(hit["body"][:240], False)]))
        return Hit(
            kind=hit["kind"],
            key=hit["key"],
            standard=hit["standard"],
            version=hit["version"],
            clause_uid=hit["clause"],
            title=hit.get("title", ""),
            snippets=snippets,
            comment_id=hit.get("comment_id") or None,
            round_id=int(hit["round"]) if hit.get("round") else None,
            receipt=hit.get("receipt", ""),
            hidden=bool(hit.get("hidden")) and viewer.staff,
            score=hit.score or 0.0,
        )

    # --- spelling -----------------------------------------------------------------------------

    def known(self, session: Session, word: str) -> bool:
        with self._open().searcher() as searcher:
            return searcher.doc_frequency("words", word) > 0

    def candidates(self, session: Session, word: str) -> list[str]:
        with self._open().searcher() as searcher:
            return list(searcher.corrector("words").suggest(word, limit=5))
