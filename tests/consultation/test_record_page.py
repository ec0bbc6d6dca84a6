"""The public record as a reader sees it: filters, entries and formal submissions."""

from __future__ import annotations

import re

from app.drafting import service as drafting


def test_the_clause_filter_lists_the_version_in_order(
    client, session, make_round, commenter, file_comment, uid_of
):
    round_ = make_round()
    uid = uid_of(round_, "1.1")
    file_comment(commenter, round_, clause_uid=uid)
    session.flush()
    page = client.get(f"/consultations/{round_.id}/comments?clause={uid}").get_data(as_text=True)
    select = page.split('<select id="f-clause" name="clause">', 1)[1].split("</select>", 1)[0]
    options = re.findall(
        r'<option value="([^"]*)"( selected)?( lang="en")?>([^<]*)</option>', select
    )
    assert options[:2] == [("", "", "", "All clauses"), ("-", "", "", "The whole draft")]
    nodes = drafting.version_nodes(session, round_.version)
    assert [(o[0], o[3]) for o in options[2:]] == [
        (n.uid, "\u2003" * n.depth + (n.title or n.uid)) for n in nodes
    ]
    assert all(o[2] for o in options[2:])  # clause titles are marked as English
    assert [o[0] for o in options if o[1]] == [uid]  # the current filter is selected


def test_an_entry_links_its_clause_names_its_author_and_quotes_its_passage(
    client, session, make_round, commenter, file_comment, uid_of
):
    round_ = make_round()
    uid = uid_of(round_, "1.1")
    passage = drafting.version_nodes(session, round_.version)
    body = next(n.revision.body for n in passage if n.uid == uid)
    words = " ".join(body.split()[:3])
    file_comment(
        commenter,
        round_,
        clause_uid=uid,
        passage=words,
        consent=True,
        kind="organisation",
        organisation="Rivers Watch",
    )
    file_comment(commenter, round_, body="On the whole draft.")
    session.flush()
    page = client.get(f"/consultations/{round_.id}/comments").get_data(as_text=True)
    assert f'<a href="/consultations/{round_.id}#{uid}"><span lang="en">' in page
    assert "The whole draft</h2>" in page
    assert "Cora Commenter on behalf of Rivers Watch (Civil society)" in page
    assert 'lang="en">On the passage: </span>' in page
    assert re.search(r'<time datetime="[^"]+">[A-Z][a-z]{2} \d+, \d{4}, ', page)
    assert page.count('class="badge badge-type-general">General</span>') == 2


def test_formal_submissions_head_the_first_page_only(
    client, session, make_round, ipaf_member, commenter, file_comment, uid_of
):
    round_ = make_round()
    file_comment(
        ipaf_member,
        round_,
        clause_uid=uid_of(round_, "1.1"),
        kind="formal",
        cover="The Forum's cover statement.",
        consent=True,
    )
    for _ in range(3):
        file_comment(commenter, round_)
    session.flush()
    first = client.get(f"/consultations/{round_.id}/comments").get_data(as_text=True)
    assert 'id="formal-h"' in first and "cover statement." in first
    assert '<span class="badge badge-formal">Formal submission</span>' in first
    last = client.get(f"/consultations/{round_.id}/comments?after=last").get_data(as_text=True)
    assert 'id="formal-h"' in last  # one page only: the last page is also the first
