"""The record and the synopsis page in clause order, segment by segment, each comment once.

Small pages over a bulk-loaded round (whole-draft comments, a crowded clause,
hidden comments) walked forwards from the first page and backwards from the
last: every comment the reader may see appears exactly once, in clause order
then comment id, whatever page boundary falls inside or between segments.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import select

from app.benchcorpus import corpus
from app.committee import listing
from app.consultation import public_record
from app.consultation.clause_order import WHOLE_DRAFT
from app.consultation.models import Comment, Submission
from app.database import utcnow
from app.drafting.models import VersionEntry
from app.errors import ValidationError

COMMENTS = 160


@pytest.fixture
def loaded_round(session):
    rng = random.Random(7)
    now = utcnow().replace(microsecond=0)
    secretariat, _members = corpus.staff(session)
    standard, versions = corpus.build_standard(
        session, slug="clause-order", uid_prefix="CO", clauses=12, drafts=1, rng=rng
    )
    round_ = corpus.open_round(
        session,
        standard,
        versions[0],
        opens_at=now - dt.timedelta(days=10),
        closes_at=now + dt.timedelta(days=10),
        title="Clause order round",
    )
    people = corpus.bulk_accounts(session, 40, "co", now)
    corpus.load_comments(
        session,
        round_,
        people,
        COMMENTS,
        rng=rng,
        hot_clause_comments=30,
        general_share=0.2,
        submitted_between=(now - dt.timedelta(days=9), now - dt.timedelta(hours=1)),
    )
    corpus.hide_some(session, round_, secretariat, 0.05, now - dt.timedelta(hours=1))
    session.flush()
    return round_


def _expected(session, round_, *, hidden: bool) -> list[int]:
    """Every visible comment of the round, in clause order (whole draft first), then id."""
    ordinals = dict(
        session.execute(
            select(VersionEntry.clause_id, VersionEntry.ordinal).where(
                VersionEntry.version_id == round_.version_id
            )
        ).all()
    )
    rows = session.execute(
        select(Comment.id, Comment.clause_id)
        .join(Submission, Comment.submission_id == Submission.id)
        .where(Submission.round_id == round_.id)
    ).all()
    hidden_ids = set() if hidden else set(session.scalars(_hidden_ids(round_)))
    keyed = [
        (ordinals[clause_id] if clause_id else WHOLE_DRAFT, comment_id)
        for comment_id, clause_id in rows
        if comment_id not in hidden_ids
    ]
    return [comment_id for _ordinal, comment_id in sorted(keyed)]


def _hidden_ids(round_):
    return (
        select(Comment.id)
        .join(Submission, Comment.submission_id == Submission.id)
        .where(Submission.round_id == round_.id, listing.hidden_now())
    )


def _walk(fetch, *, backward: bool = False) -> list[int]:
    """Follow next links from the first page (or prev links from the last) to the end."""
    seen: list[int] = []
    pages = 0
    page = fetch(before="last") if backward else fetch()
    while True:
        pages += 1
        ids = [item for item in page]
        seen = ids + seen if backward else seen + ids
        cursor = page.prev_cursor if backward else page.next_cursor
        if cursor is None or pages > 1000:
            return seen
        page = fetch(before=cursor) if backward else fetch(after=cursor)


class _Ids(list):
    def __init__(self, page, ids):
        super().__init__(ids)
        self.next_cursor, self.prev_cursor = page.next_cursor, page.prev_cursor


@pytest.mark.parametrize("limit", [1, 7, 30, 500])
def test_record_pages_cover_every_visible_comment_once(session, loaded_round, limit):
    round_ = loaded_round

    def fetch(**cursor):
        page, _total = public_record.record_page(session, None, round_, limit=limit, **cursor)
        return _Ids(page, [entry.comment.id for entry in page.items])

    expected = _expected(session, round_, hidden=False)
    assert len(expected) > 100
    assert _walk(fetch) == expected
    assert _walk(fetch, backward=True) == expected


@pytest.mark.parametrize("public", [True, False])
def test_synopsis_pages_cover_the_round_once_in_clause_order(session, loaded_round, public):
    round_ = loaded_round

    def fetch(**cursor):
        page = listing.synopsis_page(session, round_, public=public, limit=9, **cursor)
        return _Ids(page, [row.comment.id for row in page.items])

    expected = _expected(session, round_, hidden=not public)
    assert _walk(fetch) == expected
    assert _walk(fetch, backward=True) == expected


def test_a_clause_filter_pages_that_clause_alone(session, loaded_round):
    round_ = loaded_round
    hot = corpus.round_targets(session, round_)[2]
    filters = public_record.CommentFilters(clause_uid=hot.uid)

    def fetch(**cursor):
        page, _total = public_record.record_page(session, None, round_, filters, limit=8, **cursor)
        return _Ids(page, [entry.comment.id for entry in page.items])

    ids = _walk(fetch)
    hidden_ids = set(session.scalars(_hidden_ids(round_)))
    expected = sorted(
        i
        for i in session.scalars(
            select(Comment.id)
            .join(Submission)
            .where(Submission.round_id == round_.id, Comment.clause_id == hot.clause_id)
        )
        if i not in hidden_ids
    )
    assert len(expected) >= 25
    assert ids == expected
    assert _walk(fetch, backward=True) == expected


def test_a_forged_cursor_is_refused_cleanly(session, loaded_round):
    with pytest.raises(ValidationError):
        public_record.record_page(session, None, loaded_round, after="bm90IGEgY3Vyc29y")
