"""Apply queued index updates after commit: one writer at a time, nothing lost on a crash.

Updates are `search` jobs in the outbox, written in the same transaction as the
change they describe. The indexer holds the engine's writer lock while it works
(a file lock next to the Whoosh index, an advisory lock in PostgreSQL), so of
several gunicorn workers only one writes (Whoosh allows a single writer, and
PostgreSQL documents must not be overwritten by a slower, older read); the
others return at once and their updates are picked up by the
holder, which loops until the queue is empty. Jobs are marked done only after
the engine has stored their documents, and applying an update twice gives the
same index, so an indexer killed half-way loses nothing: the next run redoes it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.consultation.models import Comment, Submission
from app.database import Database, is_lock_error, utcnow
from app.jobs.models import Job
from app.jobs.service import batch_handler
from app.search import documents
from app.search.engine import Engine
from app.search.engines import get_engine
from app.search.queue import JOB_KIND, UpdateKind

log = logging.getLogger(__name__)
BATCH = 500  # updates per engine batch (one Whoosh commit)
UNMARKED_MOST = 4 * BATCH  # applied updates waiting for their "done" mark, at most
MARK_WAIT_MS = 50  # the brief wait for SQLite's write lock before the next batch
LAGGING_AFTER = dt.timedelta(seconds=60)


Chunk = tuple[list[str], list[dict]]


def _chunks(db: Database, target: str, target_id: int) -> Iterator[Chunk]:
    """Read what an update names, in short transactions of at most a thousand comments."""
    kind = UpdateKind(target)
    if kind in (UpdateKind.CLAUSE, UpdateKind.STANDARD, UpdateKind.VERSION):
        # Read, close the transaction, then hand over: the writer's own transaction
        # must not nest inside a reading one.
        with db.reading() as session:
            if kind == UpdateKind.VERSION:
                chunk: Chunk = ([], documents.version_documents(session, target_id))
            elif kind == UpdateKind.STANDARD:
                chunk = documents.working_documents(session, standard_id=target_id)
            else:
                chunk = documents.working_documents(session, clause_id=target_id)
        yield chunk
        return
    where = {
        UpdateKind.COMMENT: Comment.id == target_id,
        UpdateKind.SUBMISSION: Comment.submission_id == target_id,
        UpdateKind.ROUND: Comment.submission_id.in_(
            select(Submission.id).where(Submission.round_id == target_id)
        ),
    }[kind]
    yield from _comment_chunks(db, where)


def _batch_chunks(db: Database, targets: Iterable[tuple[str, int]]) -> Iterator[Chunk]:
    """Read what a batch of updates names: its comments and submissions in one statement.

    Under intake every accepted post queues one submission update; reading them
    one transaction each made the indexer fall behind. A batch holds at most
    BATCH updates, so the IN lists stay small.
    """
    comments: list[int] = []
    submissions: list[int] = []
    others: list[tuple[str, int]] = []
    for target, target_id in targets:
        if target == UpdateKind.COMMENT:
            comments.append(target_id)
        elif target == UpdateKind.SUBMISSION:
            submissions.append(target_id)
        else:
            others.append((target, target_id))
    # Two statements, not one with OR: each walks its own index.
    if submissions:
        yield from _comment_chunks(db, Comment.submission_id.in_(submissions))
    if comments:
        yield from _comment_chunks(db, Comment.id.in_(comments))
    for target, target_id in others:
        yield from _chunks(db, target, target_id)


def _comment_chunks(db: Database, where) -> Iterator[Chunk]:
    last_id = 0
    while True:
        with db.reading() as session:
            rows = documents.comment_chunk(session, where, last_id)
        if not rows:
            return
        yield [key for _, key, doc in rows if doc is None], [doc for _, _, doc in rows if doc]
        if len(rows) < documents.CHUNK:
            return  # a short chunk is the last: no transaction to find nothing more
        last_id = rows[-1][0]


def apply_pending(db: Database, engine: Engine | None = None) -> int:
    """Apply the queued updates; return how many were applied (0 if another process is at it).

    Each round takes up to BATCH queued updates, reads what they name and writes
    it in one engine batch (for Whoosh one commit, one new segment), then marks
    them done: under intake the cost per update falls as the queue grows.

    A round that found fewer than BATCH is the pass's last: every update queued
    before the call is applied, and those queued meanwhile wait for the next pass.
    Going straight back for them made, under a steady stream of posts, round after
    round of a few updates each, every one paying a commit's fixed cost (about
    12 ms of CPU); the worker's pace between passes (`INDEX_PACE`) now sets the
    batch size instead. A backlog (full rounds) is still drained in one pass.

    Marking done needs SQLite's write lock, which a stream of posts can keep from
    the indexer for seconds. So the mark is tried briefly; if the lock is busy the
    applied updates wait in `unmarked` (left out of the next reads) and the next
    batch goes to the index meanwhile. Once the queue is drained, or `unmarked`
    grows to UNMARKED_MOST, the mark waits as long as any write does.
    """
    engine = engine or get_engine()
    applied = 0
    with db.reading() as session:  # most requests queue nothing: one query, no lock
        if session.scalar(_pending().limit(1)) is None:
            return 0
    with engine.writer_lock(db) as held:
        if not held:
            return 0
        unmarked: list[int] = []
        while True:
            with db.reading() as session:
                query = _pending().add_columns(Job.payload)
                if unmarked:
                    query = query.where(Job.id.not_in(unmarked))
                jobs = session.execute(query.order_by(Job.id).limit(BATCH)).all()
            if not jobs:
                if not unmarked:
                    return applied
                _mark_done(db, unmarked)
                unmarked = []
                continue
            targets = dict.fromkeys((j.payload["target"], j.payload["id"]) for j in jobs)
            with engine.batch(db) as batch:
                for deletes, docs in _batch_chunks(db, targets):
                    batch.write(deletes, docs)
            unmarked += [j.id for j in jobs]
            applied += len(jobs)
            if len(jobs) < BATCH:  # the last round of this pass: mark, waiting if need be
                _mark_done(db, unmarked)
                return applied
            if len(unmarked) >= UNMARKED_MOST:
                _mark_done(db, unmarked)
                unmarked = []
            elif _mark_done(db, unmarked, briefly=True):
                unmarked = []


def _mark_done(db: Database, ids: list[int], *, briefly: bool = False) -> bool:
    """Record updates as applied; with briefly, give up (False) if the lock stays busy."""
    statement = (
        update(Job).where(Job.id.in_(ids)).values(done_at=utcnow(), attempts=Job.attempts + 1)
    )
    if not briefly:
        with db.transaction() as session:
            session.execute(statement)
        return True
    try:
        with db.writing_briefly(MARK_WAIT_MS) as session:
            session.execute(statement)
    except OperationalError as exc:
        if not is_lock_error(exc):
            raise
        return False
    return True


def _pending():
    return select(Job.id).where(Job.kind == JOB_KIND, Job.done_at.is_(None))


@batch_handler(JOB_KIND)
def _run_after_commit(db: Database) -> int:
    return apply_pending(db)


def rebuild(
    db: Database, engine: Engine | None = None, progress: Callable[[int], None] | None = None
) -> int:
    """Recreate the index from the database; return the number of documents written."""
    engine = engine or get_engine()
    progress = progress or (lambda n: None)
    written = 0
    with engine.writer_lock(db, wait=True):
        with db.transaction() as session:
            covered = session.scalar(select(func.max(Job.id)).where(Job.kind == JOB_KIND)) or 0
            version_ids = documents.version_ids(session)
            standard_ids = documents.standard_ids(session)
        with engine.batch(db, clear=True) as batch:
            for version_id in version_ids:
                for chunk in _chunks(db, UpdateKind.VERSION, version_id):
                    written += _write(batch, chunk, progress)
            for standard_id in standard_ids:
                for chunk in _chunks(db, UpdateKind.STANDARD, standard_id):
                    written += _write(batch, chunk, progress)
            for chunk in _comment_chunks(db, documents.all_comments()):
                written += _write(batch, ([], chunk[1]), progress)
        # Updates queued before the rebuild read the database are in it now.
        with db.transaction() as session:
            session.execute(
                update(Job)
                .where(Job.kind == JOB_KIND, Job.done_at.is_(None), Job.id <= covered)
                .values(done_at=utcnow())
            )
    return written


def _write(batch, chunk: Chunk, progress: Callable[[int], None]) -> int:
    deletes, docs = chunk
    batch.write([], docs)
    progress(len(docs))
    return len(docs)


def rebuild_size(db: Database) -> int:
    """Count the documents a rebuild writes (for its progress bar)."""
    with db.transaction() as session:
        return documents.document_total(session)


@dataclass
class Status:
    engine: str
    waiting: int
    oldest: dt.timedelta | None

    @property
    def lagging(self) -> bool:
        return self.oldest is not None and self.oldest > LAGGING_AFTER


def status_query():
    """How many updates wait and the oldest's time: read from `ix_job_waiting` alone."""
    return select(func.count(), func.min(Job.created_at)).where(
        Job.kind == JOB_KIND, Job.done_at.is_(None)
    )


def status(session: Session, now: dt.datetime | None = None) -> Status:
    """Say how many updates wait and how old the oldest is."""
    now = now or utcnow()
    waiting, oldest = session.execute(status_query()).one()
    return Status(get_engine().name, waiting, (now - oldest) if oldest else None)
