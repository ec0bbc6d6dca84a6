"""Every filter of the committee round page shows exactly the matching comments, in receipt order.

The page is driven by the read model (comment_state's receipt index): these tests
compare what the page shows, through the HTTP client and page by page through the
service, with what the comments themselves say.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from app.auth.models import Role, StakeholderGroup
from app.committee import dispositions, listing
from app.consultation import drafts, moderation, submitting
from app.consultation.models import CommentType, SubmissionKind


@pytest.fixture
def dashboard_round(
    session, make_standard, freeze, make_round, clause_of, make_submission, make_user, people
):
    """A round with comments of every kind; returns (round, facts per comment in receipt order)."""
    member, second_member, secretariat = people
    standard = make_standard()
    round_ = make_round(freeze(standard, "d1"), number=1)
    c11, c12 = clause_of(standard, "1.1"), clause_of(standard, "1.2")
    facts = []

    def sent(comments, group, formal=False, language="en"):
        for c in comments:
            facts.append(
                {
                    "id": c.id,
                    "clause": c.clause.uid if c.clause_id else "-",
                    "type": str(c.comment_type),
                    "group": str(group),
                    "formal": formal,
                    "language": language,
                    "state": listing.NONE,
                }
            )
        return comments

    a, b, c = sent(
        make_submission(round_, [c11, c12, None], comment_type=CommentType.EDITORIAL),
        StakeholderGroup.CIVIL_SOCIETY,
    )
    (d,) = sent(
        make_submission(round_, [c12], group=StakeholderGroup.INDUSTRY_UPSTREAM),
        StakeholderGroup.INDUSTRY_UPSTREAM,
    )
    ipaf = make_user(Role.IPAF, stakeholder_group=StakeholderGroup.INDIGENOUS_PEOPLES)
    e, f = sent(
        make_submission(
            round_,
            [c11, c12],
            author=ipaf,
            kind=SubmissionKind.FORMAL,
            group=StakeholderGroup.INDIGENOUS_PEOPLES,
            comment_type=CommentType.GENERAL,
        ),
        StakeholderGroup.INDIGENOUS_PEOPLES,
        formal=True,
    )
    # A French comment on 1.1, then a withdrawn submission that must never show.
    french_author = make_user(stakeholder_group=StakeholderGroup.GOVERNMENT)
    when = round_.opens_at + (round_.closes_at - round_.opens_at) / 2
    french = drafts.add_comment(
        session,
        french_author,
        round_,
        clause_uid=c11.uid,
        body="Le délai est trop court.",
        language="fr",
        now=when,
    )
    submitting.submit(session, french_author, french.submission, now=when)
    sent([french], StakeholderGroup.GOVERNMENT, language="fr")
    leaver = make_user()
    (gone,) = make_submission(round_, [c11], author=leaver)
    submitting.withdraw(session, leaver, gone.submission, reason="Twice", now=when)
    # Answers: a agreed, b and e drafted, the rest none; c hidden.
    dispositions.draft(session, member, a, decision="accepted", response="Yes.")
    dispositions.agree(session, second_member, a)
    dispositions.draft(session, member, b, decision="rejected", response="No.")
    dispositions.draft(session, member, e, decision="noted", response="Noted.")
    moderation.moderate(session, secretariat, c, hidden=True, reason="Names")
    states = {a.id: listing.AGREED, b.id: listing.DRAFTED, e.id: listing.DRAFTED}
    for fact in facts:
        fact["state"] = states.get(fact["id"], listing.NONE)
    session.commit()
    return round_, facts, gone


@pytest.fixture
def people(make_user):
    return (
        make_user(Role.COMMITTEE),
        make_user(Role.COMMITTEE),
        make_user(Role.SECRETARIAT),
    )


FILTERS = [
    {},
    {"state": "open"},
    {"state": "none"},
    {"state": "drafted"},
    {"state": "agreed"},
    {"type": "technical"},
    {"type": "general"},
    {"state": "open", "type": "technical"},
    {"state": "open", "type": "editorial"},
    {"group": "indigenous-peoples"},
    {"group": "civil-society", "type": "editorial"},
    {"formal": "1"},
    {"formal": "1", "state": "drafted"},
    {"language": "fr"},
    {"language": "en", "state": "none"},
    {"clause": "-"},
    {"clause": "-", "state": "open"},
    {"clause": "no-such-clause"},
    {"state": "agreed", "group": "government"},
]


def _matches(fact: dict, query: dict) -> bool:
    state = query.get("state")
    if state == "open" and fact["state"] == listing.AGREED:
        return False
    if state in (listing.NONE, listing.DRAFTED, listing.AGREED) and fact["state"] != state:
        return False
    clause = query.get("clause", "")
    return (
        (not clause or fact["clause"] == clause)
        and fact["type"] == query.get("type", fact["type"])
        and fact["group"] == query.get("group", fact["group"])
        and fact["language"] == query.get("language", fact["language"])
        and (not query.get("formal") or fact["formal"])
    )


def test_every_filter_shows_the_matching_comments_in_receipt_order(
    client, auth, dashboard_round, people
):
    round_, facts, gone = dashboard_round
    auth.sign_in(people[0])
    uids = sorted({f["clause"] for f in facts if f["clause"] != "-"})
    cases = FILTERS + [{"clause": uids[0]}, {"clause": uids[1], "state": "drafted"}]
    seen_a_difference = set()
    for query in cases:
        page = client.get(f"/committee/rounds/{round_.id}?{urlencode(query)}")
        assert page.status_code == 200, query
        html = page.get_data(as_text=True)
        shown = [int(n) for n in re.findall(r'<tr id="comment-(\d+)"', html)]
        expected = [f["id"] for f in facts if _matches(f, query)]
        assert shown == expected, query
        total = re.search(r"(\d+) on this page, (\d+) in all", html)
        assert total and (int(total.group(1)), int(total.group(2))) == (len(expected),) * 2, query
        assert gone.id not in shown
        seen_a_difference.add(len(expected))
    # The cases are not all alike: empty, single and many results were seen.
    assert {0, 1} <= seen_a_difference and max(seen_a_difference) == len(facts) == 7


@pytest.mark.parametrize("limit", [1, 3])
def test_pages_of_every_filter_cover_its_comments_once_both_ways(session, dashboard_round, limit):
    round_, facts, _gone = dashboard_round
    uids = sorted({f["clause"] for f in facts if f["clause"] != "-"})
    for query in FILTERS + [{"clause": uids[0]}]:
        filters = listing.RowFilters(
            clause=query.get("clause", ""),
            comment_type=query.get("type", ""),
            group=query.get("group", ""),
            state=query.get("state", ""),
            formal=query.get("formal") == "1",
            language=query.get("language", ""),
        )
        expected = [f["id"] for f in facts if _matches(f, query)]
        assert listing.count_matching(session, round_, filters) == len(expected), query
        forward, after = [], None
        while True:
            page = listing.round_page(session, round_, filters, after=after, limit=limit)
            forward += [row.id for row in page.items]
            if not page.has_next:
                break
            after = page.next_cursor
        backward, before = [], "last"
        while True:
            page = listing.round_page(session, round_, filters, before=before, limit=limit)
            backward = [row.id for row in page.items] + backward
            if not page.has_prev:
                break
            before = page.prev_cursor
        assert forward == backward == expected, query


def test_rows_carry_the_current_answer_and_hidden_flag(session, dashboard_round):
    round_, facts, _gone = dashboard_round
    rows = listing.round_page(session, round_).items
    assert [row.state for row in rows] == [f["state"] for f in facts]
    assert [row.stakeholder_group for row in rows] == [f["group"] for f in facts]
    assert [row.is_formal for row in rows] == [f["formal"] for f in facts]
    hidden = [row.id for row in rows if row.hidden]
    assert hidden == [facts[2]["id"]]
    agreed = rows[0].disposition
    assert (agreed.decision, agreed.agreed, agreed.seq) == ("accepted", True, 2)


def test_search_matches_are_shown_in_receipt_order(session, dashboard_round):
    round_, facts, gone = dashboard_round
    chosen = (facts[5]["id"], facts[1]["id"], gone.id, 10**9)
    filters = listing.RowFilters(q="x", comment_ids=chosen)
    rows = listing.round_page(session, round_, filters).items
    assert [row.id for row in rows] == [facts[1]["id"], facts[5]["id"]]
    assert listing.count_matching(session, round_, filters) == 2


def test_the_clause_page_pages_through_every_round_in_order(
    client, auth, session, make_standard, freeze, make_round, make_submission, clause_of, member
):
    from app.committee.comments import CLAUSE_PAGE

    standard = make_standard()
    first = make_round(freeze(standard, "d1"), number=1)
    second = make_round(freeze(standard, "d2"), number=2, closed=False)
    clause = clause_of(standard, "1.1")
    expected = [c.id for c in make_submission(first, [clause, clause_of(standard, "1.2")])][:1]
    for _ in range(CLAUSE_PAGE // 5 + 1):
        expected += [c.id for c in make_submission(second, [clause] * 5)]
    session.commit()
    auth.sign_in(member)
    path, seen, pages = f"/committee/clauses/{clause.uid}/comments", [], 0
    while path:
        html = client.get(path).get_data(as_text=True)
        assert f"{len(expected)} comments across all rounds" in html
        seen += [int(n) for n in re.findall(r'<li class="card" id="comment-(\d+)"', html)]
        found = re.search(r'href="([^"]+)" rel="next"', html)
        path = found.group(1).replace("&amp;", "&") if found else None
        pages += 1
    assert seen == expected and pages == 2
