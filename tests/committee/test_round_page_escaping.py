"""The committee round page prints its two long tables with autoescape off (render, issue 12).

The "by clause" table (one row per clause with open comments, up to 600) and the page of
100 comments escape each text value by hand, once. Hostile text in a clause heading, a
comment, a quoted passage and an author's name must come out as text: these tests fail if
one `|e` goes missing.
"""

from __future__ import annotations

from app.auth.permissions import SYSTEM
from app.drafting import editing
from app.drafting.models import Clause

HOSTILE = '<script>alert(1)</script> & "quoted" <b>'
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quoted&#34; &lt;b&gt;"


def test_round_page_escapes_what_its_loops_print_by_hand(
    client, auth, session, member, make_user, make_standard, freeze, make_round, make_submission
):
    standard = make_standard(clauses=1)
    revision = editing.add_clause(
        session,
        SYSTEM,
        standard,
        kind="guidance",
        number="2",
        heading=HOSTILE,
        body="Report <every> year & more.",
    )
    clause = session.get(Clause, revision.clause_id)
    round_ = make_round(freeze(standard, "d1"), number=1)
    author = make_user(name=HOSTILE)
    make_submission(round_, [clause], body=HOSTILE, quote="<every> year & more", author=author)
    make_submission(round_, [None], body="On the whole draft.")
    auth.sign_in(member)
    page = client.get(f"/committee/rounds/{round_.id}").get_data(as_text=True)
    assert "<script>" not in page and "<b>" not in page and "<every>" not in page
    # The by-clause table's title; the row's clause title, comment body and author.
    assert page.count(ESCAPED) == 4
    assert f'<a href="?clause={clause.uid}&amp;state=open">2 {ESCAPED}</a>' in page
    assert '<a href="?clause=-&amp;state=open">whole draft</a>' in page
    assert '<q lang="en">&lt;every&gt; year &amp; more</q>' in page
    # Markup made before the loops is printed as markup, not escaped twice.
    assert '<span class="badge badge-flag">no answer yet</span>' in page
    assert 'class="visually-hidden">Select comment ' in page
