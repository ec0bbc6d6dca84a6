"""Queue jobs in the caller's transaction; run them after commit, each at most once."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.database import Database, utcnow
from app.jobs.models import Job

log = logging.getLogger(__name__)

Handler = Callable[[Session, dict], None]
BatchHandler = Callable[[Database], int]
_handlers: dict[str, Handler] = {}
_batch_handlers: dict[str, BatchHandler] = {}
CLAIM_TIMEOUT = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 5
RELEASE_ATTEMPTS = 6  # about 8 s of retries in all
RETRY_BASE_SECONDS = 0.25
_sleep = time.sleep  # between retries (tests release their lock here)


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that performs jobs of a kind."""

    def decorate(fn: Handler) -> Handler:
        _handlers[kind] = fn
        return fn

    return decorate


def batch_handler(kind: str) -> Callable[[BatchHandler], BatchHandler]:
    """Register a function that applies every queued job of a kind at once (the search indexer).

    It marks the jobs done itself; run_pending calls it instead of running them one by one.
    """

    def decorate(fn: BatchHandler) -> BatchHandler:
        _batch_handlers[kind] = fn
        return fn

    return decorate


def enqueue(session: Session, kind: str, **payload) -> Job:
    """Queue a job in the current transaction: it exists only if the transaction commits.

    The session remembers it (session.info["queued_jobs"]) so that the request
    that queued it runs it after the response; requests that queue nothing
    never touch the queue.
    """
    job = Job(kind=kind, payload=payload)
    session.add(job)
    session.info.setdefault("queued_jobs", []).append(job)
    return job


class QueuedJob(NamedTuple):
    id: int


_INSERT_JOBS = insert(Job).returning(Job.id, sort_by_parameter_order=True)


def enqueue_rows(session: Session, jobs: Sequence[tuple[str, dict]]) -> None:
    """Queue several jobs with one INSERT and no ORM objects (the one-step comment post).

    The same outbox as enqueue(): the rows exist only if the transaction commits,
    and the session remembers their ids for the run after the response.
    """
    now = utcnow()
    ids = (
        session.connection()
        .execute(
            _INSERT_JOBS,
            [
                {"kind": kind, "payload": payload, "created_at": now, "attempts": 0}
                for kind, payload in jobs
            ],
        )
        .scalars()
        .all()
    )
    session.info.setdefault("queued_jobs", []).extend(QueuedJob(i) for i in ids)


def take_queued(session: Session) -> list[int]:
    """Return (and forget) the ids of the jobs this session queued; call after commit."""
    jobs = session.info.pop("queued_jobs", [])
    return [job.id for job in jobs if job.id is not None]


def forget_queued(session: Session) -> None:
    """Forget the jobs of a rolled-back transaction: they no longer exist."""
    session.info.pop("queued_jobs", None)


def _is_lock_error(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and "locked" in str(exc.orig).lower()


# Ends of jobs (done or released) that could not be written because the database
# stayed locked through every retry: written by the next run in this process, so a
# busy database never leaves a job claimed until the claim timeout while the
# process lives. job id -> the UPDATE to apply.
_unwritten_ends: dict[int, object] = {}


def _write_with_retry(db: Database, statement, attempts: int = RELEASE_ATTEMPTS) -> bool:
    """Run one small write, retrying while another process holds SQLite's write lock.

    Used to record a job's end: a job must not stay claimed for the whole claim
    timeout because the database was busy at the moment it finished. Returns
    False when the lock outlasted every attempt (the caller keeps the write for later).
    """
    for attempt in range(attempts):
        try:
            with db.transaction() as session:
                session.execute(statement)
            return True
        except OperationalError as exc:
            if not _is_lock_error(exc):
                raise
            if attempt < attempts - 1:
                _sleep(min(RETRY_BASE_SECONDS * 2**attempt, 4.0))
    return False


def _end(db: Database, job_id: int, statement) -> None:
    if not _write_with_retry(db, statement):
        log.warning("job %s: database busy, its end is written on the next run", job_id)
        _unwritten_ends[job_id] = statement


def write_pending_ends(db: Database) -> int:
    """Write the job ends a locked database refused earlier; return how many remain."""
    for job_id, statement in list(_unwritten_ends.items()):
        if _write_with_retry(db, statement, attempts=1):
            del _unwritten_ends[job_id]
    return len(_unwritten_ends)


def _claim(db: Database, job_id: int) -> tuple[str, dict] | None:
    """Claim a job in one short transaction; return its kind and payload, or None."""
    now = utcnow()
    with db.transaction() as session:
        claimed = session.execute(
            update(Job)
            .where(
                Job.id == job_id,
                Job.done_at.is_(None),
                Job.kind.not_in(list(_batch_handlers)),  # applied as a batch, below
                or_(Job.claimed_at.is_(None), Job.claimed_at < now - CLAIM_TIMEOUT),
            )
            .values(claimed_at=now, attempts=Job.attempts + 1)
            .returning(Job.kind, Job.payload)
            .execution_options(synchronize_session=False)
        ).first()
        return (claimed.kind, claimed.payload) if claimed is not None else None


def run_pending(db: Database, limit: int = 100, *, batches: bool = True) -> int:
    """Run queued jobs not yet done; return how many succeeded.

    With batches=False the batch kinds (search updates) are left to their own
    pass (`run_batches`, the indexer thread of `flask jobs work`).
    """
    write_pending_ends(db)
    with db.transaction() as session:
        ids = session.scalars(
            select(Job.id)
            .where(
                Job.done_at.is_(None),
                Job.attempts < MAX_ATTEMPTS,
                Job.kind.not_in(list(_batch_handlers)),
            )
            .order_by(Job.id)
            .limit(limit)
        ).all()
    return run_jobs(db, list(ids), batches=batches)


def run_jobs(db: Database, ids: list[int], *, batches: bool = True) -> int:
    """Claim and run the given jobs, each at most once; return how many succeeded.

    A job's work and its `done_at` commit together, so a job whose work is
    committed is never run again; if that commit fails (the database locked
    past the busy timeout) the claim is released for a retry.
    """
    done = 0
    if _unwritten_ends:
        write_pending_ends(db)
    for job_id in ids:
        if job_id in _unwritten_ends:
            continue
        try:
            claimed = _claim(db, job_id)
        except OperationalError as exc:
            if not _is_lock_error(exc):
                raise
            log.warning("job %s not claimed: database busy; `flask jobs run` retries it", job_id)
            continue
        if claimed is None:
            continue
        kind, payload = claimed
        # The handler's session begins (on SQLite: takes the write lock) only when the
        # handler writes, or for done_at: a mail sent over SMTP holds no lock meanwhile.
        session = db.new_session()
        try:
            fn = _handlers.get(kind)
            if fn is None:
                raise LookupError(f"no handler for job kind {kind!r}")
            fn(session, payload)
            session.execute(update(Job).where(Job.id == job_id).values(done_at=utcnow()))
            session.commit()
        except Exception as exc:  # a failed job is retried later, never lost
            session.rollback()
            log.exception("job %s failed", job_id)
            _end(
                db,
                job_id,
                update(Job)
                .where(Job.id == job_id, Job.done_at.is_(None))
                .values(claimed_at=None, last_error=repr(exc)[:2000]),
            )
            continue
        finally:
            session.close()
        done += 1
    if batches:
        done += run_batches(db)
    return done


def run_batches(db: Database) -> int:
    """Apply the queued jobs of every batch kind; return how many were applied."""
    done = 0
    for kind, batch in _batch_handlers.items():
        try:
            done += batch(db)
        except Exception:  # the batch stays queued and is applied on the next run
            log.exception("applying queued %s jobs failed", kind)
    return done
