"""Benchmark the drafting pages and word diffs against the cheapest request.

Run: .venv/bin/python bench/bench_drafting.py [--runs N] [--no-json]

Builds a fresh SQLite database in a temporary folder, loads the demo accounts
and standard, imports a generated 600-clause standard, then times each case
round-robin (so a noisy neighbour slows every case alike) and reports the
median in milliseconds and as a multiple of GET /healthz measured in the same
run. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyotp

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEMO_SLUG = "responsible-aluminium"
SYNTHETIC_SLUG = "synthetic-benchmark"
SYNTHETIC_SHAPE = (12, 7, 6)  # principles x criteria x requirements: 12 + 84 + 504 = 600
COMMITTEE = "committee@demo.clausewise.org"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# --- the synthetic standard --------------------------------------------------


def synthetic_source(shape: tuple[int, int, int] = SYNTHETIC_SHAPE) -> str:
    """The 600-clause standard of `flask bench corpus`, under this benchmark's slug."""
    from app.benchcorpus.standard import synthetic_source as generate

    return generate(SYNTHETIC_SLUG, "Synthetic Benchmark Standard", "SY", shape)


# --- setup ---------------------------------------------------------------------


def build_app(workdir: Path):
    """Create the app on a fresh SQLite file with the demo and the synthetic standard."""
    from app import create_app
    from app.auth.permissions import SYSTEM
    from app.cli import upgrade_schema
    from app.consultation import service as consultation
    from app.database import utcnow
    from app.demo.accounts import load_accounts
    from app.demo.standard import load_standard
    from app.drafting import service as drafting
    from app.drafting.importing import import_source
    from app.extensions import db

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench-secret",
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "SEARCH_INDEX_DIR": str(workdir / "search-index"),
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade_schema()
        load_accounts(db)
        load_standard(db)
        with db.transaction() as session:
            report = import_source(session, SYSTEM, synthetic_source(), "synthetic.md")
            drafting.freeze(session, SYSTEM, report.standard, label="1.0-draft-1")
        with db.transaction() as session:
            fields = consultation.clean_round(
                session,
                standard_slug=SYNTHETIC_SLUG,
                version_label="1.0-draft-1",
                title="Synthetic consultation",
                opens_at=utcnow() - dt.timedelta(days=1),
                closes_at=utcnow() + dt.timedelta(days=70),
            )
            consultation.create_round(session, SYSTEM, fields)
        edit_synthetic(db, "1.0-draft-2", step=10)
    return app


def edit_synthetic(db, label: str, step: int) -> None:
    """Edit every step-th clause of the synthetic standard (a word changed, a sentence
    added, about 10% of 600 clauses for step 10) and freeze the result as label."""
    from sqlalchemy import select

    from app.auth.permissions import SYSTEM
    from app.drafting import editing
    from app.drafting import service as drafting
    from app.drafting.models import Clause

    with db.transaction() as session:
        standard = drafting.get_standard(session, SYNTHETIC_SLUG)
        clauses = session.scalars(
            select(Clause).where(Clause.standard_id == standard.id).order_by(Clause.id)
        ).all()
        for clause in clauses[::step]:
            head = clause.head
            body = head.body.replace("shall", "must", 1)
            editing.save_clause(
                session,
                SYSTEM,
                clause,
                based_on_id=head.id,
                kind=str(head.kind),
                number=head.number,
                heading=head.heading,
                body=body + f"\n\nRevised for {label}: the Entity shall also publish it.",
            )
        drafting.freeze(session, SYSTEM, standard, label=label)


def diff_pairs(app) -> list[tuple[str, str]]:
    """Return (draft-1 body, draft-2 body) for every clause in either demo draft."""
    from app.drafting import service as drafting
    from app.extensions import db

    with app.app_context():
        standard = drafting.get_standard(db.session, DEMO_SLUG)
        old = {
            n.clause_id: n.revision.body
            for n in drafting.version_nodes(
                db.session, drafting.get_version(db.session, standard, "3.0-draft-1")
            )
        }
        new = {
            n.clause_id: n.revision.body
            for n in drafting.version_nodes(
                db.session, drafting.get_version(db.session, standard, "3.0-draft-2")
            )
        }
    return [(old.get(cid, ""), new.get(cid, "")) for cid in sorted(old.keys() | new.keys())]


# --- measuring -----------------------------------------------------------------


@dataclass
class Case:
    name: str
    run: Callable[[], object]
    note: str = ""
    samples: list[float] = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def min_ms(self) -> float:
        return min(self.samples) * 1000


def page_case(client, name: str, path: str, clauses: int, note: str = "") -> Case:
    """Time a GET that must answer 200 with the expected number of clauses."""

    def run():
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
        html = response.get_data(as_text=True)
        shown = html.count('<section class="clause ')
        if clauses and shown != clauses:
            raise SystemExit(f"{path} shows {shown} clauses, expected {clauses}")
        return html

    return Case(name, run, note or path)


def build_cases(app) -> list[Case]:
    from app.demo.accounts import DEMO_PASSWORD, DEMO_TOTP_SECRET
    from app.drafting import service as drafting
    from app.extensions import db
    from app.text.diffing import word_diff

    with app.app_context():
        counts = {}
        for slug, label in ((DEMO_SLUG, "3.0-draft-2"), (SYNTHETIC_SLUG, "1.0-draft-1")):
            standard = drafting.get_standard(db.session, slug)
            counts[slug] = drafting.clause_count(
                db.session, drafting.get_version(db.session, standard, label)
            )

    public = app.test_client()
    committee = app.test_client()
    response = committee.post("/sign-in", data={"email": COMMITTEE, "password": DEMO_PASSWORD})
    if response.status_code == 302 and response.headers["Location"].endswith("/sign-in/code"):
        code = pyotp.TOTP(DEMO_TOTP_SECRET).now()
        response = committee.post("/sign-in/code", data={"code": code})
    if response.status_code != 302:
        raise SystemExit(f"signing the committee member in failed ({response.status_code})")

    pairs = diff_pairs(app)

    def diff_all():
        for old, new in pairs:
            word_diff(old, new)

    from sqlalchemy import select

    from app.committee import diffs
    from app.consultation.models import ConsultationRound

    with app.app_context():
        round_id = db.session.scalar(
            select(ConsultationRound.id).where(ConsultationRound.title == "Synthetic consultation")
        )
    compare = f"/standards/{DEMO_SLUG}/compare?from=3.0-draft-1&to=3.0-draft-2&mode=side"

    def compare_cold():
        diffs.frozen_pairs.clear()
        return page_case(public, "", compare, 0).run()

    synthetic_compare = (
        f"/standards/{SYNTHETIC_SLUG}/compare?from=1.0-draft-1&to=1.0-draft-2&mode=side"
    )

    def synthetic_cold(path: str):
        def run():
            diffs.frozen_pairs.clear()
            return page_case(public, "", path, 0).run()

        return run

    demo, synthetic = counts[DEMO_SLUG], counts[SYNTHETIC_SLUG]
    return [
        Case("baseline: GET /healthz", lambda: public.get("/healthz"), "the cheapest request"),
        page_case(
            public,
            f"demo version page ({demo} clauses)",
            f"/standards/{DEMO_SLUG}/versions/3.0-draft-2",
            demo,
        ),
        page_case(
            committee,
            f"demo working draft ({demo} clauses)",
            f"/standards/{DEMO_SLUG}/versions/working",
            demo,
            "signed in as committee",
        ),
        page_case(
            public,
            f"synthetic version page ({synthetic} clauses)",
            f"/standards/{SYNTHETIC_SLUG}/versions/1.0-draft-1",
            synthetic,
        ),
        page_case(
            committee,
            f"synthetic working draft ({synthetic} clauses)",
            f"/standards/{SYNTHETIC_SLUG}/versions/working",
            synthetic,
            "signed in as committee",
        ),
        page_case(
            public,
            f"synthetic consultation round page ({synthetic} clauses)",
            f"/consultations/{round_id}",
            synthetic,
            "the public reading an open round",
        ),
        Case("compare draft-1 -> draft-2, cold (cache cleared)", compare_cold, compare),
        page_case(
            public,
            "compare draft-1 -> draft-2, cached",
            compare,
            0,
            "frozen pairs never change, so the diff is cached",
        ),
        Case(
            f"compare {synthetic} clauses draft-1 -> draft-2, cold",
            synthetic_cold(synthetic_compare),
            "cache cleared; the changed clauses only (the default)",
        ),
        Case(
            f"compare {synthetic} clauses draft-1 -> draft-2, cold, all",
            synthetic_cold(synthetic_compare + "&all=1"),
            "cache cleared; every clause shown (the full diff)",
        ),
        Case(
            f"word_diff draft-1 -> draft-2 ({len(pairs)} clauses)",
            diff_all,
            "app.text.diffing.word_diff over every clause body",
        ),
    ]


def measure(cases: list[Case], runs: int, warmup: int = 2) -> None:
    """Run every case once per round, round-robin, and keep the timings after warm-up."""
    for round_ in range(warmup + runs):
        for case in cases:
            start = time.perf_counter()
            case.run()
            elapsed = time.perf_counter() - start
            if round_ >= warmup:
                case.samples.append(elapsed)


def report(cases: list[Case], runs: int, setup_s: float) -> dict:
    baseline = cases[0].median_ms
    width = max(len(c.name) for c in cases)
    print(f"\nmedian of {runs} runs after warm-up; setup took {setup_s:.1f} s\n")
    print(f"{'case':<{width}}  {'median ms':>10}  {'min ms':>8}  {'x baseline':>10}")
    print(f"{'-' * width}  {'-' * 10}  {'-' * 8}  {'-' * 10}")
    for c in cases:
        print(
            f"{c.name:<{width}}  {c.median_ms:>10.2f}  {c.min_ms:>8.2f}  "
            f"{c.median_ms / baseline:>10.1f}"
        )
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "runs": runs,
        "baseline_ms": round(baseline, 3),
        "cases": [
            {
                "name": c.name,
                "note": c.note,
                "median_ms": round(c.median_ms, 3),
                "min_ms": round(c.min_ms, 3),
                "ratio_to_baseline": round(c.median_ms / baseline, 2),
            }
            for c in cases
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per case (default 15)")
    parser.add_argument("--no-json", action="store_true", help="do not write bench/results/*.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="clausewise-bench-") as tmp:
        started = time.perf_counter()
        app = build_app(Path(tmp))
        cases = build_cases(app)
        setup_s = time.perf_counter() - started
        measure(cases, args.runs)
        results = report(cases, args.runs, setup_s)
        from app.extensions import db

        db.engine.dispose()
    if not args.no_json:
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        path = RESULTS / f"drafting-{stamp}.json"
        path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
