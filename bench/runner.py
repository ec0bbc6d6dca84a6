"""Drive bench/run: build the corpus, serve it with gunicorn, load it with wrk, report.

Every case runs right after its baseline (the bare INSERT route for intake,
/healthz for pages), so a noisy neighbour on this shared machine weighs on both;
the report gives medians, p95 and p99, the ratio to the baseline and the load
average around each case.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
VENV = ROOT / ".venv" / "bin"
COMMITTEE = ("committee@demo.clausewise.org", "bauxite-to-billet-demo")  # app/demo/accounts.py
DEMO_TOTP_SECRET = "CLAUSEWISEDEMO2FACTORSECRETKEY23"  # noqa: S105 - printed by `flask demo`
BENCH_PASSWORD = "tangerine harbour lantern volume"  # noqa: S105 - the corpus accounts' printed password

DONE_LUA = r"""
done = function(summary, latency, requests)
  local accepted = 0
  for _, t in ipairs(threads) do accepted = accepted + (t:get("accepted") or 0) end
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "status_errors": %d, "socket_errors": %d,'
    .. ' "p50": %d, "p95": %d, "p99": %d, "mean": %d, "accepted": %d}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean,
    accepted))
end
"""

THREADS_LUA = r"""
threads = {}
setup = function(thread) table.insert(threads, thread) end
"""

GET_LUA = (
    THREADS_LUA
    + r"""
local cookie = os.getenv("BENCH_COOKIE")
request = function()
  if cookie and cookie ~= "" then
    return wrk.format("GET", nil, {["Cookie"] = cookie})
  end
  return wrk.format("GET")
end
accepted = 0
response = function(status) if status == 200 then accepted = accepted + 1 end end
"""
    + DONE_LUA
)

INTAKE_LUA = (
    THREADS_LUA
    + r"""
local sessions = {}
for line in io.lines(os.getenv("BENCH_SESSIONS")) do
  local cookie, token, uid = line:match("([^\t]+)\t([^\t]+)\t([^\t]*)")
  table.insert(sessions, {cookie = cookie, token = token, uid = uid})
end
local n = 0
local offset = 0
init = function(args) offset = math.random(#sessions) end
request = function()
  n = n + 1
  local s = sessions[(n + offset) % #sessions + 1]
  local body = "csrf_token=" .. s.token .. "&clause_uid=" .. s.uid
    .. "&comment_type=technical&proposed_change=&passage=&send_now=1"
    .. "&body=The+requirement+is+too+vague+to+audit.+Say+what+evidence+an+auditor+should"
    .. "+ask+for%2C+and+how+often+the+assessment+must+be+repeated.+Request+" .. n
  return wrk.format("POST", wrk.path, {["Cookie"] = s.cookie, ["Referer"] = "http://127.0.0.1/",
    ["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
accepted = 0
response = function(status) if status == 201 then accepted = accepted + 1 end end
"""
    + DONE_LUA
)

INSERT_LUA = (
    THREADS_LUA
    + r"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "body=The+requirement+is+too+vague+to+audit.+Say+what+evidence+an+auditor+should"
  .. "+ask+for%2C+and+how+often+the+assessment+must+be+repeated."
accepted = 0
response = function(status) if status == 201 then accepted = accepted + 1 end end
"""
    + DONE_LUA
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


@dataclass
class Result:
    name: str
    baseline: dict
    case: dict
    load_before: str
    load_after: str
    target: str = ""
    kind: str = "page"  # page: latency ratio; intake: throughput ratio
    notes: list[str] = field(default_factory=list)


class Postgres:
    """A throwaway PostgreSQL server on loopback, as .ci/run starts one."""

    def __init__(self, workdir: Path) -> None:
        initdb = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))[-1]
        self.bin = initdb.parent
        self.data = workdir / "pg"
        self.data.mkdir()
        shutil.chown(self.data, "postgres")
        shutil.chown(workdir, "postgres")
        self.port = free_port()

    def _as_postgres(self, *args: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *args], check=True, stdout=subprocess.DEVNULL
        )

    def start(self) -> str:
        self._as_postgres(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "clausewise", "--auth=trust"
        )
        self._as_postgres(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.data / "server.log"),
            "-w",
            "-o",
            f"-h 127.0.0.1 -p {self.port} -k {self.data}",
            "start",
        )
        self._as_postgres(
            str(self.bin / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "clausewise",
            "bench",
        )
        return f"postgresql+psycopg://clausewise@127.0.0.1:{self.port}/bench"

    def stop(self) -> None:
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.data),
                "-m",
                "fast",
                "stop",
            ],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


class Site:
    """The app under gunicorn, plus HTTP helpers to prepare signed-in sessions."""

    def __init__(
        self, env: dict, workers: int, jobs_nice: int = 0, jobs_args: tuple[str, ...] = ()
    ) -> None:
        self.env = env
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [
                str(VENV / "gunicorn"),
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "120",  # as scripts/run: long exports on a busy machine
                "--log-level",
                "warning",
                "bench.baseline_app:app",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        # Queued jobs (acknowledgement mail, search updates) run in their own process, as
        # scripts/run serves: the web workers only serve (JOBS_AFTER_RESPONSE=0). Its log
        # is kept where BENCH_JOBS_LOG says (a failing indexer shows there), else dropped.
        self.jobs_log = open(os.environ.get("BENCH_JOBS_LOG", os.devnull), "a")  # noqa: SIM115
        self.jobs = subprocess.Popen(
            [
                str(VENV / "flask"),
                *("--app", "wsgi", "jobs", "work"),
                *(("--nice", str(jobs_nice)) if jobs_nice else ()),
                *jobs_args,
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=self.jobs_log,
            stderr=subprocess.STDOUT,
        )
        for _ in range(300):
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=2).read()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the web workers and the jobs worker.

        Per accepted request it is the cost a noisy neighbour does not change, unlike
        requests/s on a shared machine.
        """
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True)
        return self._cpu([*out.stdout.split(), str(self.jobs.pid)])

    def jobs_cpu_seconds(self) -> float:
        """CPU time used so far by the jobs worker alone."""
        return self._cpu([str(self.jobs.pid)])

    @staticmethod
    def _cpu(pids: list[str]) -> float:
        total = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")

    def worker_rss_mb(self) -> list[float]:
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True)
        sizes = []
        for pid in out.stdout.split():
            status = Path(f"/proc/{pid}/status").read_text()
            kb = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
            sizes.append(kb / 1024)
        return sizes

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=30)
        os.killpg(self.jobs.pid, signal.SIGTERM)
        try:
            self.jobs.wait(timeout=60)
        except subprocess.TimeoutExpired:  # never leave a busy worker behind on a bench machine
            os.killpg(self.jobs.pid, signal.SIGKILL)
            self.jobs.wait(timeout=10)
        self.jobs_log.close()

    def session(self, email: str, password: str, form_path: str) -> tuple[str, str]:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        opener.addheaders = [("Referer", self.base + "/")]
        page = opener.open(self.base + "/sign-in").read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password})
        answer = opener.open(self.base + "/sign-in", data.encode())
        if answer.geturl().endswith("/sign-in/code"):  # staff: the demo authenticator's code
            import pyotp

            page = answer.read().decode()
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            code = pyotp.TOTP(DEMO_TOTP_SECRET).now()
            data = urllib.parse.urlencode({"csrf_token": token, "code": code})
            answer = opener.open(self.base + "/sign-in/code", data.encode())
        answer.read()
        page = opener.open(self.base + form_path).read().decode()
        found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        token = found.group(1) if found else ""
        cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
        return cookie, token

    def check_post(self, path: str, cookie: str, token: str, uid: str) -> None:
        """Send one one-step post as wrk will, and stop with its answer unless it is a 201."""
        body = urllib.parse.urlencode(
            {
                "csrf_token": token,
                "clause_uid": uid,
                "comment_type": "technical",
                "body": "A first comment, sent before the load to check the form works.",
                "send_now": "1",
            }
        )
        req = urllib.request.Request(
            self.base + path,
            body.encode(),
            headers={"Cookie": cookie, "Referer": self.base + "/"},
        )

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(NoRedirect)
        # No User-Agent, as wrk and the signing-in opener send: flask-login's strong
        # session protection ties a session to the address and the agent.
        opener.addheaders = []
        try:
            status = opener.open(req, timeout=60).status
        except urllib.error.HTTPError as exc:
            page = re.sub(r"\s+", " ", exc.read().decode(errors="replace"))
            raise RuntimeError(f"the one-step post answered {exc.code}: {page[-1500:]}") from None
        if status != 201:
            raise RuntimeError(f"the one-step post answered {status}, not 201")

    def time_get(self, path: str, cookie: str = "") -> float:
        req = urllib.request.Request(self.base + path, headers={"Cookie": cookie} if cookie else {})
        started = time.perf_counter()
        with urllib.request.urlopen(req, timeout=600) as response:
            response.read()
        return time.perf_counter() - started


def wrk(base: str, path: str, script: str, seconds: int, connections: int, env: dict) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t",
                "2",
                "-c",
                str(connections),
                "-d",
                f"{seconds}s",
                "--timeout",
                "10s",
                "-s",
                f.name,
                base + path,
            ],
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            check=True,
        ).stdout
    finally:
        os.unlink(f.name)
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["accepted_rps"] = result["accepted"] / (result["duration_us"] / 1e6)
    return result


def flask(env: dict, *args: str) -> str:
    return subprocess.run(
        [str(VENV / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def query(env: dict, sql: str) -> list:
    code = (
        "import json,sys\nfrom sqlalchemy import text\nfrom app import create_app\n"
        "from app.extensions import db\napp=create_app()\nwith app.app_context():\n"
        "    rows=db.engine.connect().execute(text(sys.argv[1])).all()\n"
        "    print(json.dumps([list(r) for r in rows], default=str))"
    )
    out = subprocess.run(
        [str(VENV / "python"), "-c", code, sql],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def run_engine(engine: str, args) -> tuple[list[Result], dict]:
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-{engine}-"))
    pg = None
    facts: dict = {"engine": engine}
    try:
        if engine == "postgresql":
            pg = Postgres(workdir)
            url = pg.start()
        else:
            url = f"sqlite:///{workdir / 'bench.sqlite3'}"
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-secret",
            "SESSION_COOKIE_SECURE": "0",
            "PREFERRED_URL_SCHEME": "http",
            # The limiter runs (its cost is part of every post) with limits the load stays under.
            "RATELIMIT_ENABLED": "1",
            "JOBS_AFTER_RESPONSE": "0",
            "RATE_LIMIT_PUBLIC_WRITE": "1000000 per minute",
            "RATE_LIMIT_SIGN_IN": "1000000 per minute",
            "SEARCH_INDEX_DIR": str(workdir / "search"),
        }
        flask(env, "db", "upgrade")
        flask(env, "demo")
        started = time.perf_counter()
        report = flask(env, "bench", "corpus", "--comments", str(args.comments))
        facts["corpus_seconds"] = round(time.perf_counter() - started)
        facts["corpus"] = report.strip().splitlines()[-4:]
        ((first, second),) = query(
            env, "SELECT min(id), max(id) FROM consultation_round WHERE title LIKE 'Volume%'"
        )
        (hot,) = query(
            env,
            "SELECT c.uid FROM comment m JOIN clause c ON c.id = m.clause_id "
            "JOIN submission s ON s.id = m.submission_id "
            f"WHERE s.round_id = {first} GROUP BY c.uid ORDER BY count(*) DESC LIMIT 1",
        )
        uids = [
            r[0]
            for r in query(
                env,
                "SELECT c.uid FROM version_entry v JOIN clause c ON c.id = v.clause_id "
                f"JOIN consultation_round r ON r.version_id = v.version_id WHERE r.id = {second} "
                "ORDER BY v.ordinal LIMIT 50",
            )
        ]
        (slug,) = query(
            env,
            f"SELECT s.slug FROM standard s JOIN consultation_round r "
            f"ON r.standard_id = s.id WHERE r.id = {first}",
        )
        site = Site(env, args.workers)
        try:
            facts["diff_cold_ms"] = round(
                1000
                * site.time_get(
                    f"/standards/{slug[0]}/compare?from=1.0-draft-1&to=1.0-draft-2&all=1"
                )
            )
            committee_cookie, _ = site.session(*COMMITTEE, "/committee")
            sessions = workdir / "sessions.tsv"
            lines = []
            for n in range(1, args.accounts + 1):
                cookie, token = site.session(
                    f"vb1-{n}@bench.clausewise.org",
                    BENCH_PASSWORD,
                    f"/consultations/{second}/comment",
                )
                lines.append(f"{cookie}\t{token}\t{uids[n % len(uids)]}")
            sessions.write_text("\n".join(lines) + "\n")
            site.check_post(f"/consultations/{second}/comment", *lines[0].split("\t"))
            results = []
            (before_count,) = query(env, "SELECT count(*) FROM submission WHERE status='submitted'")
            load0 = loadavg()
            cpu0 = site.cpu_seconds()
            base = wrk(
                site.base, "/bench/insert", INSERT_LUA, args.intake_seconds, args.connections, {}
            )
            cpu1 = site.cpu_seconds()
            case = wrk(
                site.base,
                f"/consultations/{second}/comment",
                INTAKE_LUA,
                args.intake_seconds,
                args.connections,
                {"BENCH_SESSIONS": str(sessions)},
            )
            for _ in range(120):  # the jobs worker sends the acknowledgements it was left
                (waiting,) = query(env, "SELECT count(*) FROM job WHERE done_at IS NULL")
                if not waiting[0]:
                    break
                time.sleep(1)
            cpu2 = site.cpu_seconds()
            base_cpu = 1000 * (cpu1 - cpu0) / max(1, base["accepted"])
            case_cpu = 1000 * (cpu2 - cpu1) / max(1, case["accepted"])
            facts["intake_cpu"] = (
                f"{base_cpu:.1f} ms CPU per bare INSERT, {case_cpu:.1f} ms per accepted "
                f"one-step post, jobs worker included (ratio {base_cpu / case_cpu:.2f}; "
                f"jobs still queued after 120 s: {waiting[0]})"
            )
            results.append(
                Result(
                    "intake: one-step comment + submit (POST, 201 with receipt)",
                    base,
                    case,
                    load0,
                    loadavg(),
                    kind="intake",
                    target=">= 500 accepted/s, p99 < 250 ms, ratio >= 0.5",
                )
            )
            (after_count,) = query(env, "SELECT count(*) FROM submission WHERE status='submitted'")
            (bad,) = query(
                env,
                "SELECT count(*) FROM submission s WHERE s.status='submitted' AND "
                "(SELECT count(*) FROM comment c WHERE c.submission_id = s.id) <> 1 "
                f"AND s.round_id = {second} AND s.id > (SELECT max(id) - "
                f"{max(1, case['accepted'])} FROM submission)",
            )
            (dupes,) = query(
                env,
                "SELECT count(*) - count(DISTINCT receipt) FROM submission "
                "WHERE receipt IS NOT NULL",
            )
            facts["intake_check"] = {
                "accepted_responses": case["accepted"],
                "new_submitted_rows": after_count[0] - before_count[0],
                "new_submissions_without_exactly_one_comment": bad[0],
                "duplicate_receipts": dupes[0],
            }
            pages = [
                ("600-clause round page", f"/consultations/{second}", ""),
                (
                    f"public record, clause {hot[0]} (1,000 comments)",
                    f"/consultations/{first}/comments?clause={hot[0]}",
                    "",
                ),
                ("public record, page 1", f"/consultations/{first}/comments", ""),
                ("public record, last page", f"/consultations/{first}/comments?after=last", ""),
                ("committee round page", f"/committee/rounds/{first}", committee_cookie),
                (
                    "committee round page, open technical comments",
                    f"/committee/rounds/{second}?state=open&type=technical",
                    committee_cookie,
                ),
                ("synopsis, first page", f"/consultations/{first}/synopsis", ""),
                ("committee home", "/committee", committee_cookie),
            ]
            for name, path, cookie in pages:
                load0 = loadavg()
                base = wrk(site.base, "/healthz", GET_LUA, args.seconds, args.page_connections, {})
                case = wrk(
                    site.base,
                    path,
                    GET_LUA,
                    args.seconds,
                    args.page_connections,
                    {"BENCH_COOKIE": cookie},
                )
                results.append(Result(name, base, case, load0, loadavg(), target="p95 < 100 ms"))
            facts["worker_rss_mb"] = [round(x) for x in site.worker_rss_mb()]
        finally:
            site.stop()
        return results, facts
    finally:
        if pg is not None:
            pg.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def ms(us: float) -> str:
    return f"{us / 1000:.1f}"


def report(all_results: dict, facts: dict, args) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        f"# Volume benchmark {stamp}",
        "",
        f"{args.comments} comments; gunicorn -w {args.workers}; wrk -t2, "
        f"{args.connections} connections for intake ({args.intake_seconds} s), "
        f"{args.page_connections} for pages ({args.seconds} s per case and baseline); "
        f"{os.cpu_count()} CPUs.",
        "",
    ]
    for engine, results in all_results.items():
        f = facts[engine]
        lines += [
            f"## {engine}",
            "",
            "| case | req/s | p50 ms | p95 ms | p99 ms | errors | baseline req/s | "
            "baseline p50 ms | ratio | load avg before → after | target |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for r in results:
            c, b = r.case, r.baseline
            if r.kind == "intake":
                ratio = c["accepted_rps"] / b["accepted_rps"] if b["accepted_rps"] else 0
                rate = f"{c['accepted_rps']:.0f} accepted"
                base_rate = f"{b['accepted_rps']:.0f}"
            else:
                ratio = c["p50"] / b["p50"] if b["p50"] else 0
                rate, base_rate = f"{c['rps']:.1f}", f"{b['rps']:.0f}"
            errors = c["status_errors"] + c["socket_errors"]
            lines.append(
                f"| {r.name} | {rate} | {ms(c['p50'])} | {ms(c['p95'])} | {ms(c['p99'])} | "
                f"{errors} | {base_rate} | {ms(b['p50'])} | {ratio:.2f}"
                f"{' (throughput)' if r.kind == 'intake' else ' (p50 latency)'} | "
                f"{r.load_before} → {r.load_after} | {r.target} |"
            )
        lines += [
            "",
            f"- corpus built in {f.get('corpus_seconds')} s: " + "; ".join(f.get("corpus", [])),
            f"- full diff of two 600-clause drafts, first request (cold): "
            f"{f.get('diff_cold_ms')} ms (target < 500 ms)",
            f"- intake check: {json.dumps(f.get('intake_check'))}",
            f"- intake CPU: {f.get('intake_cpu')}",
            f"- worker RSS after the run: {f.get('worker_rss_mb')} MB (target < 200 MB)",
            "",
        ]
    path = RESULTS / f"volume-{stamp}.md"
    path.write_text("\n".join(lines))
    return path


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--accounts", type=int, default=100, help="signed-in commenters")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--page-connections", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--intake-seconds", type=int, default=60)
    args = parser.parse_args(argv)
    all_results, facts = {}, {}
    for engine in args.engines.split(","):
        print(f"{engine}: building the corpus and serving it…", flush=True)
        all_results[engine], facts[engine] = run_engine(engine, args)
    path = report(all_results, facts, args)
    print(path.read_text())
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
