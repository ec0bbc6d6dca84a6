"""`flask bench corpus`: add a 600-clause standard with 100,000 comments to the database."""

from __future__ import annotations

import datetime as dt
import random
import time

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.audit.service import record
from app.auth.permissions import SYSTEM
from app.benchcorpus import corpus
from app.committee import ballots, synopsis
from app.committee.models import SynopsisPublication
from app.database import utcnow
from app.drafting.models import Standard
from app.extensions import db

bench_cli = AppGroup("bench", help="Benchmark corpora.")


def build_corpus(
    session,
    *,
    comments: int,
    accounts: int,
    clauses: int,
    uid_prefix: str,
    seed: int,
    echo=lambda line: None,
) -> corpus.CorpusReport:
    """Add the standard, its drafts, two rounds of comments, dispositions, synopsis, ballot."""
    rng = random.Random(seed)
    now = utcnow().replace(microsecond=0)
    report = corpus.CorpusReport()
    slug = f"volume-benchmark-{uid_prefix.lower()}"
    secretariat, members = corpus.staff(session)
    standard, versions = corpus.build_standard(
        session, slug=slug, uid_prefix=uid_prefix, clauses=clauses, rng=rng
    )
    report.standard, report.versions = slug, [v.label for v in versions]
    echo(f"standard {slug}: {len(versions)} frozen versions")
    first = corpus.open_round(
        session,
        standard,
        versions[0],
        opens_at=now - dt.timedelta(days=160),
        closes_at=now - dt.timedelta(days=90),
        title=f"Volume benchmark {uid_prefix}: first round",
    )
    second = corpus.open_round(
        session,
        standard,
        versions[1],
        opens_at=now - dt.timedelta(days=20),
        closes_at=now + dt.timedelta(days=60),
        title=f"Volume benchmark {uid_prefix}: second round",
    )
    report.rounds = [first.id, second.id]
    people = corpus.bulk_accounts(session, accounts, uid_prefix.lower(), now)
    report.accounts = len(people)
    echo(f"{len(people)} accounts")
    half = comments // 2
    for round_, count, hot in ((first, half, 1000), (second, comments - half, 0)):
        subs, made, anchored = corpus.load_comments(
            session, round_, people, count, rng=rng, hot_clause_comments=min(hot, count)
        )
        report.submissions += subs
        report.comments += made
        report.anchored += anchored
        echo(f"round {round_.id}: {subs} submissions, {made} comments")
    report.hot_clause = corpus.round_targets(session, first)[2].uid
    answered_at = first.closes_at + dt.timedelta(days=10)
    report.dispositions = corpus.answer_round(
        session, first, members[0], members[-1], rng=rng, at=answered_at
    )
    corpus.hide_some(session, first, secretariat, 0.001, answered_at)
    publication = SynopsisPublication(
        round_id=first.id,
        published_at=answered_at + dt.timedelta(days=5),
        published_by_id=secretariat.id,
        counts=synopsis.count_snapshot(session, first),
    )
    session.add(publication)
    session.flush()
    record(
        session,
        secretariat,
        "synopsis.publish",
        publication,
        summary=f"Published the synopsis of {first.title}",
        round_id=first.id,
        comments=half,
        bulk=True,
    )
    opened = now - dt.timedelta(days=30)
    ballot = ballots.open_ballot(
        session,
        secretariat,
        versions[-1],
        question_kind="another-round",
        question="Put draft 3 out for a further round of consultation?",
        closes_at=opened + dt.timedelta(days=14),
        now=opened,
    )
    for n, member in enumerate(members):
        ballots.cast_vote(
            session,
            member,
            ballot,
            choice="yes" if n % 3 != 2 else "abstain",
            now=opened + dt.timedelta(days=1, hours=n),
        )
    ballots.close(session, ballot, now)
    report.ballot_id = ballot.id
    record(session, SYSTEM, "bench.corpus", standard, summary=f"Benchmark corpus {slug}")
    return report


@bench_cli.command("corpus")
@click.option("--comments", default=100_000, show_default=True, help="comments in all")
@click.option("--accounts", default=None, type=int, help="commenter accounts (comments / 5)")
@click.option("--clauses", default=600, show_default=True, help="clauses of the standard")
@click.option("--prefix", "uid_prefix", default=None, help="uid prefix (default: a free VB…)")
@click.option("--seed", default=1, show_default=True)
def corpus_command(
    comments: int, accounts: int | None, clauses: int, uid_prefix: str | None, seed: int
) -> None:
    """Add a standard in three drafts with two rounds of comments (on top of any content)."""
    if comments < 2:
        raise click.UsageError("--comments must be at least 2")
    started = time.perf_counter()
    with db.transaction() as session:
        if uid_prefix is None:
            taken = set(session.scalars(select(Standard.uid_prefix)))
            uid_prefix = next(f"VB{n}" for n in range(1, 1000) if f"VB{n}" not in taken)
        elif session.scalar(select(Standard.id).where(Standard.uid_prefix == uid_prefix)):
            raise click.UsageError(f"uid prefix {uid_prefix} is already used")
        report = build_corpus(
            session,
            comments=comments,
            accounts=accounts or max(1, comments // 5),
            clauses=clauses,
            uid_prefix=uid_prefix,
            seed=seed,
            echo=click.echo,
        )
    for line in report.lines():
        click.echo(line)
    click.echo(f"done in {time.perf_counter() - started:.0f} s")
