"""`flask jobs work`: run queued jobs in their own process, so web workers only serve.

With JOBS_AFTER_RESPONSE off (scripts/run and bench/run turn it off), a request
that queues work (an acknowledgement mail, a search update) commits the job rows
with its own changes and returns; this loop claims and runs them. The job table
is the outbox: a job exists exactly when the request that queued it committed,
and stays until a run records it done, whichever process runs it.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import OperationalError

from app.database import Database
from app.jobs.service import run_pending

log = logging.getLogger(__name__)


def work(
    db: Database,
    *,
    interval: float = 0.5,
    stop: Callable[[], bool] = lambda: False,
    limit: int = 200,
) -> int:
    """Run jobs until stop() says so; sleep `interval` s whenever the queue is empty."""
    total = 0
    while not stop():
        try:
            done = run_pending(db, limit)
        except OperationalError as exc:  # locked past the busy timeout: try again shortly
            log.warning("jobs worker: database unavailable (%s); retrying", exc.orig)
            done = 0
        total += done
        if not done:
            time.sleep(interval)
    return total


@click.command("work")
@click.option("--interval", default=0.5, show_default=True, help="Seconds between empty polls.")
@with_appcontext
def work_command(interval: float) -> None:
    """Run queued jobs (mail, search updates) until stopped (SIGTERM or Ctrl-C)."""
    from app.extensions import db

    stopping: list[bool] = []

    def request_stop(signum, frame) -> None:
        stopping.append(True)

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    click.echo("jobs worker running (stop with Ctrl-C)")
    total = work(db, interval=interval, stop=lambda: bool(stopping))
    click.echo(f"jobs worker stopped: {total} jobs done")
