"""Benchmark search on a large corpus: query latency, rebuild, time until a comment is findable.

Run:
  .venv/bin/python bench/bench_search.py                          # Whoosh on SQLite
  .venv/bin/python bench/bench_search.py --database-url postgresql+psycopg://…/db \
      --engine postgresql                                         # PostgreSQL full text
  .venv/bin/python bench/bench_search.py --comments 20000 --runs 20  # a quicker look

The corpus: a generated 600-clause standard (bench_drafting's) frozen in three
versions, a round on the third, and --comments public comments (default 100,000)
inserted in bulk, a fifth of them answered. The database named by --database-url
is emptied first. See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.benchcorpus.standard import TOPICS  # noqa: E402
from bench.bench_drafting import SYNTHETIC_SLUG, synthetic_source  # noqa: E402

GROUPS = [
    "industry-upstream",
    "industry-midstream",
    "industry-downstream",
    "civil-society",
    "indigenous-peoples",
    "government",
    "academic",
    "individual",
    "other",
]
SENTENCES = [
    "The requirement on {topic} is too weak for smelters and refineries.",
    "Please clarify how {topic} targets apply to contractors and suppliers.",
    "Free, prior and informed consent must apply before any {topic} decision.",
    "Spent pot lining and bauxite residue deserve their own {topic} criterion.",
    "Local communities should be consulted on {topic} every year, not every three years.",
    "The guidance on {topic} should cite the ILO conventions and the UN Guiding Principles.",
    "We support the new {topic} wording but ask for a transition period of two years.",
    "FPIC is mentioned only in passing; {topic} impacts on Indigenous Peoples are serious.",
    "Emissions reporting should include scope 3 where {topic} data is available.",
    "Biodiversity offsets must not replace avoidance of {topic} harm.",
]
CHUNK = 5000
GIVE_UP_S = 120
QUERIES = {
    "word": ["emissions", "biodiversity", "contractors", "bauxite", "FPIC"],
    "phrase": ['"local communities"', '"spent pot lining"', '"informed consent"'],
    "prefix": ["biodiv*", "bauxit*", "contract*"],
    "faceted": [
        "water&what=comment&group=civil-society",
        "emissions&what=comment&type=technical&group=industry-upstream",
        "consent&kind=requirement",
    ],
}


def build(
    url: str, engine: str, index_dir: Path, comments: int, *, reuse: bool = False
) -> tuple[object, dict]:
    from sqlalchemy import func, select, text

    from app import create_app
    from app.cli import upgrade_schema
    from app.consultation.models import Comment, ConsultationRound
    from app.extensions import db

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench-secret",
            "DATABASE_URL": url,
            "SEARCH_ENGINE": engine,
            "SEARCH_INDEX_DIR": str(index_dir),
            "SESSION_COOKIE_SECURE": False,
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
        }
    )
    with app.app_context():
        if reuse:  # the corpus of an earlier run: bring the schema up to date only
            upgrade_schema()
            with db.transaction() as session:
                round_id = session.scalar(
                    select(ConsultationRound.id).where(
                        ConsultationRound.title == "Synthetic consultation"
                    )
                )
                count = session.scalar(select(func.count(Comment.id)))
            return app, {"round_id": round_id, "comments": count, "insert_s": 0.0}
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade_schema()
        facts = _standard(db)
        facts |= _comments(db, facts["round_id"], comments)
    return app, facts


def _standard(db) -> dict:

    from app.auth.permissions import SYSTEM
    from app.consultation import service as consultation
    from app.database import utcnow
    from app.drafting import editing
    from app.drafting import service as drafting
    from app.drafting.importing import import_source
    from app.drafting.models import Clause

    with db.transaction() as session:
        import_source(session, SYSTEM, synthetic_source(), "synthetic.md")
        standard = drafting.get_standard(session, SYNTHETIC_SLUG)
        drafting.freeze(session, SYSTEM, standard, label="1.0-draft-1")
    for label, step in (("1.0-draft-2", 7), ("1.0-draft-3", 11)):
        with db.transaction() as session:
            standard = drafting.get_standard(session, SYNTHETIC_SLUG)
            for node in drafting.working_draft(session, standard)[::step]:
                head = node.revision
                editing.save_clause(
                    session,
                    SYSTEM,
                    session.get(Clause, node.clause_id),
                    based_on_id=head.id,
                    kind=str(head.kind),
                    number=head.number,
                    heading=head.heading,
                    body=head.body + f"\n\nRevised for {label}: spent pot lining is covered.",
                )
            drafting.freeze(session, SYSTEM, standard, label=label)
    with db.transaction() as session:
        fields = consultation.clean_round(
            session,
            standard_slug=SYNTHETIC_SLUG,
            version_label="1.0-draft-3",
            title="Synthetic consultation",
            opens_at=utcnow() - dt.timedelta(days=1),
            closes_at=utcnow() + dt.timedelta(days=70),
        )
        round_ = consultation.create_round(session, SYSTEM, fields)
        return {"round_id": round_.id, "version_id": round_.version_id}


def _comments(db, round_id: int, count: int) -> dict:
    """Insert submitted comments in bulk (the corpus, not the behaviour, is under test)."""
    from sqlalchemy import insert, select, update

    from app.auth.models import User
    from app.committee.models import Disposition
    from app.consultation.models import Comment, ConsultationRound, Submission
    from app.drafting.models import Standard, Version, VersionEntry

    rng = random.Random(42)  # noqa: S311 - a reproducible corpus
    with db.transaction() as session:
        round_ = session.get(ConsultationRound, round_id)
        entries = session.execute(
            select(VersionEntry.clause_id, VersionEntry.revision_id).where(
                VersionEntry.version_id == round_.version_id
            )
        ).all()
        # One draft per person per round: a chunk needs as many authors as submissions.
        authors = session.scalars(
            insert(User).returning(User.id),
            [
                {
                    "email": f"bench{i}@example.org",
                    "password_hash": "x",
                    "name": f"Bench {i}",
                    "stakeholder_group": GROUPS[i % len(GROUPS)],
                }
                for i in range(CHUNK)
            ],
        ).all()
        member = authors[0]
        prefix = session.scalar(
            select(Standard.uid_prefix)
            .join(Version, Version.standard_id == Standard.id)
            .where(Version.id == round_.version_id)
        )
        submitted_at = round_.opens_at + dt.timedelta(hours=1)
    started = time.perf_counter()
    for start in range(0, count, CHUNK):
        n = min(CHUNK, count - start)
        with db.transaction() as session:
            # Comments join draft submissions, which are then submitted (the database
            # refuses comments added to a submitted submission).
            drafts = [
                {
                    "round_id": round_id,
                    "author_id": authors[i],
                    "stakeholder_group": GROUPS[i % len(GROUPS)],
                    "status": "draft",
                }
                for i in range(n)
            ]
            ids = session.scalars(
                insert(Submission).returning(Submission.id, sort_by_parameter_order=True), drafts
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
            comment_ids = session.scalars(insert(Comment).returning(Comment.id), rows).all()
            session.execute(
                update(Submission),
                [
                    {
                        "id": sid,
                        "status": "submitted",
                        "receipt": f"{prefix}-R1-{start + i + 1:06d}",
                        "submitted_at": submitted_at,
                    }
                    for i, sid in enumerate(ids)
                ],
            )
            answers = [
                {
                    "comment_id": cid,
                    "seq": 1,
                    "decision": rng.choice(["accepted", "rejected", "noted"]),
                    "response": "Thank you; the committee will consider this.",
                    "author_id": member,
                }
                for cid in comment_ids
                if rng.random() < 0.2
            ]
            if answers:
                session.execute(insert(Disposition), answers)
        print(f"  {start + n} comments inserted", end="\r", flush=True)
    print()
    from app.committee import state as comment_state

    with db.transaction() as session:  # the read model the services keep, for bulk rows
        comment_state.rebuild(session, round_id)
    return {"comments": count, "insert_s": time.perf_counter() - started, "member": member}


def _env(url: str, engine: str, index_dir: Path) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "SEARCH_ENGINE": engine,
        "SEARCH_INDEX_DIR": str(index_dir),
        "SECRET_KEY": "bench-secret",
        "PYTHONPATH": str(ROOT),
    }


def rebuild(url: str, engine: str, index_dir: Path) -> dict:
    """Run `flask search rebuild` in a child process; report its time and peak memory."""
    env = _env(url, engine, index_dir)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own interpreter and app
        [sys.executable, "-m", "flask", "--app", "wsgi", "search", "rebuild"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    # CPU time is the figure a loaded machine does not inflate (wall time waits its turn).
    return {"rebuild_s": seconds, "rebuild_cpu_s": cpu, "rebuild_peak_mb": after.ru_maxrss / 1024}


def latencies(app, runs: int) -> dict:
    client = app.test_client()
    cases = {"baseline: GET /healthz": ["/healthz"]}
    for kind, queries in QUERIES.items():
        cases[kind] = [f"/api/v1/search?q={q}" for q in queries]
    samples: dict[str, list[float]] = {name: [] for name in cases}
    cpu: dict[str, list[float]] = {name: [] for name in cases}
    for round_ in range(2 + runs):
        for name, paths in cases.items():
            for path in paths:
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.get(path)
                elapsed = time.perf_counter() - started
                elapsed_cpu = time.process_time() - started_cpu
                if response.status_code != 200:
                    raise SystemExit(f"{path} answered {response.status_code}")
                if path.startswith("/api") and not response.get_json()["total"]:
                    raise SystemExit(f"{path} found nothing")
                if round_ >= 2:
                    samples[name].append(elapsed)
                    cpu[name].append(elapsed_cpu)
    baseline = statistics.median(samples["baseline: GET /healthz"])
    out = {}
    for name, values in samples.items():
        values.sort()
        p50 = statistics.median(values)
        p95 = values[int(0.95 * (len(values) - 1))]
        out[name] = {
            "p50_ms": p50 * 1000,
            "p95_ms": p95 * 1000,
            "p50_x": p50 / baseline,
            "p95_x": p95 / baseline,
            # This process's CPU per request: Whoosh's whole cost, PostgreSQL's client side.
            "cpu_p50_ms": statistics.median(cpu[name]) * 1000,
            "cpu_p95_ms": sorted(cpu[name])[int(0.95 * (len(cpu[name]) - 1))] * 1000,
        }
    return out


def findable(app, facts: dict, markers: int, writers: int, worker_env: dict | None) -> dict:
    """Submit marker comments while writer threads submit others; time until each is found.

    With worker_env, the queued jobs (search updates, receipt mails) are run by a
    `flask jobs work` process, as in production; without it each writer runs them
    after its commit (JOBS_AFTER_RESPONSE, the old way).
    """
    from sqlalchemy.exc import OperationalError

    from app.auth import service as accounts
    from app.consultation import service as consultation
    from app.consultation.models import ConsultationRound
    from app.database import utcnow
    from app.extensions import db
    from app.jobs.service import run_pending

    with app.app_context(), db.transaction() as session:
        people = []
        for i in range(writers + 1):
            person = accounts.register(
                session,
                email=f"intake{random.randrange(10**9)}@example.org",  # noqa: S311
                password="correct horse battery",  # noqa: S106
                name=f"Intake {i}",
            )
            person.email_verified_at = utcnow()  # submitting needs a confirmed address
            people.append(person.id)
    stop = threading.Event()

    def submit(person_id: int, body: str) -> None:
        with app.test_request_context(method="POST"), db.transaction() as session:
            from app.auth.models import User

            person = session.get(User, person_id)
            round_ = session.get(ConsultationRound, facts["round_id"])
            comment = consultation.add_comment(
                session, person, round_, body=body, comment_type="general"
            )
            consultation.submit(session, person, comment.submission)
        if worker_env is None:
            with app.app_context():
                run_pending(db)  # what the web worker did after sending its response

    posted = [0] * writers

    refused = [0]

    def load(slot: int, person_id: int) -> None:
        while not stop.is_set():
            try:
                submit(person_id, f"Background intake comment {posted[slot]} about water.")
            except OperationalError:  # locked past the busy timeout: a 503 on the site
                refused[0] += 1
                continue
            posted[slot] += 1

    worker = None
    if worker_env is not None:
        worker = subprocess.Popen(  # noqa: S603 - our own interpreter and app
            [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "work"],
            cwd=ROOT,
            env=worker_env,
            stdout=subprocess.DEVNULL,
            stderr=open(os.environ.get("BENCH_WORKER_LOG", os.devnull), "w"),  # noqa: SIM115
        )
        try:  # wait until the worker is up (app and index open): a first comment is findable
            submit(people[0], "Warm-up comment zqwarmup on tailings.")
            _wait_findable(app, db, "zqwarmup", time.perf_counter())
        except BaseException:
            worker.terminate()  # never leave the worker behind
            raise
    threads = [
        threading.Thread(target=load, args=(i, p), daemon=True) for i, p in enumerate(people[1:])
    ]
    started_load = time.perf_counter()
    worker_cpu = -_cpu_of(worker)  # after the warm-up: the worker's start is not counted
    for t in threads:
        t.start()
    waits: list[float] = []  # from sending the post
    lags: list[float] = []  # from its commit (the accepted comment)
    try:
        for i in range(markers):
            marker = f"zq{i:03d}marker{random.randrange(10**6)}"  # noqa: S311
            started = time.perf_counter()
            for attempt in range(5):  # a busy database refuses a post now and then
                try:
                    submit(people[0], f"Marker comment {marker} on tailings.")
                    break
                except OperationalError:
                    refused[0] += 1
                    if attempt == 4:
                        raise
            accepted = time.perf_counter()  # committed: the post is accepted
            _wait_findable(app, db, marker, started)
            waits.append(time.perf_counter() - started)
            lags.append(time.perf_counter() - accepted)
            print(f"  marker {i}: {lags[-1]:.2f} s after its commit", flush=True)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
        load_s = time.perf_counter() - started_load
        worker_cpu += _cpu_of(worker)
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=60)
    waits.sort()
    lags.sort()
    return {
        "accepted_findable_p50_s": statistics.median(lags),
        "accepted_findable_max_s": lags[-1],
        "findable_p50_s": statistics.median(waits),
        "findable_p90_s": waits[int(0.9 * (len(waits) - 1))],
        "findable_max_s": waits[-1],
        "writers": writers,
        "intake_per_s": (sum(posted) + markers) / load_s,
        "intake_refused": refused[0],
        # The worker's CPU (search updates and receipt mails) per accepted post.
        "worker_cpu_per_post_ms": worker_cpu * 1000 / max(1, sum(posted) + markers),
        "jobs": "flask jobs work" if worker is not None else "after each commit",
    }


def _cpu_of(process) -> float:
    """CPU seconds (user and system) a running child process has used so far (Linux)."""
    if process is None:
        return 0.0
    fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_findable(app, db, word: str, started: float) -> float:
    """Poll an anonymous search until it finds `word`; return the seconds since `started`."""
    from app.search import service
    from app.search.query import SearchRequest

    while True:
        with app.test_request_context():
            found = service.search(db.session, None, SearchRequest(text=word)).total
            db.session.close()
        if found:
            break
        if time.perf_counter() - started > GIVE_UP_S:
            print(f"  {word} not findable after {GIVE_UP_S} s", flush=True)
            break
        time.sleep(0.02)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="emptied first; default SQLite")
    parser.add_argument("--engine", choices=["whoosh", "postgresql"], default="whoosh")
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--markers", type=int, default=10)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--no-json", action="store_true")
    parser.add_argument(
        "--workdir", type=Path, help="reuse this folder (its SQLite database and index)"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="the database already holds an earlier run's corpus"
    )
    parser.add_argument("--no-rebuild", action="store_true", help="keep the index as it is")
    parser.add_argument(
        "--jobs-inline",
        action="store_true",
        help="run queued jobs after each commit instead of in a `flask jobs work` process",
    )
    parser.add_argument("--no-findable", action="store_true", help="time queries only")
    parser.add_argument("--no-queries", action="store_true", help="time findability only")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-search-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    index_dir = workdir / "search-index"
    print(f"building the corpus ({args.comments} comments) in {workdir} …")
    started = time.perf_counter()
    app, facts = build(url, args.engine, index_dir, args.comments, reuse=args.reuse)
    args.comments = facts["comments"]
    setup_s = time.perf_counter() - started
    results: dict = {}
    if not args.no_rebuild:
        print(f"rebuilding the {args.engine} index …", flush=True)
        results = rebuild(url, args.engine, index_dir)
        print(
            f"rebuild: {results['rebuild_s']:.1f} s ({results['rebuild_cpu_s']:.1f} s CPU), "
            f"peak {results['rebuild_peak_mb']:.0f} MB"
        )
    print("timing queries …", flush=True)
    results["queries"] = {} if args.no_queries else latencies(app, args.runs)
    results["load_average_queries"] = os.getloadavg()
    results |= {"engine": args.engine, "database": url.split(":", 1)[0], "setup_s": setup_s}
    results |= {"comments": args.comments, "runs": args.runs}
    print(f"\n{args.engine} on {results['database']}, {args.comments} comments")
    print(
        f"{'case':<24}{'p50 ms':>9}{'p95 ms':>9}{'p50 x':>8}{'p95 x':>8}"
        f"{'cpu p50 ms':>12}{'cpu p95 ms':>12}"
    )
    for name, q in results["queries"].items():
        print(
            f"{name:<24}{q['p50_ms']:>9.1f}{q['p95_ms']:>9.1f}{q['p50_x']:>8.1f}"
            f"{q['p95_x']:>8.1f}{q['cpu_p50_ms']:>12.1f}{q['cpu_p95_ms']:>12.1f}"
        )
    print(f"load average after the queries {results['load_average_queries']}")
    if not args.no_findable:
        print("timing findability under intake load …", flush=True)
        worker_env = None if args.jobs_inline else _env(url, args.engine, index_dir)
        results |= findable(app, facts, args.markers, args.writers, worker_env)
        print(
            f"findable after p50 {results['findable_p50_s']:.2f} s, "
            f"p90 {results['findable_p90_s']:.2f} s, max {results['findable_max_s']:.2f} s "
            f"with {args.writers} writers ({results['intake_per_s']:.0f} posts/s, "
            f"{results['intake_refused']} refused as busy, "
            f"jobs {results['jobs']}, worker CPU "
            f"{results['worker_cpu_per_post_ms']:.2f} ms per post); from the commit: "
            f"p50 {results['accepted_findable_p50_s']:.2f} s, "
            f"max {results['accepted_findable_max_s']:.2f} s"
        )
    results["load_average"] = os.getloadavg()
    print(f"load average {results['load_average']}")
    if not args.no_json:
        RESULTS.mkdir(exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = RESULTS / f"search-{args.engine}-{stamp}.json"
        path.write_text(json.dumps(results, indent=2), encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
