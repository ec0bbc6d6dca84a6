"""Queue jobs in the caller's transaction; run them after commit, each at most once."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import cast

from sqlalchemy import or_, select, update
from sqlalchemy.engine import CursorResult
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


def take_queued(session: Session) -> list[int]:
    """Return (and forget) the ids of the jobs this session queued; call after commit."""
    jobs = session.info.pop("queued_jobs", [])
    return [job.id for job in jobs if job.id is not None]


def forget_queued(session: Session) -> None:
    """Forget the jobs of a rolled-back transaction: they no longer exist."""
    session.info.pop("queued_jobs", None)


def _is_lock_error(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and "locked" in str(exc.orig).lower()


def _write_with_retry(db: Database, statement, attempts: int = RELEASE_ATTEMPTS) -> None:
    """Run one small write, retrying while another process holds SQLite's write lock.

    Used to record a job's end: a job must not stay claimed for the whole claim
    timeout because the database was busy at the moment it finished.
    """
    for attempt in range(attempts):
        try:
            with db.transaction() as session:
                session.execute(statement)
            return
        except OperationalError as exc:
            if not _is_lock_error(exc) or attempt == attempts - 1:
                raise
            time.sleep(min(0.25 * 2**attempt, 4.0))


def _claim(db: Database, job_id: int) -> bool:
    now = utcnow()
    with db.transaction() as session:
        result = session.execute(
            update(Job)
            .where(
                Job.id == job_id,
                Job.done_at.is_(None),
                or_(Job.claimed_at.is_(None), Job.claimed_at < now - CLAIM_TIMEOUT),
            )
            .values(claimed_at=now, attempts=Job.attempts + 1)
        )
        return cast(CursorResult, result).rowcount == 1


def run_pending(db: Database, limit: int = 100) -> int:
    """Run queued jobs not yet done; return how many succeeded."""
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
    return run_jobs(db, list(ids))


def run_jobs(db: Database, ids: list[int]) -> int:
    """Claim and run the given jobs, each at most once; return how many succeeded."""
    done = 0
    for job_id in ids:
        try:
            claimed = _claim(db, job_id)
        except OperationalError as exc:
            if not _is_lock_error(exc):
                raise
            log.warning("job %s not claimed: database busy; `flask jobs run` retries it", job_id)
            continue
        if not claimed:
            continue
        session = db.new_session()
        try:
            job = session.get_one(Job, job_id)
            fn = _handlers.get(job.kind)
            if fn is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            fn(session, job.payload)
            session.commit()
        except Exception as exc:  # a failed job is retried later, never lost
            session.rollback()
            log.exception("job %s failed", job_id)
            _write_with_retry(
                db,
                update(Job)
                .where(Job.id == job_id)
                .values(claimed_at=None, last_error=repr(exc)[:2000]),
            )
            continue
        finally:
            session.close()
        _write_with_retry(db, update(Job).where(Job.id == job_id).values(done_at=utcnow()))
        done += 1
    for kind, batch in _batch_handlers.items():
        try:
            done += batch(db)
        except Exception:  # the batch stays queued and is applied on the next run
            log.exception("applying queued %s jobs failed", kind)
    return done
