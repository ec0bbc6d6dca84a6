"""Time pages of a loaded database in-process, each alternated with /healthz.

Run: DATABASE_URL=... SECRET_KEY=x .venv/bin/python bench/time_pages.py [--runs N] PATH ...

Reads as a visitor (PROFILE_AS=committee signs in as the demo committee member,
as bench/profile_pages.py does). Each round requests /healthz, then every path;
two warm-up rounds are dropped. Prints median, p95 and p99 per path and the
ratio of its median and p95 to /healthz's in the same run: the machine is
shared, the ratio is the figure to compare.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.demo.accounts import DEMO_PASSWORD  # noqa: E402
from bench.profile_pages import COMMITTEE, sign_in  # noqa: E402


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(argv: list[str]) -> int:
    runs = 30
    if argv[:1] == ["--runs"]:
        runs, argv = int(argv[1]), argv[2:]
    paths = ["/healthz", *argv]
    app = create_app({"SESSION_COOKIE_SECURE": False, "RATELIMIT_ENABLED": False})
    client = app.test_client()
    client.environ_base["HTTP_REFERER"] = "https://localhost/"
    if os.environ.get("PROFILE_AS") == "committee":
        sign_in(client, COMMITTEE, DEMO_PASSWORD)
    times: dict[str, list[float]] = {p: [] for p in paths}
    cpu: dict[str, list[float]] = {p: [] for p in paths}
    for n in range(runs + 2):
        for path in paths:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            took = (time.perf_counter() - started) * 1000
            took_cpu = (time.process_time() - started_cpu) * 1000
            assert response.status_code == 200, (path, response.status_code)
            if n >= 2:
                times[path].append(took)
                cpu[path].append(took_cpu)
    base = times["/healthz"]
    base_median, base_p95 = statistics.median(base), _quantile(base, 0.95)
    load = os.getloadavg()[0]
    print(f"{runs} runs, load average {load:.2f}")
    # CPU ms: this process's CPU time for the request, steadier than wall time when
    # other people's jobs share the cores (the database is in-process on SQLite).
    print(
        f"{'path':<36} {'median':>7} {'p95':>7} {'p99':>7} {'x med':>6} {'x p95':>6} {'cpu med':>8}"
        f" {'x cpu':>6}"
    )
    base_cpu = statistics.median(cpu["/healthz"])
    for path, values in times.items():
        median, p95, p99 = (
            statistics.median(values),
            _quantile(values, 0.95),
            _quantile(values, 0.99),
        )
        print(
            f"{path:<36} {median:7.1f} {p95:7.1f} {p99:7.1f} "
            f"{median / base_median:6.1f} {p95 / base_p95:6.1f} {statistics.median(cpu[path]):8.1f}"
            f" {statistics.median(cpu[path]) / base_cpu:6.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
