"""The round page of a large draft: per-clause links and counts, no per-clause queries."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from app.auth.permissions import SYSTEM
from app.drafting import editing


@pytest.fixture
def statements(db):
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


def test_round_page_links_each_clause_and_shows_its_count(
    client, make_round, file_comment, commenter, uid_of, make_user
):
    round_ = make_round()
    uid = uid_of(round_, "1.2")
    file_comment(commenter, round_, clause_uid=uid)
    file_comment(make_user(), round_, clause_uid=uid)
    page = client.get(f"/consultations/{round_.id}").get_data(as_text=True)
    section = page[page.index(f'id="{uid}"') :]
    section = section[: section.index("</section>")]
    assert f'href="/consultations/{round_.id}/comments?clause={uid}">2 comments' in section
    assert (
        f'href="/consultations/{round_.id}/comment?clause={uid}">Comment on this clause' in section
    )
    assert '<span class="clause-kind">Criterion</span>' in section
    assert "Criterion 2</span>" in section  # the title, for screen readers
    other = uid_of(round_, "1.1")
    assert "No comments yet" in page[page.index(f'id="{other}"') :]


def test_round_page_queries_do_not_grow_with_clauses(
    client, session, make_standard, make_round, statements
):
    def count_for(clauses: int) -> tuple[int, int]:
        standard = make_standard(clauses=clauses)
        round_ = make_round(standard)
        statements.clear()
        page = client.get(f"/consultations/{round_.id}").get_data(as_text=True)
        return len(statements), len(re.findall(r'class="clause-body"', page))

    few, shown_few = count_for(2)
    many, shown_many = count_for(30)
    assert (shown_few, shown_many) == (3, 31)
    assert many == few


def test_round_page_prints_the_stored_clause_html(client, session, make_standard, make_round):
    standard = make_standard(clauses=1)
    editing.add_clause(
        session, SYSTEM, standard, kind="guidance", number="2", heading="Notes", body="See *this*."
    )
    round_ = make_round(standard)
    page = client.get(f"/consultations/{round_.id}").get_data(as_text=True)
    assert "<p>See <em>this</em>.</p>" in page


def test_round_page_escapes_clause_text_it_prints_by_hand(
    client, session, make_standard, make_round, file_comment, commenter
):
    """The clause loops escape each text value themselves (not every output): a hostile
    heading is printed as text in the contents, the heading and the screen-reader title."""
    standard = make_standard(clauses=1)
    hostile = '<script>alert(1)</script> & "quoted" <b>'
    editing.add_clause(
        session, SYSTEM, standard, kind="guidance", number="2", heading=hostile, body="Body."
    )
    round_ = make_round(standard)
    uid = re.findall(r'data-clause-uid="([^"]+)"', _page(client, round_))[-1]  # the new one
    file_comment(commenter, round_, clause_uid=uid)
    session.flush()
    page = _page(client, round_)
    assert "<script>alert(1)</script>" not in page and "<b>" not in page
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quoted&#34; &lt;b&gt;"
    # The contents, the heading, and the titles of "1 comment on …" and "Comment on …".
    assert page.count(escaped) == 4
    assert f'id="{uid}"' in page and f"?clause={uid}" in page


def _page(client, round_) -> str:
    return client.get(f"/consultations/{round_.id}").get_data(as_text=True)
