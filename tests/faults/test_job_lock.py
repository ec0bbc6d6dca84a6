"""Issue 12 item 6: an outbox job that is running when SQLite stays locked is finished or
released, never left claimed for the claim timeout, and its work is never done twice.

Runs on its own SQLite file with a 100 ms busy timeout; another connection (as another
process would) holds the write lock while the job ends. SQLite only: PostgreSQL has no
database-wide write lock.
"""

from __future__ import annotations

import sqlite3
import time

import pytest
from sqlalchemy.orm import sessionmaker

from app.database import Database, make_engine
from app.jobs import service as jobs
from app.jobs.models import Job

ran: list[int] = []


@pytest.fixture
def lockable(tmp_path, monkeypatch):
    """A Database of its own on a SQLite file, and a way to lock that file from outside."""
    path = tmp_path / "jobs.sqlite3"
    database = Database()
    database.engine = make_engine(f"sqlite:///{path}", busy_timeout_ms=100)
    database.session_factory = sessionmaker(database.engine, expire_on_commit=False)
    Job.__table__.create(database.engine)
    monkeypatch.setattr(jobs, "RETRY_BASE_SECONDS", 0.05)
    jobs._unwritten_ends.clear()
    ran.clear()
    yield database, path
    jobs._unwritten_ends.clear()
    database.engine.dispose()


class Lock:
    """Hold SQLite's write lock from another connection, as another process would."""

    def __init__(self, path) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)

    def take(self) -> None:
        self.connection.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.connection.execute("COMMIT")
        self.connection.close()


def _queue(database: Database, kind: str) -> int:
    with database.transaction() as session:
        job = Job(kind=kind, payload={})
        session.add(job)
        session.flush()
        return job.id


def _job(database: Database, job_id: int) -> Job:
    with database.transaction() as session:
        return session.get_one(Job, job_id)


@pytest.fixture
def lock_during_job(lockable):
    """A job kind whose run takes the write lock from outside, as a busy database would."""
    database, path = lockable
    holder: list[Lock] = []

    @jobs.handler("test-lock-during")
    def _lock_then_finish(session, payload):
        ran.append(1)
        lock = Lock(path)
        lock.take()
        holder.append(lock)

    return database, holder


def test_a_job_whose_end_meets_a_short_lock_is_finished_once_the_lock_goes(
    lock_during_job, monkeypatch
):
    database, holder = lock_during_job
    job_id = _queue(database, "test-lock-during")

    def lock_ends_during_the_first_wait(seconds):
        if holder:  # the other process commits while the job's end waits to retry
            holder.pop().release()

    monkeypatch.setattr(jobs, "_sleep", lock_ends_during_the_first_wait)
    started = time.monotonic()
    assert jobs.run_jobs(database, [job_id]) == 0  # its commit met the lock: released
    job = _job(database, job_id)
    assert job.done_at is None and job.claimed_at is None, "released, not left claimed"
    assert "locked" in job.last_error
    assert time.monotonic() - started < 5
    # Released, so the next run takes it at once (no 10-minute claim timeout) and finishes it.
    jobs.handler("test-lock-during")(lambda session, payload: ran.append(2))
    assert jobs.run_pending(database) == 1
    assert _job(database, job_id).done_at is not None
    assert ran == [1, 2]
    assert jobs.run_pending(database) == 0  # done jobs never run again


def test_an_end_the_lock_outlasts_is_kept_and_written_on_the_next_run(lockable, monkeypatch):
    database, path = lockable
    monkeypatch.setattr(jobs, "RELEASE_ATTEMPTS", 2)
    lock_box: list[Lock] = []

    @jobs.handler("test-fails-then-locked")
    def _fail_under_lock(session, payload):
        ran.append(1)
        lock = Lock(path)
        lock.take()
        lock_box.append(lock)
        raise RuntimeError("mail server down")

    job_id = _queue(database, "test-fails-then-locked")
    assert jobs.run_jobs(database, [job_id]) == 0
    assert job_id in jobs._unwritten_ends  # the release could not be written yet
    lock_box[0].release()
    assert jobs.write_pending_ends(database) == 0
    job = _job(database, job_id)
    assert job.claimed_at is None and "mail server down" in job.last_error
    assert ran == [1]
