"""The current row of appended history (disposition, vote, moderation): one query, no id lists."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from app.auth.models import Role
from app.committee import comments, dispositions, listing
from app.consultation import moderation
from app.consultation.models import Comment, Moderation


@pytest.fixture
def round_with_comments(make_standard, freeze, make_round, make_comment):
    standard = make_standard()
    round_ = make_round(freeze(standard, "d1"), number=1)
    return round_, [make_comment(round_) for _ in range(12)]


@pytest.fixture
def statements(db):
    """Record the parameters of every SQL statement run while the test runs."""
    seen: list[tuple] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_the_latest_row_per_key_counts(session, round_with_comments, make_user, secretariat):
    round_, posted = round_with_comments
    drafter, agreer = make_user(Role.COMMITTEE), make_user(Role.COMMITTEE)
    first, second = posted[:2]
    dispositions.draft(session, drafter, first, decision="noted", response="One.")
    dispositions.agree(session, agreer, first)
    dispositions.draft(session, drafter, first, decision="rejected", response="Two.")
    dispositions.draft(session, drafter, second, decision="noted", response="Only.")
    dispositions.agree(session, agreer, second)
    by_list = comments.current_dispositions(session, [c.id for c in posted])
    by_query = comments.current_dispositions(session, select(Comment.id))
    assert by_list.keys() == by_query.keys() == {first.id, second.id}
    assert (by_list[first.id].seq, by_list[first.id].agreed) == (3, False)
    assert (by_list[second.id].seq, by_list[second.id].agreed) == (2, True)
    assert dispositions.count_unanswered(session, [round_.id]) == len(posted) - 1
    moderation.moderate(session, secretariat, first, hidden=True, reason="Spam")
    moderation.moderate(session, secretariat, first, hidden=False, reason="Not spam")
    moderation.moderate(session, secretariat, second, hidden=True, reason="Abuse")
    assert comments.hidden_comment_ids(session, select(Moderation.comment_id)) == {second.id}
    assert moderation.moderation_of(session, [first.id])[first.id].hidden is False


def test_a_rounds_rows_are_read_without_a_list_of_every_id(
    session, round_with_comments, statements
):
    round_, posted = round_with_comments
    seen, after, pages = [], None, 0
    while True:
        statements.clear()
        page = listing.round_page(session, round_, after=after, limit=5)
        # The page's keys from the read model, then its rows by those ids: never the round's.
        assert len(statements) == 2
        assert all(len(parameters or ()) <= 5 + 3 for _, parameters in statements)
        assert not any("FROM disposition" in s or "FROM moderation" in s for s, _ in statements)
        seen += [row.id for row in page.items]
        pages += 1
        if not page.has_next:
            break
        after = page.next_cursor
    assert seen == [c.id for c in posted] and pages == 3
