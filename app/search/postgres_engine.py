# SQL here is assembled from this module's constants only; user input is always bound.
# ruff: noqa: S608
"""PostgreSQL full-text search over generated, weighted tsvector columns.

The text lives in the tables themselves (`search_vector` columns created by
migration 0003_search_fulltext), so every write is searchable when its
transaction commits and several app servers share nothing but the database.
The indexer only keeps the word list that did-you-mean draws on.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import Integer, String

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
_MARKDOWN = re.compile(r"\*\*|__|`|^#+\s*", re.MULTILINE)
HEADLINE = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxFragments=2, MaxWords=30, MinWords=12, "
    'FragmentDelimiter=" … "'
)
COLUMNS = {  # facet -> column of the doc CTE
    "what": "kind",
    "standard": "standard",
    "version": "version",
    "round": "round",
    "clause": "clause",
    "kind": "clause_kind",
    "group": "stakeholder",
    "type": "comment_type",
    "decision": "decision",
}
assert set(COLUMNS) == set(FACETS)

VERSION_CLAUSES = """
  SELECT 'clause' AS kind, 'v' || ve.version_id || '-' || ve.clause_id AS key,
         s.slug AS standard, CAST(ve.version_id AS VARCHAR) AS version, '' AS round,
         c.uid AS clause, r.kind AS clause_kind, '' AS stakeholder, '' AS comment_type,
         '' AS decision, r.id AS revision_id, CAST(NULL AS INTEGER) AS comment_id,
         false AS hidden, false AS published, ts_rank(r.search_vector, q.query) AS rank
  FROM q, clause_revision r
  JOIN version_entry ve ON ve.revision_id = r.id
  JOIN clause c ON c.id = ve.clause_id
  JOIN standard s ON s.id = c.standard_id
  WHERE r.search_vector @@ q.query"""

WORKING_CLAUSES = """
  SELECT 'clause', 'w-' || c.id, s.slug, 'working', '', c.uid, r.kind, '', '', '', r.id,
         CAST(NULL AS INTEGER), false, false, ts_rank(r.search_vector, q.query)
  FROM q, clause c
  JOIN clause_revision r ON r.id = c.head_revision_id
  JOIN standard s ON s.id = c.standard_id
  WHERE NOT r.deleted AND r.search_vector @@ q.query"""

COMMENTS = """
  SELECT 'comment', 'c-' || cm.id, s.slug, CAST(rd.version_id AS VARCHAR),
         CAST(rd.id AS VARCHAR), coalesce(c.uid, '-'), coalesce(r.kind, ''),
         coalesce(nullif(sb.stakeholder_group, ''), 'other'), cm.comment_type,
         {decision}, cm.revision_id, cm.id, coalesce(mo.hidden, false), pub.id IS NOT NULL,
         ts_rank(cm.search_vector, q.query) + CASE WHEN pub.id IS NOT NULL
              AND d.search_vector @@ q.query THEN ts_rank(d.search_vector, q.query) ELSE 0 END
  FROM q, matched_comment mc
  JOIN comment cm ON cm.id = mc.id
  JOIN submission sb ON sb.id = cm.submission_id
  JOIN consultation_round rd ON rd.id = sb.round_id
  JOIN standard s ON s.id = rd.standard_id
  LEFT JOIN clause c ON c.id = cm.clause_id
  LEFT JOIN clause_revision r ON r.id = cm.revision_id
  LEFT JOIN synopsis_publication pub ON pub.round_id = rd.id
  LEFT JOIN LATERAL (SELECT d.decision, d.response, d.search_vector FROM disposition d
                     WHERE d.comment_id = cm.id ORDER BY d.seq DESC LIMIT 1) d ON true
  LEFT JOIN LATERAL (SELECT m.hidden FROM moderation m
                     WHERE m.comment_id = cm.id ORDER BY m.id DESC LIMIT 1) mo ON true
  WHERE sb.status = 'submitted'
    AND (cm.search_vector @@ q.query OR (pub.id IS NOT NULL AND d.search_vector @@ q.query))
    {public}"""

PUBLIC_COMMENTS = """
    AND NOT coalesce(mo.hidden, false)
    AND :now >= CASE WHEN rd.visibility = 'live' THEN rd.opens_at ELSE rd.closes_at END"""


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


def _clean(snippet: str) -> str:
    return _MARKDOWN.sub("", snippet).strip()


class PostgresBatch:
    def __init__(self, engine: PostgresEngine, db: Database) -> None:
        self.engine = engine
        self.db = db

    def write(self, deletes: Iterable[str], documents: Iterable[dict]) -> None:
        with self.db.transaction() as session:
            self.engine.apply(session, deletes, documents)


class PostgresEngine:
    name = "postgresql"

    # --- the word list (the only thing the indexer writes) ---------------------------------

    @contextmanager
    def batch(self, db: Database, *, clear: bool = False) -> Iterator[PostgresBatch]:
        if clear:
            with db.transaction() as session:
                self.clear(session)
        yield PostgresBatch(self, db)

    def apply(self, session: Session, deletes: Iterable[str], documents: Iterable[dict]) -> int:
        words: set[str] = set()
        count = len(list(deletes))
        for doc in documents:
            words.update(w.lower() for w in _WORD.findall(doc["words"]))
            count += 1
        if words:
            session.execute(
                text(
                    "INSERT INTO search_word (word) SELECT unnest(:words) ON CONFLICT DO NOTHING"
                ).bindparams(bindparam("words", type_=ARRAY(String))),
                {"words": sorted(words)},
            )
        return count

    def clear(self, session: Session) -> None:
        session.execute(text("DELETE FROM search_word"))

    def document_count(self, session: Session) -> int:
        return session.scalar(
            text(
                "SELECT (SELECT count(*) FROM version_entry) + (SELECT count(*) FROM clause"
                " WHERE head_revision_id IS NOT NULL) + (SELECT count(*) FROM comment cm"
                " JOIN submission sb ON sb.id = cm.submission_id WHERE sb.status = 'submitted')"
            )
        )

    def dump(self, session: Session) -> list[str]:
        return list(session.scalars(text("SELECT word FROM search_word ORDER BY word")))

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

    # --- queries -----------------------------------------------------------------------------

    def _documents(self, expr: str, viewer: Viewer, request: SearchRequest) -> tuple[str, dict]:
        decision = (
            "coalesce(d.decision, '')"
            if viewer.staff
            else "CASE WHEN pub.id IS NOT NULL THEN coalesce(d.decision, '') ELSE '' END"
        )
        parts = [VERSION_CLAUSES]
        if viewer.staff:
            parts.append(WORKING_CLAUSES)
        parts.append(
            COMMENTS.format(decision=decision, public="" if viewer.staff else PUBLIC_COMMENTS)
        )
        params: dict = {}
        conditions = []
        for i, (name, value) in enumerate(sorted(request.filters.items())):
            if name in COLUMNS:
                conditions.append(f"{COLUMNS[name]} = :f{i}")
                params[f"f{i}"] = value
        where = " AND ".join(conditions) or "true"
        sql = f"""
WITH q AS (SELECT {expr} AS query),
matched_comment AS (
  SELECT cm.id FROM q, comment cm WHERE cm.search_vector @@ q.query
  UNION
  SELECT d.comment_id FROM q, disposition d WHERE d.search_vector @@ q.query
),
doc AS ({" UNION ALL ".join(parts)}
),
filtered AS (SELECT * FROM doc WHERE {where})
"""
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
        base, filter_params = self._documents(expr, viewer, request)
        params |= filter_params
        if not viewer.staff:
            params["now"] = now.astimezone(dt.UTC).replace(tzinfo=None)
        rows = session.execute(
            text(
                base + "SELECT *, count(*) OVER () AS total FROM filtered"
                " ORDER BY rank DESC, key LIMIT :limit OFFSET :offset"
            ),
            params | {"limit": request.per_page, "offset": request.offset},
        ).all()
        if rows:
            total = rows[0].total
        else:
            total = session.scalar(text(base + "SELECT count(*) FROM filtered"), params) or 0
        counts: dict[str, list[FacetValue]] = {}
        if facets and total:
            values = ", ".join(f"('{name}', {column})" for name, column in COLUMNS.items())
            for name, value, count in session.execute(
                text(
                    base + "SELECT v.facet, v.value, count(*) FROM filtered"
                    f" CROSS JOIN LATERAL (VALUES {values}) AS v(facet, value)"
                    " WHERE v.value <> '' GROUP BY v.facet, v.value"
                ),
                params,
            ):
                counts.setdefault(name, []).append(FacetValue(value, count))
        hits = self._hits(session, expr, params, rows, viewer)
        return SearchResults(request, hits, total, counts)

    def _hits(self, session: Session, expr: str, params: dict, rows, viewer: Viewer) -> list[Hit]:
        revision_ids = [r.revision_id for r in rows if r.kind == "clause"]
        comment_ids = [r.comment_id for r in rows if r.kind == "comment"]
        query_params = {k: v for k, v in params.items() if k.startswith("t")}
        clauses = {}
        if revision_ids:
            for rid, title, body in session.execute(
                text(
                    f"WITH q AS (SELECT {expr} AS query)"
                    " SELECT r.id, trim(r.number || ' ' || r.heading),"
                    " ts_headline('english', r.body, q.query, :options)"
                    " FROM q, clause_revision r WHERE r.id IN :ids"
                ).bindparams(bindparam("ids", expanding=True, type_=Integer)),
                query_params | {"ids": revision_ids, "options": HEADLINE},
            ):
                clauses[rid] = (title, [Snippet("body", segments(_clean(body)))])
        comments = {}
        if comment_ids:
            for cid, title, receipt, body, proposed, response in session.execute(
                text(
                    f"WITH q AS (SELECT {expr} AS query)"
                    " SELECT cm.id, trim(coalesce(r.number, '') || ' ' || coalesce(r.heading, '')),"
                    " sb.receipt, ts_headline('english', cm.body, q.query, :options),"
                    " ts_headline('english', cm.proposed_change, q.query, :options),"
                    " CASE WHEN pub.id IS NOT NULL THEN"
                    " ts_headline('english', d.response, q.query, :options) END"
                    " FROM q, comment cm JOIN submission sb ON sb.id = cm.submission_id"
                    " LEFT JOIN clause_revision r ON r.id = cm.revision_id"
                    " LEFT JOIN synopsis_publication pub ON pub.round_id = sb.round_id"
                    " LEFT JOIN LATERAL (SELECT d.response FROM disposition d"
                    " WHERE d.comment_id = cm.id ORDER BY d.seq DESC LIMIT 1) d ON true"
                    " WHERE cm.id IN :ids"
                ).bindparams(bindparam("ids", expanding=True, type_=Integer)),
                query_params | {"ids": comment_ids, "options": HEADLINE},
            ):
                snippets = [Snippet("body", segments(_clean(body)))]
                for name, marked in (("proposed", proposed), ("response", response)):
                    if marked and MARK_START in marked:
                        snippets.append(Snippet(name, segments(_clean(marked))))
                comments[cid] = (title, receipt or "", snippets)
        hits = []
        for row in rows:
            hit = Hit(
                kind=row.kind,
                key=row.key,
                standard=row.standard,
                version=row.version,
                clause_uid=row.clause,
                title="",
                comment_id=row.comment_id,
                round_id=int(row.round) if row.round else None,
                hidden=bool(row.hidden) and viewer.staff,
                score=float(row.rank),
            )
            if row.kind == "clause":
                hit.title, hit.snippets = clauses.get(row.revision_id, ("", []))
            else:
                hit.title, hit.receipt, hit.snippets = comments.get(row.comment_id, ("", "", []))
            hits.append(hit)
        return hits
