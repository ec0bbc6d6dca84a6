"""Profile the one-step comment post in-process (no network): statements, time, hot spots.

Run: .venv/bin/python bench/profile_intake.py [--posts 200] [--profile OUT.txt] [--sql] [--parts]

Builds a throwaway SQLite database (migrated, demo loaded), creates --accounts
commenters, signs each in through the test client, then sends --posts one-step
comment posts (`send_now=1`, 201 with the receipt) round-robin over them, with
the rate limiter on. Prints the SQL statements of one post (--sql), the median
statements and milliseconds per post, and with --profile a pyinstrument profile
of all the timed posts. With --jobs-inline the jobs a post queues run after its
response in the same process (the test client closes each response), as before
`flask jobs work`; without it they are left to that worker and counted apart:
after the timed posts, one drain of the worker (`flask jobs work --until-idle`,
in-process) runs the jobs they queued and its CPU is reported per post.

The bare INSERT route of bench/baseline_app.py (`/bench/insert`, one row, no
session, form or template) is timed in the same run through the same client,
and every CPU figure is also given as a ratio to it.

With --parts it then times, interleaved with the bare INSERT, the whole post, the post
without its receipt page and the post's floor (the view answers an empty 201 where it
would call the service), and prints each as a median and a ratio; bench/run runs it
for its report's "why".
"""

from __future__ import annotations

import argparse
import logging
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.auth import service as accounts  # noqa: E402
from app.cli import upgrade_schema  # noqa: E402
from app.consultation.models import ConsultationRound  # noqa: E402
from app.database import utcnow  # noqa: E402
from app.demo.loader import load_demo  # noqa: E402
from app.drafting.models import Clause, VersionEntry  # noqa: E402
from app.extensions import csrf, db  # noqa: E402
from app.jobs.worker import work  # noqa: E402

PASSWORD = "tangerine harbour lantern intake"  # noqa: S105 - throwaway accounts
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def add_bare_insert(app) -> None:
    """The baseline: bench/baseline_app.py's `/bench/insert`, on this app."""
    import datetime as dt

    from flask import request

    @app.post("/bench/insert")
    @csrf.exempt
    def bench_insert():
        with db.engine.begin() as connection:
            connection.execute(
                text("INSERT INTO bench_baseline (body, created_at) VALUES (:body, :at)"),
                {"body": request.form.get("body", ""), "at": dt.datetime.now(dt.UTC).isoformat()},
            )
        return "", 201


def bare(client, n: int) -> None:
    response = client.post("/bench/insert", data={"body": f"The requirement is vague. {n}."})
    assert response.status_code == 201, response.status_code


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--profile", help="write a pyinstrument profile here")
    parser.add_argument("--cprofile", help="write cProfile stats of the timed posts here")
    parser.add_argument("--sql", action="store_true", help="print the statements of one post")
    parser.add_argument(
        "--drain-every",
        type=int,
        default=0,
        help="drain the jobs after every N posts (as a busy worker does), not once at the end",
    )
    parser.add_argument(
        "--parts",
        action="store_true",
        help="also time, interleaved, the post without its receipt page and the floor (the "
        "view stopped after sign-in, CSRF, rate limit, round and form: no writes, no page)",
    )
    parser.add_argument(
        "--jobs-inline",
        action="store_true",
        help="run queued jobs in the web worker after the response (JOBS_AFTER_RESPONSE)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    workdir = Path(tempfile.mkdtemp(prefix="profile-intake-"))
    app = create_app(
        {
            "SECRET_KEY": "profile-intake",
            "DATABASE_URL": f"sqlite:///{workdir / 'intake.sqlite3'}",
            "SEARCH_INDEX_DIR": str(workdir / "search"),
            "SESSION_COOKIE_SECURE": False,
            "PREFERRED_URL_SCHEME": "http",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            # The limiter runs (its cost is part of a post) but does not refuse the load.
            "RATE_LIMIT_PUBLIC_WRITE": "1000000 per minute",
            "RATE_LIMIT_SIGN_IN": "1000000 per minute",
            "JOBS_AFTER_RESPONSE": args.jobs_inline,
        }
    )
    add_bare_insert(app)
    with app.app_context():
        upgrade_schema()
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "CREATE TABLE bench_baseline (id INTEGER PRIMARY KEY, body TEXT NOT NULL, "
                    "created_at VARCHAR(40) NOT NULL)"
                )
            )
        load_demo(db)
        with db.transaction() as session:
            now = utcnow()
            round_ = session.scalars(
                select(ConsultationRound)
                .where(ConsultationRound.opens_at <= now, ConsultationRound.closes_at > now)
                .order_by(ConsultationRound.id.desc())
            ).first()
            round_id = round_.id
            uids = list(
                session.scalars(
                    select(Clause.uid)
                    .join(VersionEntry, VersionEntry.clause_id == Clause.id)
                    .where(VersionEntry.version_id == round_.version_id)
                    .order_by(VersionEntry.ordinal)
                    .limit(20)
                )
            )
            for n in range(args.accounts):
                accounts.create_user(
                    session,
                    email=f"intake-{n}@profile.example",
                    password=PASSWORD,
                    name=f"Intake {n}",
                    roles=[],
                )
        # The demo's own jobs (publication PDFs, its comments' index updates) are not the
        # posts': drained here, before anything is timed.
        work(db, until_idle=True)
    form_path = f"/consultations/{round_id}/comment"
    clients = []
    for n in range(args.accounts):
        client = app.test_client()
        client.environ_base["HTTP_REFERER"] = "http://localhost/"
        page = client.get("/sign-in").get_data(as_text=True)
        client.post(
            "/sign-in",
            data={
                "csrf_token": TOKEN.search(page).group(1),
                "email": f"intake-{n}@profile.example",
                "password": PASSWORD,
            },
        )
        token = TOKEN.search(client.get(form_path).get_data(as_text=True)).group(1)
        clients.append((client, token, uids[n % len(uids)]))

    statements: list[str] = []
    with app.app_context():
        event.listen(
            db.engine,
            "before_cursor_execute",
            lambda conn, cursor, statement, *a: statements.append(" ".join(statement.split())),
        )

    def post(n: int) -> int:
        client, token, uid = clients[n % len(clients)]
        response = client.post(
            form_path,
            data={
                "csrf_token": token,
                "clause_uid": uid,
                "comment_type": "technical",
                "body": f"The requirement is too vague to audit. Request {n}.",
                "send_now": "1",
            },
        )
        response.close()
        return response.status_code

    for n in range(len(clients)):  # warm up: every account once
        assert post(n) == 201
    statements.clear()
    assert post(0) == 201
    if args.sql:
        for i, statement in enumerate(statements, 1):
            print(f"{i:3d} {statement[:160]}")
    times, counts = [], []
    profiler = None
    if args.profile:
        from pyinstrument import Profiler  # noqa: PLC0415 - optional, not a dependency

        profiler = Profiler(interval=0.0005)
        profiler.start()
    if args.cprofile:
        import cProfile  # noqa: PLC0415

        profiler = cProfile.Profile()
        profiler.enable()
    bare_client = app.test_client()
    for n in range(20):  # warm up
        bare(bare_client, n)
    # Alternate: each post is followed by a bare INSERT, so a neighbour's load falls on both.
    post_cpu, bare_cpu = [], []
    drain = 0.0
    for n in range(args.posts):
        if args.drain_every and n % args.drain_every == 0 and n:
            with app.app_context():
                drain_started = time.process_time()
                work(db, until_idle=True)
                drain += time.process_time() - drain_started
        statements.clear()
        started, cpu_started = time.perf_counter(), time.process_time()
        status = post(n)
        post_cpu.append(time.process_time() - cpu_started)
        times.append(time.perf_counter() - started)
        counts.append(len(statements))
        assert status == 201, status
        cpu_started = time.process_time()
        bare(bare_client, n)
        bare_cpu.append(time.process_time() - cpu_started)
    cpu, bare_cost = sum(post_cpu) / args.posts, sum(bare_cpu) / args.posts
    if args.cprofile:
        profiler.disable()
        profiler.dump_stats(args.cprofile)
    elif profiler is not None:
        profiler.stop()
        Path(args.profile).write_text(profiler.output_text(unicode=True, show_all=False))
        Path(args.profile + ".all").write_text(profiler.output_text(unicode=True, show_all=True))
    if not args.jobs_inline:
        with app.app_context():
            if args.profile:
                profiler = Profiler(interval=0.0005)
                profiler.start()
            if args.cprofile:
                profiler = cProfile.Profile()
                profiler.enable()
            drain_started = time.process_time()
            work(db, until_idle=True)
            drain = (drain + time.process_time() - drain_started) / args.posts
            if args.cprofile:
                profiler.disable()
                profiler.dump_stats(args.cprofile + ".jobs")
            if args.profile:
                profiler.stop()
                Path(args.profile + ".jobs").write_text(
                    profiler.output_text(unicode=True, show_all=False)
                )
    print(
        f"{args.posts} one-step posts: median {statistics.median(times) * 1000:.2f} ms, "
        f"p95 {sorted(times)[int(len(times) * 0.95)] * 1000:.2f} ms, "
        f"median {statistics.median(counts):.0f} SQL statements per post"
    )
    print(
        f"CPU per post: request {cpu * 1000:.2f} ms, jobs drain {drain * 1000:.2f} ms, "
        f"all-in {(cpu + drain) * 1000:.2f} ms; bare INSERT {bare_cost * 1000:.2f} ms; "
        f"ratio all-in / bare {(cpu + drain) / bare_cost:.1f} "
        f"(request alone {cpu / bare_cost:.1f}; medians {statistics.median(post_cpu) * 1000:.2f} / "
        f"{statistics.median(bare_cpu) * 1000:.2f} ms, ratio "
        f"{statistics.median(post_cpu) / statistics.median(bare_cpu):.1f})"
    )
    if args.parts:
        print_parts(app, post, bare_client, args.posts, statements)
    return 0


def print_parts(app, post, bare_client, posts: int, statements: list[str]) -> None:
    """Where a post's request CPU goes, by leaving parts out (same run, interleaved).

    - full: the one-step post as served;
    - no receipt: the same writes and commit, the receipt page replaced by an empty 201;
    - floor: the view answers an empty 201 where it would call the service: what is
      left is Flask, the session cookie, the signed-in user, the rate limiter, CSRF, the
      round and the comment form's validation, which every accepted post must pass.
    """
    from flask import Response, abort

    from app.consultation import service as consultation
    from app.consultation import views

    def floor(*args, **kwargs):
        abort(Response("", 201))

    variants = {
        "full": {},
        "no receipt": {(views, "_receipt_page"): lambda sent, status=200: ("", status)},
        "floor": {(consultation, "send_comment"): floor},
    }
    cpu: dict[str, list[float]] = {name: [] for name in [*variants, "bare INSERT"]}
    for n in range(posts):
        for name, patches in variants.items():
            saved = {key: getattr(*key) for key in patches}
            for (module, attribute), value in patches.items():
                setattr(module, attribute, value)
            statements.clear()
            try:
                started = time.process_time()
                status = post(100_000 + n)
                cpu[name].append(time.process_time() - started)
            finally:
                for (module, attribute), value in saved.items():
                    setattr(module, attribute, value)
            assert status == 201, (name, status)
            # Every variant answers 201: the statements tell which one really ran.
            wrote = any(statement.startswith("INSERT") for statement in statements)
            assert wrote == (name != "floor"), (name, statements)
        started = time.process_time()
        bare(bare_client, n)
        cpu["bare INSERT"].append(time.process_time() - started)
    base = statistics.median(cpu["bare INSERT"])
    print("request CPU by parts (median ms, ratio to the bare INSERT in the same run):")
    for name, values in cpu.items():
        median = statistics.median(values)
        print(f"  {name:<12} {median * 1000:6.2f} ms  {median / base:5.2f} x")
    with app.app_context():
        work(db, until_idle=True)  # the full posts' jobs, not timed here


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
