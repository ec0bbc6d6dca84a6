"""`flask jobs work`: run queued jobs in their own process, so web workers only serve.

With JOBS_AFTER_RESPONSE off (scripts/run and bench/run turn it off), a request
that queues work (an acknowledgement mail, a search update) commits the job rows
with its own changes and returns; this loop claims and runs them. The job table
is the outbox: a job exists exactly when the request that queued it committed,
and stays until a run records it done, whichever process runs it.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import OperationalError

from app.database import Database
from app.jobs.service import run_batches, run_pending

log = logging.getLogger(__name__)


INDEX_INTERVAL = 0.1  # seconds between polls of the indexer thread when nothing waits
# Least seconds from the start of an indexer pass that applied something to the next
# pass. A Whoosh commit has a fixed cost (about 12 ms of CPU); an indexer that went
# straight back took the few posts that arrived meanwhile, so under intake it made
# commit after commit and kept a core busy (about 5 ms of CPU per post at 180 posts/s).
INDEX_PACE = 0.5
JOBS_SLICE = 10  # other jobs run between two looks at the indexer
YIELD_SECONDS = 1.0  # longest wait of the other jobs for an indexer pass


def work(
    db: Database,
    *,
    interval: float = 0.5,
    stop: Callable[[], bool] = lambda: False,
    limit: int = 200,
    until_idle: bool = False,
    index_interval: float | None = INDEX_INTERVAL,
    index_pace: float = INDEX_PACE,
) -> int:
    """Run jobs until stop() says so; sleep `interval` s whenever the queue is empty.

    Batch kinds (search updates) get their own thread, polling every
    `index_interval` s, so a comment becomes findable within one short poll and
    one batch even while mail jobs queue up or wait for the SMTP server; the
    main loop runs the other jobs. A pass that applied something is followed by the
    next no sooner than `index_pace` s after it started, so updates arriving under
    load are applied many per commit. With until_idle (or index_interval None) one
    thread does both and returns as soon as a pass finds nothing to do.
    """
    if until_idle or index_interval is None:
        return _loop(db, lambda: run_pending(db, limit), interval, stop, until_idle)
    stopping = threading.Event()
    indexing = threading.Event()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    counts: list[int] = []

    def index_pass() -> int:
        started = time.monotonic()
        indexing.set()
        try:
            done = run_batches(db)
        finally:
            indexing.clear()
        if done:
            _sleep_until(index_pace - (time.monotonic() - started), stopping.is_set)
        return done

    def indexer() -> None:
        with app.app_context():
            counts.append(_loop(db, index_pass, index_interval, stopping.is_set))

    def jobs_slice() -> int:
        # Let an indexer pass finish first: on SQLite both need the write lock, and the
        # busy handler is not fair (a loop of mail jobs kept a finished batch from being
        # marked done, and the next batch from starting, for seconds).
        deadline = time.monotonic() + YIELD_SECONDS
        while indexing.is_set() and time.monotonic() < deadline:
            time.sleep(0.005)
        return run_pending(db, min(limit, JOBS_SLICE), batches=False)

    thread = threading.Thread(target=indexer, name="search-indexer", daemon=True)
    thread.start()
    try:
        total = _loop(db, jobs_slice, interval, stop)
    finally:
        stopping.set()
        thread.join()
    return total + sum(counts)


def _loop(
    db: Database,
    run: Callable[[], int],
    interval: float,
    stop: Callable[[], bool],
    until_idle: bool = False,
) -> int:
    total = 0
    while not stop():
        try:
            done = run()
        except OperationalError as exc:  # locked past the busy timeout: try again shortly
            log.warning("jobs worker: database unavailable (%s); retrying", exc.orig)
            done = 0
        total += done
        if not done:
            if until_idle:
                break
            _sleep_until(interval, stop)
    return total


def _sleep_until(seconds: float, stop: Callable[[], bool]) -> None:
    """Sleep, waking every 0.1 s to see whether stop() says so."""
    deadline = time.monotonic() + seconds
    while not stop():
        left = deadline - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, 0.1))


@click.command("work")
@click.option("--interval", default=0.5, show_default=True, help="Seconds between empty polls.")
@click.option(
    "--index-interval",
    default=INDEX_INTERVAL,
    show_default=True,
    help="Seconds between polls of the search indexer thread.",
)
@click.option(
    "--index-pace",
    default=INDEX_PACE,
    show_default=True,
    help="Under load, least seconds between the starts of two search index passes.",
)
@click.option("--until-idle", is_flag=True, help="Stop once the queue is empty.")
@click.option(
    "--nice",
    type=click.IntRange(0, 19),
    default=0,
    show_default=True,
    help="Lower this process's CPU priority by this much (os.nice): web workers first.",
)
@with_appcontext
def work_command(
    interval: float, index_interval: float, index_pace: float, until_idle: bool, nice: int
) -> None:
    """Run queued jobs (mail, search updates) until stopped (SIGTERM or Ctrl-C)."""
    from app.extensions import db

    if nice:
        os.nice(nice)
    stopping: list[bool] = []

    def request_stop(signum, frame) -> None:
        stopping.append(True)

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    click.echo("jobs worker running (stop with Ctrl-C)")
    try:
        total = work(
            db,
            interval=interval,
            stop=lambda: bool(stopping),
            until_idle=until_idle,
            index_interval=index_interval,
            index_pace=index_pace,
        )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo(f"jobs worker stopped: {total} jobs done")
