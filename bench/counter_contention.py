"""Concurrent one-step posts on PostgreSQL with and without the comment counters' triggers.

Run: DATABASE_URL=postgresql+psycopg://... SECRET_KEY=x .venv/bin/python \
    bench/counter_contention.py [--threads 4] [--posts 100] [--rounds 3]

On a database of your own with an open round (e.g. the bench corpus: its last round).
Creates --threads commenters, then alternates (--rounds times) a batch with the
counters' trigger disabled and one with it enabled: each thread sends --posts one-step
comments, all on the same clause, same type and group (the hottest counter rows), one
transaction each. Prints posts/s and the app's CPU per post of each batch; after each
disabled batch the counters are repaired, after each enabled batch they are checked
(`counters.differences` must be 0: the triggers stayed right under concurrency).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.auth import service as accounts  # noqa: E402
from app.auth.models import User  # noqa: E402
from app.consultation import counters, service  # noqa: E402
from app.consultation.models import ConsultationRound  # noqa: E402
from app.database import utcnow  # noqa: E402
from app.drafting.models import Clause, VersionEntry  # noqa: E402
from app.extensions import db  # noqa: E402

TRIGGERS = (
    "comment_state_tally_insert",
    "comment_state_tally_delete",
    "comment_state_tally_update",
)


def _batch(app, user_ids, round_id, uid, posts) -> tuple[float, float]:
    def work(user_id):
        with app.test_request_context():
            for n in range(posts):
                with db.transaction() as session:
                    user = session.get(User, user_id)
                    round_ = session.get(ConsultationRound, round_id)
                    service.send_comment(
                        session,
                        user,
                        round_,
                        clause_uid=uid,
                        comment_type="technical",
                        body=f"Contention post {n} by {user_id}.",
                        now=utcnow(),
                    )

    threads = [threading.Thread(target=work, args=(u,)) for u in user_ids]
    started, cpu = time.perf_counter(), time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    total = posts * len(user_ids)
    return total / wall, cpu * 1000 / total


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--posts", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    app = create_app({"RATELIMIT_ENABLED": False})
    with app.app_context():
        assert db.engine.dialect.name == "postgresql", "PostgreSQL only"
        with db.transaction() as session:
            now = utcnow()
            round_ = session.scalars(
                select(ConsultationRound)
                .where(ConsultationRound.opens_at <= now, ConsultationRound.closes_at > now)
                .order_by(ConsultationRound.id.desc())
            ).first()
            round_id = round_.id
            uid = session.scalar(
                select(Clause.uid)
                .join(VersionEntry, VersionEntry.clause_id == Clause.id)
                .where(VersionEntry.version_id == round_.version_id)
                .order_by(VersionEntry.ordinal)
                .limit(1)
            )
            stamp = int(time.time())
            users = [
                accounts.create_user(
                    session,
                    email=f"contention-{stamp}-{n}@bench.example",
                    password="contention bench password long",  # noqa: S106 - throwaway
                    name=f"Contention {n}",
                    roles=[],
                )
                for n in range(args.threads)
            ]
            session.flush()
            for user in users:
                user.email_verified_at = now
            user_ids = [u.id for u in users]
        found = {"off": [], "on": []}
        for _ in range(args.rounds):
            for mode in ("off", "on"):
                state = "DISABLE" if mode == "off" else "ENABLE"
                with db.engine.begin() as conn:
                    for name in TRIGGERS:
                        conn.execute(text(f"ALTER TABLE comment_state {state} TRIGGER {name}"))
                rate, cpu = _batch(app, user_ids, round_id, uid, args.posts)
                found[mode].append((rate, cpu))
                with db.transaction() as session:
                    if mode == "off":
                        counters.repair(session, round_id)
                    else:
                        wrong = counters.differences(session, round_id)
                        assert wrong == 0, f"{wrong} counter rows differ after a concurrent batch"
                print(f"triggers {mode}: {rate:.0f} posts/s, app CPU {cpu:.2f} ms/post", flush=True)
        for mode, rows in found.items():
            rates, cpus = [r for r, _ in rows], [c for _, c in rows]
            print(
                f"median, triggers {mode}: {statistics.median(rates):.0f} posts/s, "
                f"{statistics.median(cpus):.2f} ms CPU/post"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
