"""Benchmark the round exports (CSV, XLSX, Web Annotations): CPU, wall time, peak memory.

Run:
  .venv/bin/python bench/bench_exports.py                            # SQLite, 100,000 comments
  .venv/bin/python bench/bench_exports.py --database-url \
      postgresql+psycopg://clausewise@127.0.0.1:54329/DB              # PostgreSQL (DB is emptied)
  .venv/bin/python bench/bench_exports.py --comments 20000           # a quicker look
  .venv/bin/python bench/bench_exports.py --database-url URL --reuse ROUND  # a corpus built before

The corpus is `flask bench corpus`'s (app/benchcorpus), built with twice --comments so
that its first round holds --comments comments: a 600-clause standard in three frozen
versions, the round on the first, a quarter of the comments anchored to passages,
every comment answered, a few hidden, the synopsis published (so the exports carry
the committee's responses and the anchor states are computed against the newest
draft). With --reuse, the round of an existing database (e.g. after `flask bench
corpus --comments 200000`, its first round) is exported and nothing is built.

Each export is fetched through the Flask test client in a child process of its own,
with a GET /healthz baseline timed in the same child; the child reports the wall
time, its CPU time, the time it was runnable but waiting for a core (the scheduler's
run-queue delay, /proc/self/schedstat), the bytes and its peak resident memory
(VmHWM), and the parent checks that every comment came out. Wall time minus CPU minus
run-queue wait is time blocked: on the database server, on the disk. See bench/README.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

EXPORTS = {
    "csv": "/consultations/{round_id}/comments.csv",
    "xlsx": "/consultations/{round_id}/comments.xlsx",
    "annotations": "/consultations/{round_id}/annotations.jsonld",
}
HEALTHZ_RUNS = 30


def _app(url: str, index_dir: Path):
    from app import create_app

    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench-secret",
            "DATABASE_URL": url,
            "SEARCH_INDEX_DIR": str(index_dir),
            "SESSION_COOKIE_SECURE": False,
            "RATELIMIT_ENABLED": False,
        }
    )


def build(url: str, index_dir: Path, comments: int) -> int:
    """Empty the database, migrate it and add `flask bench corpus`; return the round to export."""
    from sqlalchemy import text

    from app.benchcorpus.cli import build_corpus
    from app.cli import upgrade_schema
    from app.extensions import db

    app = _app(url, index_dir)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade_schema()
        with db.transaction() as session:
            report = build_corpus(
                session,
                comments=2 * comments,  # two rounds: the first, answered, is exported
                accounts=max(1, 2 * comments // 5),
                clauses=600,
                uid_prefix="VB1",
                seed=1,
                echo=print,
            )
    return report.rounds[0]


def schedstat() -> tuple[float, float]:
    """Seconds this process has run on a core and waited for one (runnable, not running)."""
    on_cpu, waiting, _slices = Path("/proc/self/schedstat").read_text().split()
    return int(on_cpu) / 1e9, int(waiting) / 1e9


def vm_hwm_mb() -> float:
    """This process's peak resident memory (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child(url: str, index_dir: Path, path: str, out: Path) -> dict:
    """Fetch one export through the test client; time it, count it, note peak memory."""
    app = _app(url, index_dir)
    client = app.test_client()

    def healthz() -> float:
        samples = []
        for _ in range(HEALTHZ_RUNS):
            started = time.perf_counter()
            if client.get("/healthz").status_code != 200:
                raise SystemExit("/healthz failed")
            samples.append(time.perf_counter() - started)
        return statistics.median(samples)

    before = healthz()
    rss_before = vm_hwm_mb()
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    _ran, waited = schedstat()
    started = time.perf_counter()
    response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}")
    size = 0
    with out.open("wb") as sink:
        for chunk in response.iter_encoded():
            size += len(chunk)
            sink.write(chunk)
    response.close()
    seconds = time.perf_counter() - started
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu_s = used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime
    runq_s = schedstat()[1] - waited
    after = healthz()
    return {
        "seconds": seconds,
        "cpu_s": cpu_s,
        "runq_wait_s": runq_s,
        "blocked_s": max(0.0, seconds - cpu_s - runq_s),
        "load": os.getloadavg()[0],
        "bytes": size,
        "healthz_ms": 1000 * statistics.median([before, after]),
        "vm_hwm_mb": vm_hwm_mb(),
        "vm_hwm_before_mb": rss_before,
    }


def rows_in(kind: str, path: Path) -> list[str]:
    """Return the receipt references of the exported rows, in file order."""
    if kind == "csv":
        with path.open(encoding="utf-8", newline="") as f:
            return [row[9] for row in list(csv.reader(f))[1:]]
    if kind == "xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True).active
        return [row[9] for row in sheet.iter_rows(min_row=2, values_only=True)]
    items = json.loads(path.read_text(encoding="utf-8"))["first"]["items"]
    return [item["id"] for item in items]


def run_child(url: str, index_dir: Path, kind: str, round_id: int, workdir: Path) -> dict:
    out = workdir / f"export-{os.getpid()}.{kind}"  # runs sharing a corpus never share a file
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, __file__, "--child", kind, "--database-url", url]
    args += ["--reuse", str(round_id), "--workdir", str(workdir), "--out", str(out)]
    done = subprocess.run(args, env=env, check=True, capture_output=True, text=True)  # noqa: S603
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["rows"] = len(rows_in(kind, out))
    out.unlink()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="emptied first; default SQLite")
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=1, help="fetches of each export")
    parser.add_argument("--reuse", type=int, default=0, help="round id of a corpus built before")
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--only", choices=sorted(EXPORTS), action="append")
    parser.add_argument("--child", choices=sorted(EXPORTS), help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--no-json", action="store_true")
    args = parser.parse_args(argv)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="bench-exports-"))
    workdir.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    index_dir = workdir / "search-index"
    if args.child:
        path = EXPORTS[args.child].format(round_id=args.reuse)
        print(json.dumps(child(url, index_dir, path, Path(args.out))))
        return 0
    round_id, setup_s = args.reuse, 0.0
    if not round_id:
        print(f"building the corpus ({args.comments} comments a round) in {workdir} …", flush=True)
        started = time.perf_counter()
        round_id = build(url, index_dir, args.comments)
        setup_s = time.perf_counter() - started
        print(f"corpus built in {setup_s:.0f} s (round {round_id})", flush=True)
    database = url.split(":", 1)[0]
    results: dict = {"database": database, "round_id": round_id, "setup_s": setup_s, "cases": {}}
    print(f"\nexports on {database}, round {round_id}")
    print(
        f"{'export':<12}{'rows':>8}{'s':>7}{'cpu s':>7}{'runq s':>7}{'blkd s':>7}{'MB out':>7}"
        f"{'peak MB':>8}"
        f"{'healthz ms':>11}{'x':>7}{'load':>6}"
    )
    for kind in args.only or list(EXPORTS):
        for _ in range(args.runs):
            r = run_child(url, index_dir, kind, round_id, workdir)
            r["x_healthz"] = r["seconds"] * 1000 / r["healthz_ms"]
            results["cases"].setdefault(kind, []).append(r)
            print(
                f"{kind:<12}{r['rows']:>8}{r['seconds']:>7.1f}{r['cpu_s']:>7.1f}"
                f"{r['runq_wait_s']:>7.1f}{r['blocked_s']:>7.1f}"
                f"{r['bytes'] / 2**20:>7.1f}{r['vm_hwm_mb']:>8.0f}{r['healthz_ms']:>11.2f}"
                f"{r['x_healthz']:>7.0f}{r['load']:>6.1f}",
                flush=True,
            )
    if not args.no_json:
        RESULTS.mkdir(exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        out = RESULTS / f"exports-{database.split('+')[0]}-{stamp}.json"
        out.write_text(json.dumps(results, indent=2), encoding="utf-8")
        print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
