"""CI guards the volume: a round of 20,000 comments, every page of it, bounded SQL.

The comments go in with the benchmark corpus's bulk loader (valid rows, fast).
Every committee and public page of the round must answer 200 with a bounded
number of SQL statements, none carrying more than a few hundred bind
parameters (PostgreSQL refuses more than 65,535: the 500 it once gave), and
no GET may write.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import time

import pytest
from sqlalchemy import event, select

from app.auth.models import Role
from app.benchcorpus import corpus
from app.committee.models import SynopsisPublication
from app.consultation.models import Comment, Submission
from app.database import utcnow
from app.extensions import db as database

COMMENTS = 20_000
MAX_STATEMENTS = 30
MAX_BIND_PARAMETERS = 300


@pytest.fixture
def big_round(session, make_user):
    rng = random.Random(12)
    now = utcnow().replace(microsecond=0)
    secretariat, members = corpus.staff(session)
    standard, versions = corpus.build_standard(
        session, slug="volume-guard", uid_prefix="VG", clauses=60, drafts=2, rng=rng
    )
    round_ = corpus.open_round(
        session,
        standard,
        versions[0],
        opens_at=now - dt.timedelta(days=100),
        closes_at=now - dt.timedelta(days=30),
        title="Volume guard round",
    )
    people = corpus.bulk_accounts(session, COMMENTS // 5, "vg", now)
    corpus.load_comments(session, round_, people, COMMENTS, rng=rng, hot_clause_comments=1000)
    corpus.answer_round(
        session, round_, members[0], members[-1], rng=rng, at=now - dt.timedelta(days=20)
    )
    corpus.hide_some(session, round_, secretariat, 0.001, now - dt.timedelta(days=20))
    session.add(
        SynopsisPublication(
            round_id=round_.id,
            published_at=now - dt.timedelta(days=10),
            published_by_id=secretariat.id,
        )
    )
    session.commit()
    member = make_user(Role.COMMITTEE)
    session.commit()
    hot = corpus.round_targets(session, round_)[2].uid
    one = session.scalar(
        select(Comment.id).join(Submission).where(Submission.round_id == round_.id).limit(1)
    )
    return round_, standard, hot, one, member


def _watch():
    seen: list[tuple[str, int]] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        size = len(parameters) if isinstance(parameters, (list, tuple, dict)) else 0
        seen.append((statement, size))

    event.listen(database.engine, "before_cursor_execute", listen)
    return seen, lambda: event.remove(database.engine, "before_cursor_execute", listen)


def test_every_page_of_a_20000_comment_round_is_bounded(client, auth, big_round):
    round_, standard, hot, one, member = big_round
    r = round_.id
    public = [
        f"/consultations/{r}",
        f"/consultations/{r}/comments",
        f"/consultations/{r}/comments?after=last",
        f"/consultations/{r}/comments?clause={hot}",
        f"/consultations/{r}/comments?type=technical&group=civil-society",
        f"/consultations/{r}/synopsis",
        f"/consultations/{r}/synopsis?after=last",
        f"/api/v1/rounds/{r}",
        f"/api/v1/rounds/{r}/comments",
        f"/api/v1/rounds/{r}/synopsis",
        f"/standards/{standard.slug}/compare?from=1.0-draft-1&to=1.0-draft-2",
        "/",
    ]
    committee = [
        "/committee",
        f"/committee/rounds/{r}",
        f"/committee/rounds/{r}?after=last",
        f"/committee/rounds/{r}?state=open",
        f"/committee/rounds/{r}?clause={hot}&state=agreed",
        f"/committee/rounds/{r}?group=civil-society&type=editorial&formal=1",
        f"/committee/clauses/{hot}/comments",
        f"/committee/comments/{one}",
        f"/consultations/{r}/comments",
    ]
    problems = []
    for signed_in, paths in ((False, public), (True, committee)):
        if signed_in:
            auth.sign_in(member)
        for path in paths:
            seen, stop = _watch()
            started = time.perf_counter()
            try:
                response = client.get(path)
            finally:
                stop()
            print(f"{time.perf_counter() - started:7.2f} s {len(seen):3d} SQL  {path}")
            if response.status_code != 200:
                problems.append(f"{path}: HTTP {response.status_code}")
            if len(seen) > MAX_STATEMENTS:
                problems.append(f"{path}: {len(seen)} SQL statements")
            widest = max((size for _, size in seen), default=0)
            if widest > MAX_BIND_PARAMETERS:
                problems.append(f"{path}: a statement with {widest} bind parameters")
            writes = [s for s, _ in seen if re.match(r"\s*(INSERT|UPDATE|DELETE)", s, re.I)]
            if writes:
                problems.append(f"{path}: writes on GET: {writes[0][:80]}")
    assert problems == []


def test_keyset_pages_cover_the_round_once(client, auth, session, big_round):
    from sqlalchemy import func

    from app.drafting.models import Clause

    round_, _standard, hot, _one, member = big_round
    expected = session.scalar(
        select(func.count(Comment.id))
        .join(Submission)
        .join(Clause, Clause.id == Comment.clause_id)
        .where(Submission.round_id == round_.id, Clause.uid == hot)
    )
    assert expected >= 1000
    auth.sign_in(member)
    path = f"/committee/rounds/{round_.id}?clause={hot}"
    seen: list[str] = []
    pages = 0
    while path and pages < 30:
        page = client.get(path).get_data(as_text=True)
        seen += re.findall(r'<tr id="comment-(\d+)"', page)
        found = re.search(r'href="([^"]+)" rel="next"', page)
        path = found.group(1).replace("&amp;", "&") if found else None
        pages += 1
    assert len(seen) == len(set(seen)) == expected
    assert pages == -(-expected // 100)
