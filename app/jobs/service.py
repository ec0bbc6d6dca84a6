"""Queue jobs in the caller's transaction; run them after commit, each at most once."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple, cast

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.database import Database, is_lock_error, utcnow
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


_sends: set[str] = set()  # kinds whose handler writes nothing to the database


def handler(kind: str, *, writes: bool = True) -> Callable[[Handler], Handler]:
    """Register the function that performs jobs of a kind.

    writes=False (a mail send): the handler never uses its session, so the ends of
    several such jobs are written together, in one statement after the batch.
    """

    def decorate(fn: Handler) -> Handler:
        _handlers[kind] = fn
        if writes:
            _sends.discard(kind)
        else:
            _sends.add(kind)
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
            if not is_lock_error(exc):
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


class Claimed(NamedTuple):
    id: int
    kind: str
    payload: dict


def _claim(db: Database, *, ids: Sequence[int] | None = None, limit: int = 100) -> list[Claimed]:
    """Claim jobs in one short transaction (one UPDATE … RETURNING); return them by id.

    The given ids (the few a request queued), or the oldest `limit` runnable jobs.
    The outer conditions are the claim's: on PostgreSQL a job another worker claimed
    meanwhile is re-checked against them and skipped, never claimed twice.
    """
    now = utcnow()
    claimable = (
        Job.done_at.is_(None),
        Job.kind.not_in(list(_batch_handlers)),  # applied as a batch, run_batches
        or_(Job.claimed_at.is_(None), Job.claimed_at < now - CLAIM_TIMEOUT),
    )
    if ids is None:
        chosen = (
            select(Job.id)
            .where(*claimable, Job.attempts < MAX_ATTEMPTS)
            .order_by(Job.id)
            .limit(limit)
            .scalar_subquery()
        )
        which = Job.id.in_(chosen)
    else:
        which = Job.id.in_(list(ids))
    with db.transaction() as session:
        rows = session.execute(
            update(Job)
            .where(which, *claimable)
            .values(claimed_at=now, attempts=Job.attempts + 1)
            .returning(Job.id, Job.kind, Job.payload)
            .execution_options(synchronize_session=False)
        ).all()
    return sorted(Claimed(row.id, row.kind, row.payload) for row in rows)


def run_pending(db: Database, limit: int = 100, *, batches: bool = True) -> int:
    """Run queued jobs not yet done; return how many succeeded.

    With batches=False the batch kinds (search updates) are left to their own
    pass (`run_batches`, the indexer thread of `flask jobs work`).
    """
    write_pending_ends(db)
    return _run_claimed(db, _claim_or_skip(db, limit=limit), batches=batches)


def run_jobs(db: Database, ids: list[int], *, batches: bool = True) -> int:
    """Claim and run the given jobs, each at most once; return how many succeeded.

    A job's work and its `done_at` commit together, so a job whose work is
    committed is never run again; if that commit fails (the database locked
    past the busy timeout) the claim is released for a retry.
    """
    if _unwritten_ends:
        write_pending_ends(db)
    ids = [job_id for job_id in ids if job_id not in _unwritten_ends]
    return _run_claimed(db, _claim_or_skip(db, ids=ids) if ids else [], batches=batches)


def _claim_or_skip(db: Database, **which) -> list[Claimed]:
    try:
        return [job for job in _claim(db, **which) if job.id not in _unwritten_ends]
    except OperationalError as exc:
        if not is_lock_error(exc):
            raise
        log.warning("jobs not claimed: database busy; the next run retries them")
        return []


def _run_claimed(db: Database, claimed: list[Claimed], *, batches: bool) -> int:
    done = 0
    sent: list[int] = []  # jobs of kinds that write nothing: their ends are written together
    for job in claimed:
        if job.kind in _sends:
            try:
                _handlers[job.kind](cast(Session, None), job.payload)  # no session: writes nothing
            except Exception as exc:  # a failed job is retried later, never lost
                log.exception("job %s failed", job.id)
                _release(db, job.id, exc)
                continue
            sent.append(job.id)
            continue
        done += _run_one(db, job)
    if sent:
        # At least once: a send whose end cannot be written is sent again after the
        # claim timeout (SMTP cannot be in our transaction), now up to a batch of them.
        at = utcnow()
        ends = {i: update(Job).where(Job.id == i).values(done_at=at) for i in sent}
        if _write_with_retry(db, update(Job).where(Job.id.in_(sent)).values(done_at=at)):
            done += len(sent)
        else:
            log.warning("jobs %s: database busy, their ends are written on the next run", sent)
            _unwritten_ends.update(ends)
    if batches:
        done += run_batches(db)
    return done


def _release(db: Database, job_id: int, exc: BaseException) -> None:
    _end(
        db,
        job_id,
        update(Job)
        .where(Job.id == job_id, Job.done_at.is_(None))
        .values(claimed_at=None, last_error=repr(exc)[:2000]),
    )


def _run_one(db: Database, job: Claimed) -> int:
    """Run one claimed job whose handler may write: its work and done_at commit together."""
    # The handler's session begins (on SQLite: takes the write lock) only when the
    # handler writes, or for done_at: a mail sent over SMTP holds no lock meanwhile.
    session = db.new_session()
    try:
        fn = _handlers.get(job.kind)
        if fn is None:
            raise LookupError(f"no handler for job kind {job.kind!r}")
        fn(session, job.payload)
        session.execute(update(Job).where(Job.id == job.id).values(done_at=utcnow()))
        session.commit()
    except Exception as exc:  # a failed job is retried later, never lost
        session.rollback()
        log.exception("job %s failed", job.id)
        _release(db, job.id, exc)
        return 0
    finally:
        session.close()
    return 1


# A batch kind whose pass failed waits before the next try, longer after each failure in a
# row: a pass that fails the same way every time (an index it cannot write) would
# otherwise redo all its work ten times a second and keep a core busy.
BATCH_RETRY_FIRST = 1.0  # seconds
BATCH_RETRY_MOST = 60.0
_batch_failures: dict[str, tuple[int, float]] = {}  # kind -> (failures in a row, retry at)


def run_batches(db: Database) -> int:
    """Apply the queued jobs of every batch kind; return how many were applied."""
    done = 0
    for kind, batch in _batch_handlers.items():
        failures, retry_at = _batch_failures.get(kind, (0, 0.0))
        if failures and time.monotonic() < retry_at:
            continue
        try:
            done += batch(db)
        except Exception:  # the batch stays queued and is applied on a later run
            wait = min(BATCH_RETRY_FIRST * 2**failures, BATCH_RETRY_MOST)
            _batch_failures[kind] = (failures + 1, time.monotonic() + wait)
            log.exception("applying queued %s jobs failed; next try in %.0f s", kind, wait)
        else:
            _batch_failures.pop(kind, None)
    return done
