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

from sqlalchemy.orm import Session
from whoosh import index
from whoosh import query as wq
from whoosh.highlight import ContextFragmenter, highlight
from whoosh.searching import Searcher

from app.database import Database
from app.search.documents import AFTER_CLOSE, HIDDEN, PUBLIC, STAFF
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
from app.search.whoosh_index import (
    TEXT_FIELDS,
    AndNot,
    MarkerFormatter,
    WhooshBatch,
    open_reader,
    schema,
)

log = logging.getLogger(__name__)


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
            return AndNot(positive, wq.Or(excluded))
        return positive

    @staticmethod
    def _hidden_from(searcher, viewer: Viewer, now: dt.datetime) -> wq.Query | None:
        """What this viewer may not see, as documents to exclude.

        Excluding the few non-public documents (working draft, hidden comments,
        after-close comments not yet public) is cheap; requiring access=public
        meant intersecting with nearly every document (about 20 ms per search at
        100,000). Should the index hold an access value this code does not know,
        the query requires what is public instead (never shows too much).
        """
        if viewer.staff:
            return None
        known = {PUBLIC, STAFF, AFTER_CLOSE, HIDDEN}
        present = set(searcher.reader().field_terms("access"))
        if not present <= known:
            return wq.Not(
                wq.Or(
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
            )
        excluded: list[wq.Query] = [wq.Term("access", v) for v in (STAFF, HIDDEN) if v in present]
        if AFTER_CLOSE in present:
            excluded.append(
                wq.And(
                    [
                        wq.Term("access", AFTER_CLOSE),
                        wq.NumericRange("public_from", int(now.timestamp()) + 1, None),
                    ]
                )
            )
        return wq.Or(excluded) if excluded else None

    @staticmethod
    def _filters(request: SearchRequest, viewer: Viewer) -> list[wq.Query]:
        """Terms for the chosen facet values, leaving out what another filter implies.

        Only comments have a round, group, type or decision, only clauses a kind:
        with one of those chosen, what=comment (or what=clause) admits nearly every
        document and only slows the intersection.
        """
        chosen = {n: v for n, v in request.filters.items() if n in FACETS}
        implied = {"comment": {"round", "group", "type", "decision"}, "clause": {"kind"}}
        if chosen.get("what") in implied and implied[chosen["what"]] & chosen.keys():
            del chosen["what"]
        field = WhooshEngine._field
        return [wq.Term(field(name, viewer), value) for name, value in chosen.items()]

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
        # Filters join the text query (not Whoosh's filter=, which lists every
        # document a condition admits on each search) through Require: only the text
        # scores. (ConstantScoreQuery listed every id its condition admits, too.)
        filters = self._filters(request, viewer)
        query = text_query
        if filters:
            query = wq.Require(query, filters[0] if len(filters) == 1 else wq.And(filters))
        hidden = self._hidden_from(searcher, viewer, now)
        if hidden is not None:
            query = AndNot(query, hidden)
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
