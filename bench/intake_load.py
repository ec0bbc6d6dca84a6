"""A short intake-only load: the one-step post under gunicorn and wrk, without the corpus.

Run: .venv/bin/python bench/intake_load.py [--seconds 15] [--accounts 100] [--workers 2]
         [--jobs-nice N] [--index-pace S] [--database-url postgresql+psycopg://…/DB]

A fresh SQLite file (demo loaded, --accounts commenters), served as bench/run serves it
(`bench.baseline_app:app` under `gunicorn -w N`, `flask jobs work` beside it), driven by
wrk from bench/runner.py: the bare INSERT for --seconds, then the one-step post for as
long. Prints accepted/s, p50/p99, the ratio to the bare INSERT, the CPU per accepted
request (web workers and jobs worker, once the outbox has drained) and the load
average; then checks every accepted post is stored once, whole. It also reports how
long the posts' search updates took to be applied (findable: job queued to done, p50 /
p95 / max, during and after the load) and how long the backlog took to drain after wrk
stopped. --database-url runs on that (PostgreSQL) database instead, after emptying its
`public` schema. bench/run does the same at 100,000 comments on both engines; this
takes a minute, not fifteen. --pause-jobs stops the jobs worker while the posts are sent
(and resumes it to drain): the web workers' ceiling, with indexing and mail left for
later. Nothing is timed before the jobs worker's start-up backlog (the demo's PDFs and
mails) is done.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.runner import (  # noqa: E402
    INSERT_LUA,
    INTAKE_LUA,
    VENV,
    Site,
    flask,
    loadavg,
    query,
    wait_for_jobs,
    wrk,
)

PASSWORD = "tangerine harbour lantern intake"  # noqa: S105 - throwaway accounts
ACCOUNTS = """
import sys
from app import create_app
from app.auth import service as accounts
from app.extensions import db
app = create_app()
with app.app_context(), db.transaction() as session:
    for n in range(int(sys.argv[1])):
        accounts.create_user(session, email=f"load-{n}@intake.example", password=sys.argv[2],
                             name=f"Load {n}", roles=[])
"""
EMPTY_SCHEMA = """
from sqlalchemy import create_engine, text
import os
engine = create_engine(os.environ["DATABASE_URL"])
with engine.begin() as connection:
    connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
    connection.execute(text("CREATE SCHEMA public"))
"""


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--jobs-nice", type=int, default=0, help="flask jobs work --nice")
    parser.add_argument(
        "--index-pace", help="flask jobs work --index-pace (its default if not given)"
    )
    parser.add_argument("--database-url", help="a PostgreSQL database to empty and use")
    parser.add_argument(
        "--pause-jobs",
        action="store_true",
        help="stop the jobs worker (SIGSTOP) while the posts are sent, resume it after: the "
        "web workers' ceiling, with indexing and mail left for later",
    )
    args = parser.parse_args(argv)
    import subprocess  # noqa: PLC0415

    workdir = Path(tempfile.mkdtemp(prefix="intake-load-"))
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url or f"sqlite:///{workdir / 'intake.sqlite3'}",
        "SECRET_KEY": "intake-load",
        "SESSION_COOKIE_SECURE": "0",
        "PREFERRED_URL_SCHEME": "http",
        "RATELIMIT_ENABLED": "1",
        "JOBS_AFTER_RESPONSE": "0",
        "RATE_LIMIT_PUBLIC_WRITE": "1000000 per minute",
        "RATE_LIMIT_SIGN_IN": "1000000 per minute",
        "SEARCH_INDEX_DIR": str(workdir / "search"),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    if args.database_url:
        subprocess.run(
            [str(VENV / "python"), "-c", EMPTY_SCHEMA],
            cwd=ROOT,
            env=env,
            check=True,
        )
    flask(env, "db", "upgrade")
    flask(env, "demo")
    subprocess.run(
        [str(VENV / "python"), "-c", ACCOUNTS, str(args.accounts), PASSWORD],
        cwd=ROOT,
        env=env,
        check=True,
    )
    ((round_id,),) = query(
        env,
        "SELECT id FROM consultation_round WHERE opens_at <= CURRENT_TIMESTAMP "
        "AND closes_at > CURRENT_TIMESTAMP ORDER BY id DESC LIMIT 1",
    )
    uids = [
        r[0]
        for r in query(
            env,
            "SELECT c.uid FROM version_entry v JOIN clause c ON c.id = v.clause_id "
            f"JOIN consultation_round r ON r.version_id = v.version_id WHERE r.id = {round_id} "
            "ORDER BY v.ordinal LIMIT 50",
        )
    ]
    form = f"/consultations/{round_id}/comment"
    site = Site(
        env,
        args.workers,
        jobs_nice=args.jobs_nice,
        jobs_args=("--index-pace", args.index_pace) if args.index_pace else (),
    )
    try:
        lines = []
        for n in range(args.accounts):
            cookie, token = site.session(f"load-{n}@intake.example", PASSWORD, form)
            lines.append(f"{cookie}\t{token}\t{uids[n % len(uids)]}")
        sessions = workdir / "sessions.tsv"
        sessions.write_text("\n".join(lines) + "\n")
        site.check_post(form, *lines[0].split("\t"))
        ((before, first, first_job),) = query(
            env,
            "SELECT (SELECT count(*) FROM submission WHERE status = 'submitted'), "
            "(SELECT max(id) FROM submission), (SELECT coalesce(max(id), 0) FROM job)",
        )
        # The jobs worker's start-up backlog (the demo's PDFs and mails) is not the load's.
        wait_for_jobs(env, 600)
        load0 = loadavg()
        cpu0 = site.cpu_seconds()
        base = wrk(site.base, "/bench/insert", INSERT_LUA, args.seconds, args.connections, {})
        cpu1, jobs1 = site.cpu_seconds(), site.jobs_cpu_seconds()
        load1 = loadavg()
        if args.pause_jobs:
            os.kill(site.jobs.pid, signal.SIGSTOP)
        try:
            case = wrk(
                site.base,
                form,
                INTAKE_LUA,
                args.seconds,
                args.connections,
                {"BENCH_SESSIONS": str(sessions)},
            )
        finally:
            if args.pause_jobs:
                os.kill(site.jobs.pid, signal.SIGCONT)
        load2 = loadavg()
        stopped = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        waiting = wait_for_jobs(env, 300)  # the drain time is read from the jobs' done_at
        cpu2, jobs2 = site.cpu_seconds(), site.jobs_cpu_seconds()
    finally:
        site.stop()
    ((after,),) = query(env, "SELECT count(*) FROM submission WHERE status = 'submitted'")
    ((bad,),) = query(
        env,
        "SELECT count(*) FROM submission s WHERE s.status = 'submitted' AND "
        f"s.id > {first} AND (SELECT count(*) FROM comment c WHERE c.submission_id = s.id) <> 1",
    )
    ((dupes,),) = query(
        env, "SELECT count(*) - count(DISTINCT receipt) FROM submission WHERE receipt IS NOT NULL"
    )
    lags = sorted(
        (dt.datetime.fromisoformat(done) - dt.datetime.fromisoformat(queued)).total_seconds()
        for queued, done in query(
            env,
            f"SELECT created_at, done_at FROM job WHERE kind = 'search' AND id > {first_job} "
            "AND done_at IS NOT NULL",
        )
    )
    ((last_done,),) = query(env, f"SELECT max(done_at) FROM job WHERE id > {first_job}")
    drained = (dt.datetime.fromisoformat(last_done) - stopped).total_seconds()
    base_cpu = 1000 * (cpu1 - cpu0) / max(1, base["accepted"])
    case_cpu = 1000 * (cpu2 - cpu1) / max(1, case["accepted"])
    print(
        f"bare INSERT: {base['accepted_rps']:.0f}/s, p50 {base['p50'] / 1000:.1f} ms, "
        f"p99 {base['p99'] / 1000:.1f} ms, {base_cpu:.2f} ms CPU each (load {load0} -> {load1})"
    )
    print(
        f"one-step post: {case['accepted_rps']:.0f} accepted/s, p50 {case['p50'] / 1000:.1f} ms, "
        f"p99 {case['p99'] / 1000:.1f} ms, errors {case['status_errors']}+"
        f"{case['socket_errors']}, {case_cpu:.2f} ms CPU per accepted post with its jobs "
        f"(load {load1} -> {load2}; jobs left queued {waiting})"
    )
    print(
        f"of which the jobs worker {1000 * (jobs2 - jobs1) / max(1, case['accepted']):.2f} ms "
        "per accepted post"
    )
    print(
        f"ratio accepted/s to the bare INSERT {case['accepted_rps'] / base['accepted_rps']:.2f}; "
        f"CPU ratio {case_cpu / base_cpu:.1f}"
    )
    if lags:
        print(
            f"findable (search update queued -> applied), {len(lags)} posts: "
            f"p50 {statistics.median(lags):.2f} s, p95 {lags[int(len(lags) * 0.95)]:.2f} s, "
            f"max {lags[-1]:.2f} s; backlog drained {drained:.1f} s after wrk stopped "
            f"(jobs worker nice {args.jobs_nice}, index pace {args.index_pace or 'default'})"
        )
    stored = after - before
    print(
        f"stored: {stored} new submitted for {case['accepted']} accepted answers seen "
        f"(more: answered after wrk stopped), {bad} without exactly one comment, "
        f"{dupes} duplicate receipts"
    )
    return 0 if bad == 0 and dupes == 0 and stored >= case["accepted"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
