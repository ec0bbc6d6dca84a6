"""Profile the search indexer applying batches of new comments, in-process: CPU per comment.

Run (after bench/bench_search.py --workdir DIR has built a corpus and its index):
  .venv/bin/python bench/profile_indexer.py --workdir DIR [--batches 40] [--per-batch 25]
      [--profile OUT.txt] [--engine whoosh]

The database and the index of DIR are copied to a temporary folder first, so every
run starts from the same state. Each batch inserts --per-batch submitted comments in
bulk with one queued `search` update per submission (as an accepted post queues it),
then times `indexer.apply_pending` with `time.process_time()`: reading the comments,
writing them to the index (one Whoosh commit, merges included), marking the jobs
done. The first batch warms the indexer up (opens the large segment, as a running
`flask jobs work` has long done) and is not counted. After the batches, a few queries
are timed against the index they left (more segments can make searches slower).
With --profile, a pyinstrument profile of the counted batches (pyinstrument is not a
dependency: install it in your own venv).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_search import GROUPS, QUERIES, SENTENCES  # noqa: E402


def copy_workdir(source: Path, target: Path) -> None:
    with sqlite3.connect(source / "bench.sqlite3") as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(source / "bench.sqlite3", target / "bench.sqlite3")
    shutil.copytree(source / "search-index", target / "search-index")


def insert_batch(db, rng: random.Random, n: int, serial: int) -> None:
    """Insert n submitted comments, each submission queuing its index update."""
    from sqlalchemy import insert, select, update

    from app.auth.models import User
    from app.benchcorpus.standard import TOPICS
    from app.consultation.models import Comment, ConsultationRound, Submission
    from app.drafting.models import VersionEntry
    from app.jobs.service import enqueue_rows
    from app.search.queue import JOB_KIND

    with db.transaction() as session:
        round_ = session.scalars(
            select(ConsultationRound).where(ConsultationRound.title == "Synthetic consultation")
        ).one()
        entries = session.execute(
            select(VersionEntry.clause_id, VersionEntry.revision_id).where(
                VersionEntry.version_id == round_.version_id
            )
        ).all()
        authors = session.scalars(
            insert(User).returning(User.id),
            [
                {
                    "email": f"indexer{serial}-{i}-{rng.randrange(10**9)}@example.org",
                    "password_hash": "x",
                    "name": f"Indexer {i}",
                    "stakeholder_group": GROUPS[i % len(GROUPS)],
                }
                for i in range(n)
            ],
        ).all()
        ids = session.scalars(
            insert(Submission).returning(Submission.id, sort_by_parameter_order=True),
            [
                {
                    "round_id": round_.id,
                    "author_id": author,
                    "stakeholder_group": GROUPS[i % len(GROUPS)],
                    "status": "draft",
                }
                for i, author in enumerate(authors)
            ],
        ).all()
        rows = []
        for sid in ids:
            clause_id, revision_id = rng.choice(entries)
            words = [rng.choice(SENTENCES).format(topic=rng.choice(TOPICS)) for _ in "abc"]
            rows.append(
                {
                    "submission_id": sid,
                    "ordinal": 1,
                    "clause_id": clause_id,
                    "revision_id": revision_id,
                    "comment_type": rng.choice(["general", "technical", "editorial"]),
                    "body": " ".join(words[: rng.randint(1, 3)]),
                    "proposed_change": words[2] if rng.random() < 0.3 else "",
                }
            )
        session.execute(insert(Comment), rows)
        session.execute(
            update(Submission),
            [
                {
                    "id": sid,
                    "status": "submitted",
                    "receipt": f"IDX-{sid:07d}",
                    "submitted_at": round_.opens_at,
                }
                for sid in ids
            ],
        )
        enqueue_rows(session, [(JOB_KIND, {"target": "submission", "id": sid}) for sid in ids])


def time_queries(app, runs: int) -> dict[str, float]:
    """CPU p50 (ms) per query kind, in this process."""
    client = app.test_client()
    out = {}
    for kind, queries in QUERIES.items():
        samples = []
        for round_ in range(runs + 1):
            for q in queries:
                started = time.process_time()
                response = client.get(f"/api/v1/search?q={q}")
                assert response.status_code == 200, response.status_code
                if round_:
                    samples.append(time.process_time() - started)
        out[kind] = statistics.median(samples) * 1000
    # A word in no document: every segment is looked at (the per-segment overhead).
    from app.search.engines import get_engine
    from app.search.query import SearchRequest, Viewer

    engine, now = get_engine(app), dt.datetime.now(dt.UTC)
    samples = []
    for _ in range(runs * 10):
        started = time.process_time()
        engine.search(None, Viewer(), SearchRequest(text="zqabsent"), now)
        samples.append(time.process_time() - started)
    out["absent word (engine)"] = statistics.median(samples) * 1000
    return out


def under_intake(db, rate: float, seconds: float, profiler=None) -> dict:
    """Insert comments at `rate` per second for `seconds` while `flask jobs work`'s loop
    (its indexer thread; the other jobs left alone) applies them; return the indexer
    thread's CPU per comment and its passes."""
    import threading

    from sqlalchemy import func, select

    from app.jobs import worker
    from app.jobs.models import Job
    from app.search.queue import JOB_KIND

    cpu = [0.0]
    passes = [0]

    def timed_batches(db_):
        if profiler:
            profiler.start()
        started = time.thread_time()
        try:
            return real_batches(db_)
        finally:
            cpu[0] += time.thread_time() - started
            passes[0] += 1
            if profiler:
                profiler.stop()

    real_batches = worker.run_batches
    worker.run_batches = timed_batches
    real_pending = worker.run_pending
    worker.run_pending = lambda db_, limit, batches=True: 0  # mail and the rest: not measured
    stop = threading.Event()
    rng = random.Random(11)  # noqa: S311 - a reproducible load
    inserted = [0]

    from flask import current_app

    app = current_app._get_current_object()

    def feed() -> None:
        try:
            with app.app_context():
                _feed()
        finally:
            stop.set()

    def _feed() -> None:
        tick, started = 0.05, time.monotonic()
        while time.monotonic() < started + seconds:
            due = int((time.monotonic() - started) * rate) - inserted[0]
            if due > 0:
                insert_batch(db, rng, due, 10_000 + inserted[0])
                inserted[0] += due
            time.sleep(tick)
        while True:  # until the queue is drained
            with db.reading() as session:
                age = session.scalar(
                    select(func.min(Job.created_at)).where(
                        Job.kind == JOB_KIND, Job.done_at.is_(None)
                    )
                )
            if age is None:
                break
            time.sleep(0.05)

    feeder = threading.Thread(target=feed)
    feeder.start()
    try:
        worker.work(db, interval=0.5, stop=stop.is_set)
    finally:
        feeder.join()
        worker.run_batches, worker.run_pending = real_batches, real_pending
    return {
        "comments": inserted[0],
        "cpu_per_comment_ms": cpu[0] * 1000 / max(1, inserted[0]),
        "passes": passes[0],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--per-batch", type=int, default=25)
    parser.add_argument("--runs", type=int, default=5, help="query runs after the batches")
    parser.add_argument("--profile", type=Path, help="write a pyinstrument text profile here")
    parser.add_argument(
        "--rate",
        type=float,
        help="instead of batches: comments per second for --seconds, applied by the jobs worker",
    )
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args(argv)

    from app import create_app
    from app.cli import upgrade_schema
    from app.extensions import db
    from app.search import indexer
    from app.search.engines import get_engine

    with tempfile.TemporaryDirectory(prefix="profile-indexer-") as tmp:
        tmp = Path(tmp)
        copy_workdir(args.workdir, tmp)
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "bench-secret",
                "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
                "SEARCH_ENGINE": "whoosh",
                "SEARCH_INDEX_DIR": str(tmp / "search-index"),
                "RATELIMIT_ENABLED": False,
            }
        )
        rng = random.Random(7)  # noqa: S311 - a reproducible batch
        profiler = None
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
        cpu: list[float] = []
        with app.app_context():
            upgrade_schema()
            engine = get_engine(app)
            if args.rate:
                insert_batch(db, rng, 1, 0)
                indexer.apply_pending(db, engine)  # opens the index, as a running worker has
                found = under_intake(db, args.rate, args.seconds, profiler)
                print(
                    f"{found['comments']} comments at {args.rate:.0f}/s, applied by the jobs "
                    f"worker: indexer CPU per comment {found['cpu_per_comment_ms']:.2f} ms "
                    f"in {found['passes']} passes"
                )
                if profiler:
                    text = profiler.output_text(unicode=True, show_all=False)
                    args.profile.write_text(text, "utf-8")
                return 0
            for b in range(args.batches + 1):
                insert_batch(db, rng, args.per_batch, b)
                if b and profiler:
                    profiler.start()
                started = time.process_time()
                applied = indexer.apply_pending(db, engine)
                elapsed = time.process_time() - started
                if b and profiler:
                    profiler.stop()
                assert applied == args.per_batch, applied
                if b:
                    cpu.append(elapsed)
            segments = len(engine._open()._segments())
            queries = time_queries(app, args.runs)
        index_mb = sum(f.stat().st_size for f in (tmp / "search-index").iterdir()) / 2**20
    per_comment = sum(cpu) / (args.batches * args.per_batch) * 1000
    print(
        f"{args.batches} batches of {args.per_batch} new comments: "
        f"CPU per comment {per_comment:.2f} ms (batch p50 {statistics.median(cpu) * 1000:.0f} ms, "
        f"max {max(cpu) * 1000:.0f} ms); segments after: {segments}; index {index_mb:.0f} MB"
    )
    print(
        "query CPU p50 after the batches: "
        + ", ".join(f"{k} {v:.1f} ms" for k, v in queries.items())
    )
    if profiler:
        args.profile.write_text(profiler.output_text(unicode=True, show_all=False), "utf-8")
        print(f"profile written to {args.profile}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
