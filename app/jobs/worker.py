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
    until_idle: bool = False,
) -> int:
    """Run jobs until stop() says so; sleep `interval` s whenever the queue is empty.

    With until_idle, return as soon as a pass finds nothing to do.
    """
    total = 0
    while not stop():
        try:
            done = run_pending(db, limit)
        except OperationalError as exc:  # locked past the busy timeout: try again shortly
            log.warning("jobs worker: database unavailable (%s); retrying", exc.orig)
            done = 0
        total += done
        if not done:
            if until_idle:
                break
            time.sleep(interval)
    return total


@click.command("work")
@click.option("--interval", default=0.5, show_default=True, help="Seconds between empty polls.")
@click.option("--until-idle", is_flag=True, help="Stop once the queue is empty.")
@with_appcontext
def work_command(interval: float, until_idle: bool) -> None:
    """Run queued jobs (mail, search updates) until stopped (SIGTERM or Ctrl-C)."""
    from app.extensions import db

    stopping: list[bool] = []

    def request_stop(signum, frame) -> None:
        stopping.append(True)

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    click.echo("jobs worker running (stop with Ctrl-C)")
    try:
        total = work(db, interval=interval, stop=lambda: bool(stopping), until_idle=until_idle)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo(f"jobs worker stopped: {total} jobs done")
