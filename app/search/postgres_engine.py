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

    def _matching(self, expr: str, viewer: Viewer, request: SearchRequest) -> tuple[str, dict]:
        conditions = ["d.search_vector @@ q.query"]
        params: dict = {}
        if not viewer.staff:
            conditions.append(
                "(d.access = 'public' OR (d.access = 'after-close' AND d.public_from <= :now))"
            )
        for i, (name, value) in enumerate(sorted(request.filters.items())):
            if name in FACETS:
                conditions.append(f"d.{self._column(name, viewer)} = :f{i}")
                params[f"f{i}"] = value
        sql = (
            f"WITH q AS (SELECT {expr} AS query) "
            f"SELECT {{columns}} FROM q, search_document d WHERE {' AND '.join(conditions)}"
        )
        return sql, params

    def search(
        self,
        session: Session,
        viewer: Viewer,
        request: SearchRequest,
        now: dt.datetime,
        *,
        facets: bool = True,
    ) -> SearchResults:
        expr, params = tsquery(request.items)
        if not expr:
            return SearchResults(request, [], 0, {})
        matching, filter_params = self._matching(expr, viewer, request)
        params |= filter_params | {"now": int(now.timestamp())}
        rows = session.execute(
            text(
                matching.format(
                    columns="d.*, ts_rank(d.search_vector, q.query) AS rank, "
                    + ", ".join(
                        f"ts_headline('english', d.{name}, q.query, :options) AS {name}_marked"
                        for name in ("body", "proposed", "response")
                    )
                )
                + " ORDER BY rank DESC, d.key LIMIT :limit OFFSET :offset"
            ),
            params | {"limit": request.per_page, "offset": request.offset, "options": HEADLINE},
        ).mappings()
        hits = [self._hit(row, viewer) for row in rows]
        counts: dict[str, list[FacetValue]] = {}
        if facets:
            columns = {name: self._column(name, viewer) for name in FACETS}
            sets = ", ".join(f"(d.{c})" for c in columns.values())
            select = ", ".join(
                [
                    f"GROUPING(d.{c}) = 0 AS g{i}, d.{c} AS v{i}"
                    for i, c in enumerate(columns.values())
                ]
                + ["count(*) AS n"]
            )
            total = 0
            for row in session.execute(
                text(matching.format(columns=select) + f" GROUP BY GROUPING SETS ({sets}, ())"),
                params,
            ).mappings():
                grouped = [i for i in range(len(columns)) if row[f"g{i}"]]
                if not grouped:
                    total = row["n"]
                    continue
                value = row[f"v{grouped[0]}"]
                if value:
                    counts.setdefault(list(columns)[grouped[0]], []).append(
                        FacetValue(value, row["n"])
                    )
        else:
            total = session.scalar(text(matching.format(columns="count(*)")), params) or 0
        return SearchResults(request, hits, total, counts)

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
