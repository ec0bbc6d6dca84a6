"""The embedded engine: one Whoosh index on disk, written only by the indexer."""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from pickle import UnpicklingError

from sqlalchemy.orm import Session
from whoosh import index
from whoosh import query as wq
from whoosh.highlight import ContextFragmenter, highlight
from whoosh.searching import Searcher

from app.database import Database
from app.search.query import (
    FACETS,
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
from app.search.whoosh_filters import collect, hidden_docs, leaf_sets
from app.search.whoosh_index import AndNot, MarkerFormatter, WhooshBatch, open_reader
from app.search.whoosh_phrase import Run
from app.search.whoosh_schema import SCHEMA_VERSION, IndexStorage, schema, signature

log = logging.getLogger(__name__)
VERSION_FILE = "schema-version"  # SCHEMA_VERSION of the index in this folder


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
            storage = IndexStorage(str(self.directory))
            if index.exists_in(str(self.directory)) and not self._stored_outdated():
                self._index = storage.open_index()
            else:
                if index.exists_in(str(self.directory)):
                    log.warning("search index has an older schema: run `flask search rebuild`")
                self._index = storage.create_index(schema())
                (self.directory / VERSION_FILE).write_text(f"{SCHEMA_VERSION}\n")
        return self._index

    def outdated(self) -> bool:
        """An index on disk written for an older schema (an older release): rebuild it."""
        if self._index is None and index.exists_in(str(self.directory)):
            return self._stored_outdated()
        return False  # none yet, or opened (and recreated if it was older) by this process

    def _stored_outdated(self) -> bool:
        """Compare the stored fields' names and kinds, and the schema version beside them.

        The version says what the fields do not show (how their words are analysed).
        An index whose schema no longer loads is outdated too.
        """
        try:
            stored = index.open_dir(str(self.directory)).schema
            version = (self.directory / VERSION_FILE).read_text().strip()
        except (OSError, EOFError, ImportError, AttributeError, UnpicklingError, index.IndexError):
            return True
        return signature(stored) != signature(schema()) or version != str(SCHEMA_VERSION)

    def _searcher(self):
        """This thread's searcher, reused until the index changes.

        Opening a searcher reads the table of contents and opens every segment;
        a search only checks the index generation and refreshes when it moved.
        """
        current = getattr(self._local, "searcher", None)
        if current is not None and current.up_to_date():
            return current
        ix = self._open()
        fresh = Searcher(open_reader(ix, current.reader() if current else None), fromindex=ix)
        self._local.searcher = fresh
        return fresh

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

    @staticmethod
    def _item_query(analyzer, item: Item) -> wq.Query | None:
        if item.kind == "prefix":
            stems = sorted({item.text} | {t.text for t in analyzer(item.text)})
            prefixes = [wq.Prefix("text", stem) for stem in stems]
            return prefixes[0] if len(prefixes) == 1 else wq.Or(prefixes)
        tokens = [t.text for t in analyzer(item.text)]
        if not tokens:
            return None  # only stop words
        if len(tokens) == 1:
            return wq.Term("text", tokens[0])
        # A phrase: its pairs of neighbouring words, from the `pairs` field. Two words
        # are one pair, one term; more must be pairs in a run (positions compared), as
        # a document can hold each pair of "spent pot lining" apart but never the run.
        pairs = [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]
        if len(pairs) == 1:
            return wq.Term("pairs", pairs[0])
        return Run("pairs", pairs)

    def _text_query(self, ix, items: list[Item]) -> wq.Query | None:
        """Compile query items; ix is a searcher (its schema: FileIndex.schema reads the TOC)."""
        analyzer = ix.schema["text"].analyzer
        groups: list[list[wq.Query]] = []
        excluded: list[wq.Query] = []
        for item in items:
            q = self._item_query(analyzer, item)
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
        positive = [wq.Or(g) if len(g) > 1 else g[0] for g in groups]
        query = positive[0] if len(positive) == 1 else wq.And(positive)
        if excluded:
            return AndNot(query, excluded[0] if len(excluded) == 1 else wq.Or(excluded))
        return query

    @staticmethod
    def _conditions(request: SearchRequest, viewer: Viewer) -> tuple[tuple[str, str], ...]:
        """(field, value) of the chosen facet values, leaving out what another filter implies.

        Only comments have a round, group, type or decision, only clauses a kind:
        with one of those chosen, what=comment (or what=clause) adds nothing.
        """
        chosen = {n: v for n, v in request.filters.items() if n in FACETS}
        implied = {"comment": {"round", "group", "type", "decision"}, "clause": {"kind"}}
        if chosen.get("what") in implied and implied[chosen["what"]] & chosen.keys():
            del chosen["what"]
        field = WhooshEngine._field
        return tuple(sorted((field(name, viewer), value) for name, value in chosen.items()))

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
        over a second. Here the matcher stops after cap + 1 matches; filters and
        what the viewer may not see are document sets cached per segment
        (`whoosh_filters`); facet values come from the stored columns of the
        matches only, and only the page's hits are highlighted.
        """
        searcher = self._searcher()
        text_query = self._text_query(searcher, request.items)
        if text_query is None:
            return SearchResults(request, [], 0, {})
        conditions = self._conditions(request, viewer)
        found: list[tuple] = []
        context = searcher.context()
        for leaf_searcher, offset in searcher.leaf_searchers():
            sets = leaf_sets(leaf_searcher.reader())
            allowed = ordered = None
            if conditions:
                allowed, ordered = sets.allowed(conditions)
                if not allowed:
                    continue
            hidden = hidden_docs(leaf_searcher, sets, viewer.staff, now)
            matcher = text_query.matcher(leaf_searcher, context)
            collect(matcher, allowed, ordered, hidden, request.cap + 1, found, (offset, sets))
            if len(found) > request.cap:
                break
        matched, found = len(found), found[: request.cap]  # one more tells there are more
        counts = self._facet_counts(viewer, found) if facets else {}
        found.sort(key=lambda hit: (-hit[0], hit[1]))
        page = found[request.offset : request.offset + request.per_page]
        positive = self._text_query(searcher, [i for i in request.items if not i.negated])
        words = self._highlight_words(searcher.reader(), positive)
        hits = [self._hit(searcher, hit[1], hit[0], words, viewer) for hit in page]
        return capped_results(request, hits, matched, counts)

    @staticmethod
    def _highlight_words(reader, query: wq.Query) -> set[str]:
        """The indexed words to mark, prefixes expanded to the words in the index.

        Not Query.existing_terms(): it reuses its fieldname argument as a loop
        variable, so after the first leaf it skips every other field.
        """
        found: set[str] = set()
        for leaf in query.leaves():
            for name, word in leaf.expanded_terms(reader, phrases=True):
                if name in ("text", "pairs") and (name, word) in reader:
                    text = word if isinstance(word, str) else word.decode("utf-8")
                    found.update(text.split(" "))
        return found

    def _facet_counts(self, viewer: Viewer, found: list[tuple]) -> dict:
        """Count facet values over the matches, from each segment's own columns."""
        counts: dict[str, list[FacetValue]] = {}
        if not found:
            return counts
        for name in FACETS:
            field = self._field(name, viewer)
            tally: Counter = Counter()
            for leaf, docnums in _by_leaf(found):
                codes, values = leaf[1].column(field)  # raw values (bytes), decoded once each
                for code, n in Counter(map(codes.__getitem__, docnums)).items():
                    tally[values[code]] += n
            counts[name] = [
                FacetValue(value.decode("utf-8"), n) for value, n in tally.items() if value
            ]
        return counts

    def _hit(self, searcher, docnum: int, score: float, words: set[str], viewer: Viewer) -> Hit:
        stored = searcher.stored_fields(docnum)
        analyzer = searcher.schema["text"].analyzer
        snippets = []
        for name in ("body", "proposed", "response", "heading"):
            if not stored.get(name):
                continue
            marked = words and highlight(
                stored[name],
                words,
                analyzer,
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


def _by_leaf(found: list[tuple]) -> Iterator[tuple[tuple, list[int]]]:
    """Group (score, global, local, leaf) matches by segment, in the order collected."""
    start = 0
    while start < len(found):
        leaf = found[start][3]
        end = start
        while end < len(found) and found[end][3] is leaf:
            end += 1
        yield leaf, [hit[2] for hit in found[start:end]]
        start = end
