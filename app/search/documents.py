"""Read what search shows from the database, as flat documents (the Whoosh index's input).

Every function reads columns, never ORM objects, so a rebuild streams a round of
100,000 comments in chunks without loading relationships.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from app.committee.models import Disposition, SynopsisPublication
from app.consultation.models import (
    Comment,
    CommentVisibility,
    ConsultationRound,
    Moderation,
    Submission,
    SubmissionStatus,
)
from app.drafting.models import Clause, ClauseRevision, Standard, Version, VersionEntry
from app.search.query import clean_text
from app.text.markdown import plain_text

WORKING = "working"
# Who may find a document: everyone, staff only, everyone after public_from, staff (hidden).
PUBLIC, STAFF, AFTER_CLOSE, HIDDEN = "public", "staff", "after-close", "hidden"
CHUNK = 1000


def clause_key(version_id: int | None, clause_id: int) -> str:
    return f"w-{clause_id}" if version_id is None else f"v{version_id}-{clause_id}"


def comment_key(comment_id: int) -> str:
    return f"c-{comment_id}"


def _epoch(value: dt.datetime) -> int:
    return int(value.timestamp())


def _clause_doc(key: str, version: str, public: bool, row) -> dict:
    heading = clean_text(" ".join(p for p in (row.number, row.heading) if p))
    body = clean_text(plain_text(row.body))
    return {
        "key": key,
        "kind": "clause",
        "access": PUBLIC if public else STAFF,
        "public_from": 0,
        "hidden": False,
        "standard": row.slug,
        "version": version,
        "round": "",
        "clause": row.uid,
        "clause_kind": str(row.kind),
        "stakeholder": "",
        "comment_type": "",
        "decision": "",
        "public_decision": "",
        "heading": heading,
        "body": body,
        "proposed": "",
        "response": "",
        "words": f"{heading} {body}",
        "title": heading,
        "receipt": "",
        "comment_id": 0,
    }


def _clause_columns() -> Select:
    return select(
        Clause.id.label("clause_id"),
        Clause.uid,
        Standard.slug,
        ClauseRevision.kind,
        ClauseRevision.number,
        ClauseRevision.heading,
        ClauseRevision.body,
    ).join(Standard, Clause.standard_id == Standard.id)


def working_documents(
    session: Session, *, standard_id: int | None = None, clause_id: int | None = None
) -> tuple[list[str], list[dict]]:
    """Return (keys to delete, documents to write) for working-draft clauses."""
    query = _clause_columns().join(ClauseRevision, Clause.head_revision_id == ClauseRevision.id)
    query = query.add_columns(ClauseRevision.deleted)
    if standard_id is not None:
        query = query.where(Clause.standard_id == standard_id)
    if clause_id is not None:
        query = query.where(Clause.id == clause_id)
    deleted, docs = [], []
    for row in session.execute(query):
        key = clause_key(None, row.clause_id)
        if row.deleted:
            deleted.append(key)
        else:
            docs.append(_clause_doc(key, WORKING, False, row))
    return deleted, docs


def version_documents(session: Session, version_id: int) -> list[dict]:
    """Return the documents of a frozen version's clauses (every state is public)."""
    query = (
        _clause_columns()
        .join(VersionEntry, VersionEntry.clause_id == Clause.id)
        .join(ClauseRevision, VersionEntry.revision_id == ClauseRevision.id)
        .where(VersionEntry.version_id == version_id)
    )
    return [
        _clause_doc(clause_key(version_id, row.clause_id), str(version_id), True, row)
        for row in session.execute(query)
    ]


def _latest(column, comment_id_column, order_column):
    return (
        select(column)
        .where(comment_id_column == Comment.id)
        .order_by(order_column.desc())
        .limit(1)
        .scalar_subquery()
    )


@cache
def comment_columns() -> Select:
    """Select what a comment document needs, one row per comment (built once: the
    indexer reads each batch with it, and building it cost more than running it)."""
    return (
        select(
            Comment.id,
            Comment.body,
            Comment.proposed_change,
            Comment.comment_type,
            Submission.status,
            Submission.receipt,
            Submission.stakeholder_group,
            Submission.round_id,
            ConsultationRound.version_id,
            ConsultationRound.opens_at,
            ConsultationRound.closes_at,
            ConsultationRound.visibility,
            Standard.slug,
            Clause.uid,
            ClauseRevision.kind,
            ClauseRevision.number,
            ClauseRevision.heading,
            _latest(Disposition.decision, Disposition.comment_id, Disposition.seq).label(
                "decision"
            ),
            _latest(Disposition.response, Disposition.comment_id, Disposition.seq).label(
                "response"
            ),
            _latest(Moderation.hidden, Moderation.comment_id, Moderation.id).label("hidden"),
            exists().where(SynopsisPublication.round_id == Submission.round_id).label("published"),
        )
        .join(Submission, Comment.submission_id == Submission.id)
        .join(ConsultationRound, Submission.round_id == ConsultationRound.id)
        .join(Standard, ConsultationRound.standard_id == Standard.id)
        .outerjoin(Clause, Comment.clause_id == Clause.id)
        .outerjoin(ClauseRevision, Comment.revision_id == ClauseRevision.id)
    )


def public_from(row) -> dt.datetime:
    """When the round's comments become public: at opening (live) or at close."""
    return row.opens_at if row.visibility == CommentVisibility.LIVE else row.closes_at


def _comment_access(row) -> str:
    """Who may find a submitted comment.

    A comment is submitted while its round is open, so in a live round it is public
    at once; in an after-close round it becomes public at close (public_from).
    """
    if row.hidden:
        return HIDDEN
    return PUBLIC if row.visibility == CommentVisibility.LIVE else AFTER_CLOSE


def _comment_doc(row) -> dict:
    body = clean_text(row.body)
    proposed = clean_text(row.proposed_change)
    response = clean_text(row.response or "") if row.published else ""
    title = clean_text(" ".join(p for p in (row.number, row.heading) if p))
    return {
        "key": comment_key(row.id),
        "kind": "comment",
        "access": _comment_access(row),
        "public_from": _epoch(public_from(row)),
        "hidden": bool(row.hidden),
        "standard": row.slug,
        "version": str(row.version_id),
        "round": str(row.round_id),
        "clause": row.uid or "-",
        "clause_kind": str(row.kind or ""),
        "stakeholder": row.stakeholder_group or "other",
        "comment_type": str(row.comment_type),
        "decision": str(row.decision or ""),
        "public_decision": str(row.decision or "") if row.published else "",
        "heading": "",
        "body": body,
        "proposed": proposed,
        "response": response,
        "words": f"{body} {proposed} {response}",
        "title": title,
        "receipt": row.receipt or "",
        "comment_id": row.id,
    }


def comment_chunk(session: Session, where, after_id: int) -> list[tuple[int, str, dict | None]]:
    """Return up to CHUNK (id, key, document) after a comment id; None: not searchable."""
    rows = session.execute(
        comment_columns().where(where, Comment.id > after_id).order_by(Comment.id).limit(CHUNK)
    ).all()
    return [
        (
            row.id,
            comment_key(row.id),
            _comment_doc(row) if row.status == SubmissionStatus.SUBMITTED else None,
        )
        for row in rows
    ]


def document_total(session: Session) -> int:
    """Count the documents a rebuild writes."""
    entries = session.scalar(select(func.count()).select_from(VersionEntry)) or 0
    heads = (
        session.scalar(
            select(func.count())
            .select_from(Clause)
            .join(ClauseRevision, Clause.head_revision_id == ClauseRevision.id)
            .where(ClauseRevision.deleted.is_(False))
        )
        or 0
    )
    comments = (
        session.scalar(
            select(func.count())
            .select_from(Comment)
            .join(Submission, Comment.submission_id == Submission.id)
            .where(all_comments())
        )
        or 0
    )
    return entries + heads + comments


def version_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Version.id).order_by(Version.id)))


def standard_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Standard.id).order_by(Standard.id)))


def all_comments():
    """Every submitted comment (the condition a rebuild streams)."""
    return Submission.status == SubmissionStatus.SUBMITTED
