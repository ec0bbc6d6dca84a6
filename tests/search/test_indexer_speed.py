"""Index lag under intake: batched updates, the worker's indexer thread, cached filter sets."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from app.auth.models import StakeholderGroup
from app.consultation import moderation
from app.jobs import worker
from app.jobs.models import Job
from app.search import documents, indexer, service
from app.search.query import SearchRequest
from app.search.queue import JOB_KIND

from .conftest import _comment


def waiting(session) -> int:
    return session.scalar(select(func.count()).where(Job.kind == JOB_KIND, Job.done_at.is_(None)))


def find(session, actor, text, **filters):
    return service.search(session, actor, SearchRequest(text=text, filters=filters))


def _commenters(make_user, n):
    return [
        make_user(name=f"Poster {i}", stakeholder_group=StakeholderGroup.CIVIL_SOCIETY)
        for i in range(n)
    ]


def _post(session, people, round_, uid, word):
    for person in people:
        _comment(session, person, round_, uid, f"Comment on {word} by {person.name}.")
    session.commit()


def _spy(monkeypatch, module, name):
    calls = []
    original = getattr(module, name)

    def spy(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return calls


def test_many_posts_are_read_in_one_statement_and_written_in_one_batch(
    session, world, engine, apply, make_user, monkeypatch
):
    apply()
    people = _commenters(make_user, 12)
    _post(session, people, world.rounds.live, world.clauses.fpic.uid, "hafnium")
    assert waiting(session) >= 12
    batches = _spy(monkeypatch, engine, "batch")
    reads = _spy(monkeypatch, documents, "comment_chunk")
    assert apply() >= 12
    assert len(batches) == 1  # one engine batch: for Whoosh one commit, one segment
    assert len(reads) == 1  # the twelve submissions in one statement (a short chunk is the last)
    assert waiting(session) == 0
    assert find(session, None, "hafnium").total == 12


def test_a_long_queue_is_applied_in_batches_each_marked_done(
    session, world, engine, apply, make_user, monkeypatch
):
    apply()
    people = _commenters(make_user, 7)
    _post(session, people, world.rounds.live, world.clauses.fpic.uid, "rhenium")
    monkeypatch.setattr(indexer, "BATCH", 3)
    batches = _spy(monkeypatch, engine, "batch")
    assert apply() == 7
    assert len(batches) == 3  # 3 + 3 + 1
    assert waiting(session) == 0
    assert find(session, None, "rhenium").total == 7


def test_updates_queued_during_a_pass_wait_for_the_next_pass(
    session, world, engine, apply, make_user, monkeypatch
):
    """A steady stream of posts is indexed in paced passes, not in round after tiny round.

    The pass applies what was queued when it started; posts that arrive while it
    writes are left to the next pass (which the worker starts INDEX_PACE later), so
    each commit takes a pace's worth of posts instead of the few since the last one.
    """
    apply()
    _post(session, _commenters(make_user, 3), world.rounds.live, world.clauses.fpic.uid, "yttrium")
    latecomers = _commenters(make_user, 2)
    original = indexer._batch_chunks
    arrived: list[bool] = []

    def arriving(db, targets):
        if not arrived:  # two posts commit while the first batch is being written
            arrived.append(True)
            _post(session, latecomers, world.rounds.live, world.clauses.fpic.uid, "yttrium")
        yield from original(db, targets)

    monkeypatch.setattr(indexer, "_batch_chunks", arriving)
    batches = _spy(monkeypatch, engine, "batch")
    assert apply() == 3
    assert len(batches) == 1
    assert waiting(session) == 2  # queued during the pass: left for the next one
    assert find(session, None, "yttrium").total == 3
    assert apply() == 2
    assert waiting(session) == 0
    assert find(session, None, "yttrium").total == 5


class Killed(Exception):
    pass


def test_an_indexer_killed_between_batches_keeps_the_rest_queued(
    session, world, engine, apply, make_user, monkeypatch, app
):
    apply()
    people = _commenters(make_user, 5)
    _post(session, people, world.rounds.live, world.clauses.fpic.uid, "osmium")
    monkeypatch.setattr(indexer, "BATCH", 2)
    original = indexer._batch_chunks
    calls = {"n": 0}

    def dying(db, targets):
        calls["n"] += 1
        if calls["n"] == 2:
            raise Killed
        yield from original(db, targets)

    monkeypatch.setattr(indexer, "_batch_chunks", dying)
    with pytest.raises(Killed):
        apply()
    assert waiting(session) == 3  # the first batch is done, nothing of the second
    monkeypatch.setattr(indexer, "_batch_chunks", original)
    assert apply() == 3
    assert find(session, None, "osmium").total == 5


def test_the_worker_indexes_in_its_own_thread_with_a_short_poll(monkeypatch, app):
    seen: dict[str, list] = {"batches": [], "jobs": []}

    def batches(db):
        seen["batches"].append(threading.current_thread().name)
        return 0

    def jobs(db, limit, batches=True):
        seen["jobs"].append((threading.current_thread().name, batches))
        return 0

    monkeypatch.setattr(worker, "run_batches", batches)
    monkeypatch.setattr(worker, "run_pending", jobs)
    started = time.monotonic()
    with app.app_context():
        worker.work(
            None, interval=0.3, index_interval=0.02, stop=lambda: time.monotonic() > started + 0.5
        )
    assert set(seen["batches"]) == {"search-indexer"}
    assert len(seen["batches"]) >= 5  # polled far more often than the other jobs
    assert seen["jobs"] and all(
        name == threading.current_thread().name and not with_batches
        for name, with_batches in seen["jobs"]
    )
    assert len(seen["jobs"]) < len(seen["batches"])


def test_the_workers_indexer_thread_applies_queued_updates(
    session, world, engine, monkeypatch, app, db
):
    assert waiting(session) > 0
    # Only the indexer thread uses the test's connection; the main loop runs nothing.
    monkeypatch.setattr(worker, "run_pending", lambda db, limit, batches=True: 0)
    started = time.monotonic()
    with app.app_context():
        worker.work(
            db, interval=0.05, index_interval=0.02, stop=lambda: time.monotonic() > started + 1.0
        )
    assert waiting(session) == 0
    assert find(session, None, "fluoride").total == 1


def test_until_idle_runs_search_updates_in_the_same_loop(session, world, engine, app, db):
    assert waiting(session) > 0
    with app.app_context():
        assert worker.work(db, until_idle=True, interval=0.01) > 0
    assert waiting(session) == 0


def test_filtered_searches_see_every_change_to_the_index(session, world, engine, apply, make_user):
    """Filter and visibility sets are cached per segment: each change must still show."""
    apply()
    civil = {"group": str(StakeholderGroup.CIVIL_SOCIETY)}
    before = find(session, None, "fluoride", **civil)
    assert before.total == 1
    assert find(session, None, "fluoride", **civil).total == 1  # from the cache
    moderation.moderate(
        session, world.secretariat, world.comments.public, hidden=True, reason="Checking"
    )
    session.commit()
    apply()
    assert find(session, None, "fluoride", **civil).total == 0
    assert find(session, world.member, "fluoride", **civil).total == 1
    people = _commenters(make_user, 2)
    _post(session, people, world.rounds.live, world.clauses.residue.uid, "fluoride")
    apply()
    assert find(session, None, "fluoride", **civil).total == 2
    assert find(session, None, "fluoride", group="industry-upstream").total == 0
    assert find(session, world.member, "fluoride", **civil).total == 3


def test_a_filter_is_read_once_per_segment(session, world, engine, apply, monkeypatch):
    apply()
    civil = {"group": str(StakeholderGroup.CIVIL_SOCIETY), "type": "technical"}
    assert find(session, None, "fluoride", **civil).total == 1
    if engine.name != "whoosh":  # PostgreSQL filters in its statement: nothing is kept
        return
    reader = engine._searcher().reader()
    leaves = [leaf for leaf, _ in reader.leaf_readers()]
    for leaf in leaves:
        read = leaf.postings

        def refuse(field, *args, read=read, **kwargs):
            if field in ("stakeholder", "comment_type", "access") and args[0] != b"after-close":
                raise AssertionError(f"read the postings of {field} again")
            return read(field, *args, **kwargs)

        monkeypatch.setattr(leaf, "postings", refuse, raising=False)
    assert find(session, None, "fluoride", **civil).total == 1


def test_the_indexers_reads_do_not_take_sqlites_write_lock(tmp_path):
    """Database.reading() begins deferred on SQLite; transaction() outside a GET, immediate."""
    from sqlalchemy import event, text
    from sqlalchemy.orm import sessionmaker

    from app.database import Database, make_engine

    db = Database()
    db.engine = make_engine(f"sqlite:///{tmp_path / 'reads.sqlite3'}")
    db.session_factory = sessionmaker(db.engine)
    begun: list[str] = []
    event.listen(
        db.engine, "before_cursor_execute", lambda c, cur, sql, *a: begun.append(sql), retval=False
    )
    with db.reading() as session:
        session.execute(text("SELECT 1"))
    with db.transaction() as session:
        session.execute(text("SELECT 1"))
    assert [s for s in begun if s.startswith("BEGIN")] == ["BEGIN", "BEGIN IMMEDIATE"]
    db.engine.dispose()


def test_a_busy_lock_does_not_hold_back_the_next_batch(
    session, world, engine, apply, make_user, monkeypatch
):
    """When the "done" mark cannot get the write lock at once, the next batch goes first."""
    apply()
    people = _commenters(make_user, 5)
    _post(session, people, world.rounds.live, world.clauses.fpic.uid, "iridium")
    monkeypatch.setattr(indexer, "BATCH", 2)
    original = indexer._mark_done
    events: list[str] = []

    def busy(db, ids, *, briefly=False):
        if briefly:
            events.append("busy")
            return False  # as if every brief try found the lock taken
        events.append(f"marked {len(ids)}")
        return original(db, ids)

    batches = _spy(monkeypatch, engine, "batch")
    monkeypatch.setattr(indexer, "_mark_done", busy)
    assert apply() == 5
    assert len(batches) == 3  # every batch written although none was marked in between
    # The short last batch ends the pass: one mark that waits for the lock, no brief try.
    assert events == ["busy", "busy", "marked 5"]
    assert waiting(session) == 0
    assert find(session, None, "iridium").total == 5


def test_writing_briefly_gives_up_on_a_held_lock_and_restores_the_timeout(tmp_path):
    import sqlite3

    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import sessionmaker

    from app.database import Database, make_engine

    path = tmp_path / "lock.sqlite3"
    db = Database()
    db.engine = make_engine(f"sqlite:///{path}", busy_timeout_ms=5000)
    db.session_factory = sessionmaker(db.engine)
    with db.transaction() as s:
        s.execute(text("CREATE TABLE t (x INTEGER)"))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    with pytest.raises(OperationalError, match="locked"), db.writing_briefly(50) as s:
        s.execute(text("INSERT INTO t VALUES (1)"))
    assert time.monotonic() - started < 2
    holder.execute("ROLLBACK")
    holder.close()
    with db.transaction() as s:
        s.execute(text("INSERT INTO t VALUES (2)"))
        assert s.execute(text("PRAGMA busy_timeout")).scalar() == 5000
    db.engine.dispose()
