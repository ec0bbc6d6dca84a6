# SQL here is assembled from this module's constants only; user input is always bound.
# ruff: noqa: S608
"""PostgreSQL full-text search over one document table (migration 0005_search_fulltext).

The indexer writes the same documents as for Whoosh into `search_document`, whose
generated `search_vector` (weighted: clause number and heading above body) sits
under a GIN index. A search is one table: no joins per matching comment, so a
word found in tens of thousands of comments still counts its facets in one
`GROUP BY GROUPING SETS` pass. Several app servers share nothing but the database;
an advisory lock keeps the indexer to one writer across machines.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Session
from sqlalchemy.types import String

from app.database import Database
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

_WORD = re.compile(r"[^\W\d_]{3,40}")
HEADLINE = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxFragments=2, MaxWords=30, MinWords=12, "
    'FragmentDelimiter=" … "'
)
COLUMNS = [
    "key",
    "kind",
    "access",
    "public_from",
    "hidden",
    "standard",
    "version",
    "round",
    "clause",
    "clause_kind",
    "stakeholder",
    "comment_type",
    "decision",
    "public_decision",
    "title",
    "receipt",
    "comment_id",
    "heading",
    "body",
    "proposed",
    "response",
]
UPSERT = f"""
INSERT INTO search_document ({", ".join(COLUMNS)})
SELECT {", ".join(COLUMNS)} FROM jsonb_populate_recordset(NULL::search_document, :docs)
ON CONFLICT (key) DO UPDATE SET {", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:])}
"""
INDEXER_LOCK = 0x5EA4C4  # pg_advisory_lock key of the search indexer


def tsquery(items: list[Item]) -> tuple[str, dict]:
    """Compile query items to a tsquery expression and its parameters."""
    groups: list[list[str]] = []
    excluded: list[str] = []
    params: dict[str, str] = {}
    for i, item in enumerate(items):
        name = f"t{i}"
        if item.kind == "prefix":
            expr, params[name] = f"to_tsquery('english', :{name})", f"{item.text}:*"
        elif item.kind == "phrase":
            expr, params[name] = f"websearch_to_tsquery('english', :{name})", f'"{item.text}"'
        else:
            expr, params[name] = f"websearch_to_tsquery('english', :{name})", item.text
        if item.negated:
            excluded.append(expr)
        elif item.or_previous and groups:
            groups[-1].append(expr)
        else:
            groups.append([expr])
    if not groups:
        return "", params
    expr = " && ".join("(" + " || ".join(g) + ")" for g in groups)
    if excluded:
        expr += " && !!(" + " || ".join(excluded) + ")"
    return expr, params


class PostgresBatch:
    """Writes of one indexer run, in one transaction: a rebuild swaps in all at once."""

    def __init__(self, engine: PostgresEngine, session: Session) -> None:
        self.engine = engine
        self.session = session

    def write(self, deletes: Iterable[str], documents: Iterable[dict]) -> None:
        self.engine.apply(self.session, deletes, documents)


class PostgresEngine:
    name = "postgresql"

    # --- writing ---------------------------------------------------------------------------

    @contextmanager
    def batch(self, db: Database, *, clear: bool = False) -> Iterator[PostgresBatch]:
        with db.transaction() as session:
            if clear:
                self.clear(session)
            yield PostgresBatch(self, session)

    @contextmanager
    def writer_lock(self, db: Database, *, wait: bool = False) -> Iterator[bool]:
        """Hold the indexer's advisory lock (one writer across every app server)."""
        assert db.engine is not None, "Database.init_app was not called"
        with db.engine.connect() as connection:
            if wait:
                connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": INDEXER_LOCK})
                held = True
            else:
                held = connection.scalar(
                    text("SELECT pg_try_advisory_lock(:k)"), {"k": INDEXER_LOCK}
                )
            try:
                yield bool(held)
            finally:
                if held:
                    connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": INDEXER_LOCK})
                connection.commit()

    def apply(self, session: Session, deletes: Iterable[str], documents: Iterable[dict]) -> int:
        keys = list(deletes)
        docs = list(documents)
        if keys:
            session.execute(
                text("DELETE FROM search_document WHERE key = ANY(:keys)").bindparams(
                    bindparam("keys", type_=ARRAY(String))
                ),
                {"keys": keys},
            )
        if docs:
            rows = [
                {c: doc[c] for c in COLUMNS} | {"comment_id": doc["comment_id"] or None}
                for doc in docs
            ]
            session.execute(text(UPSERT).bindparams(bindparam("docs", type_=JSONB)), {"docs": rows})
            words = {w.lower() for doc in docs for w in _WORD.findall(doc["words"])}
            session.execute(
                text(
                    "INSERT INTO search_word (word) SELECT unnest(:words) ON CONFLICT DO NOTHING"
                ).bindparams(bindparam("words", type_=ARRAY(String))),
                {"words": sorted(words)},
            )
        return len(keys) + len(docs)

    def clear(self, session: Session) -> None:
        session.execute(text("DELETE FROM search_document"))
        session.execute(text("DELETE FROM search_word"))

    def document_count(self, session: Session) -> int:
        return session.scalar(text("SELECT count(*) FROM search_document"))

    def outdated(self) -> bool:
        return False  # its table changes only through migrations, which fill it too

    def dump(self, session: Session) -> list[dict]:
        """Return every document, sorted by key (tests compare rebuilds with this)."""
        rows = session.execute(
            text(f"SELECT {', '.join(COLUMNS)} FROM search_document ORDER BY key")
        ).mappings()
        return [dict(row) for row in rows]

    # --- spelling --------------------------------------------------------------------------

    def known(self, session: Session, word: str) -> bool:
        found = session.scalar(text("SELECT 1 FROM search_word WHERE word = :w"), {"w": word})
        return found is not None

    def candidates(self, session: Session, word: str) -> list[str]:
        near = session.scalars(
            text(
                "SELECT word FROM search_word WHERE left(word, 1) = :first"
                " AND length(word) BETWEEN :shortest AND :longest"
            ),
            {"first": word[:1], "shortest": len(word) - 2, "longest": len(word) + 2},
        ).all()
        return difflib.get_close_matches(word, near, n=5, cutoff=0.7)

    # --- searching -------------------------------------------------------------------------

    @staticmethod
    def _column(name: str, viewer: Viewer) -> str:
        column = FACETS[name]
        if column == "decision" and not viewer.staff:
            return "public_decision"  # the public knows decisions once the synopsis is out
        return column

    def _matching(self, viewer: Viewer, request: SearchRequest) -> tuple[str, dict]:
        # The tsquery is written out, not taken from the CTE q, so the planner
        # estimates its matches from the column statistics and walks
        # ix_search_document_recent for a common word instead of sorting every match.
        conditions = ["d.search_vector @@ ({expr})"]
        params: dict = {}
        if not viewer.staff:
            conditions.append(
                "(d.access = 'public' OR (d.access = 'after-close' AND d.public_from <= :now))"
            )
        for i, (name, value) in enumerate(sorted(request.filters.items())):
            if name in FACETS:
                conditions.append(f"d.{self._column(name, viewer)} = :f{i}")
                params[f"f{i}"] = value
        return " AND ".join(conditions), params

    def search(
        self,
        session: Session,
        viewer: Viewer,
        request: SearchRequest,
        now: dt.datetime,
        *,
        facets: bool = True,
    ) -> SearchResults:
        """One statement: the candidates, their facet counts and the page.

        Candidates are at most cap + 1 matches, clauses first, then the newest
        comments (the index `ix_search_document_recent` serves that order, so a
        word found in a third of 100,000 comments reads about a thousand rows, not
        thirty thousand). They are ranked with `ts_rank`, counted per facet value
        in one GROUPING SETS pass, and only the page's rows get `ts_headline`.
        """
        expr, params = tsquery(request.items)
        if not expr:
            return SearchResults(request, [], 0, {})
        where, filter_params = self._matching(viewer, request)
        where = where.replace("{expr}", expr)
        params |= filter_params | {"now": int(now.timestamp())}
        columns = {name: self._column(name, viewer) for name in FACETS}
        chosen = sorted(set(columns.values()))
        if facets:
            sets = ", ".join(f"(c.{c})" for c in columns.values())
            grouped = ", ".join(
                [
                    f"GROUPING(c.{c}) = 0 AS g{i}, c.{c} AS v{i}"
                    for i, c in enumerate(columns.values())
                ]
                + ["count(*) AS n"]
            )
            facet_sql = f"SELECT {grouped} FROM k c GROUP BY GROUPING SETS ({sets})"
        else:
            facet_sql = "SELECT 1 WHERE false"
        headlines = ", ".join(
            f"ts_headline('english', d.{name}, q.query, :options) AS {name}_marked"
            for name in ("body", "proposed", "response")
        )
        shown = ", ".join(f"d.{c}" for c in COLUMNS)
        sql = f"""
            WITH q AS (SELECT {expr} AS query),
            c AS MATERIALIZED (
                SELECT d.key, d.comment_id, d.search_vector,
                       {", ".join(f"d.{c}" for c in chosen)}
                FROM search_document d WHERE {where}
                LIMIT :candidates
            ),
            k AS (SELECT c.*, ts_rank(c.search_vector, q.query) AS rank FROM q, c LIMIT :cap),
            f AS ({facet_sql}),
            p AS (
                SELECT {shown}, top.rank, {headlines}
                FROM q, (
                    SELECT key, rank FROM k ORDER BY rank DESC, key LIMIT :limit OFFSET :offset
                ) top JOIN search_document d ON d.key = top.key
            )
            SELECT (SELECT count(*) FROM c) AS matched,
                   (SELECT json_agg(f) FROM f) AS facets,
                   (SELECT json_agg(p ORDER BY p.rank DESC, p.key) FROM p) AS page
        """
        row = session.execute(
            text(sql),
            params
            | {
                "candidates": request.cap + 1,
                "cap": request.cap,
                "limit": max(0, min(request.per_page, request.cap - request.offset)),
                "offset": request.offset,
                "options": HEADLINE,
            },
        ).one()
        hits = [self._hit(hit, viewer) for hit in row.page or []]
        counts: dict[str, list[FacetValue]] = {}
        for group in row.facets or []:
            which = next(i for i in range(len(columns)) if group.get(f"g{i}"))
            value = group[f"v{which}"]
            if value:
                counts.setdefault(list(columns)[which], []).append(FacetValue(value, group["n"]))
        return capped_results(request, hits, row.matched, counts)

    def _hit(self, row, viewer: Viewer) -> Hit:
        # ts_headline runs for the page's rows only: PostgreSQL evaluates costly
        # output columns after ORDER BY … LIMIT.
        snippets = [Snippet("body", segments(row["body_marked"]))] if row["body"] else []
        for name in ("proposed", "response"):
            marked = row[f"{name}_marked"]
            if row[name] and MARK_START in marked:
                snippets.append(Snippet(name, segments(marked)))
        if not snippets and row["heading"]:
            snippets.append(Snippet("heading", segments(row["heading"])))
        return Hit(
            kind=row["kind"],
            key=row["key"],
            standard=row["standard"],
            version=row["version"],
            clause_uid=row["clause"],
            title=row["title"],
            snippets=snippets,
            comment_id=row["comment_id"],
            round_id=int(row["round"]) if row["round"] else None,
            receipt=row["receipt"],
            hidden=bool(row["hidden"]) and viewer.staff,
            score=float(row["rank"]),
        )
