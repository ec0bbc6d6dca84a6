"""Queue jobs in the caller's transaction; run them after commit, each at most once."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import cast

from sqlalchemy import or_, select, update
from sqlalchemy.engine import CursorResult
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
    """Queue a job in the current transaction: it exists only if the transaction commits."""
    job = Job(kind=kind, payload=payload)
    session.add(job)
    return job


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
    done = 0
    for job_id in ids:
        if not _claim(db, job_id):
            continue
        session = db.new_session()
        try:
            job = session.get_one(Job, job_id)
            fn = _handlers.get(job.kind)
            if fn is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            fn(session, job.payload)
            job.done_at = utcnow()
            session.commit()
            done += 1
        except Exception as exc:  # a failed job is retried later, never lost
            session.rollback()
            log.exception("job %s failed", job_id)
            with db.transaction() as s2:
                s2.execute(
                    update(Job)
                    .where(Job.id == job_id)
                    .values(claimed_at=None, last_error=repr(exc)[:2000])
                )
        finally:
            session.close()
    for kind, batch in _batch_handlers.items():
        try:
            done += batch(db)
        except Exception:  # the batch stays queued and is applied on the next run
            log.exception("applying queued %s jobs failed", kind)
    return done
