"""The public record as a reader sees it: filters, entries and formal submissions."""

from __future__ import annotations

import re

from app.auth.permissions import SYSTEM
from app.consultation import moderation, public_record, record_rows
from app.consultation.names import author_line
from app.drafting import editing
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


HOSTILE = '<script>alert(1)</script> & "quoted" <b>'
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quoted&#34; &lt;b&gt;"


def test_record_escapes_what_it_prints_by_hand(
    client, auth, session, make_standard, make_round, make_user, secretariat, file_comment
):
    """The record's entries and its clause list are printed with autoescape off, each text
    value escaped by hand (render, issue 12): hostile text comes out as text. Fails if one
    `|e` goes missing (a clause heading, an author line, a moderation reason, a comment)."""
    standard = make_standard(clauses=1)
    editing.add_clause(
        session,
        SYSTEM,
        standard,
        kind="guidance",
        number="2",
        heading=HOSTILE,
        body="Report <every> year & more.",
    )
    round_ = make_round(standard)
    uid = drafting.version_nodes(session, round_.version)[-1].uid  # the hostile clause
    author = make_user(name=HOSTILE, organisation=HOSTILE)
    shown = file_comment(
        author,
        round_,
        clause_uid=uid,
        body=HOSTILE,
        consent=True,
        kind="organisation",
        organisation=HOSTILE,
    )
    file_comment(author, round_, clause_uid=uid, passage="<every> year & more")
    hidden = file_comment(author, round_, body="To be hidden.")
    session.flush()
    moderation.moderate(session, secretariat, hidden, hidden=True, reason=HOSTILE)
    session.flush()
    for signed_in in (False, True):
        if signed_in:
            auth.sign_in(secretariat)  # staff also see the hidden comment and its reason
        page = client.get(f"/consultations/{round_.id}/comments").get_data(as_text=True)
        assert "<script>" not in page and "<b>" not in page
        # The clause list and the entry's clause link; the author line (name and
        # organisation); for staff, the moderation reason.
        assert page.count(ESCAPED) == (6 if signed_in else 5), signed_in
        assert '<mark class="anchor">&lt;every&gt; year &amp; more</mark>' in page
        assert "<every>" not in page
        assert f'<option value="{uid}" lang="en">2 {ESCAPED}</option>' in page
        assert f"Hidden from the public: {ESCAPED}</p>" in page if signed_in else True
        # The comment's text is the renderer's stored HTML, printed as it is.
        assert "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted" in page
        assert f'id="comment-{shown.id}"' in page


def test_plain_entries_carry_what_the_orm_entries_show(
    session, make_round, commenter, file_comment, uid_of
):
    """The HTML page reads plain values (record_rows); they equal the ORM entries' fields."""
    round_ = make_round()
    uid = uid_of(round_, "1.1")
    body = next(
        n.revision.body for n in drafting.version_nodes(session, round_.version) if n.uid == uid
    )
    file_comment(commenter, round_, clause_uid=uid, passage=" ".join(body.split()[:3]))
    file_comment(commenter, round_, body="On the whole draft.", consent=True)
    session.flush()
    objects, total = public_record.record_page(session, None, round_)
    plain, plain_total = public_record.record_page(session, None, round_, plain=True)
    assert total == plain_total == 2 and len(plain.items) == 2
    assert (objects.next_cursor, objects.prev_cursor) == (plain.next_cursor, plain.prev_cursor)
    for o, p in zip(objects.items, plain.items, strict=True):
        assert isinstance(p.comment, record_rows.PlainComment)
        oc, pc = o.comment, p.comment
        for name in (
            "id",
            "anchor_exact",
            "anchor_prefix",
            "anchor_suffix",
            "comment_type",
            "language",
            "body_html",
            "proposed_change",
            "proposed_change_html",
        ):
            assert getattr(oc, name) == getattr(pc, name), name
        assert (oc.clause and oc.clause.uid) == (pc.clause and pc.clause.uid)
        assert (oc.revision and oc.revision.title) == (pc.revision and pc.revision.title)
        for name in (
            "kind",
            "submitted_at",
            "receipt",
            "stakeholder_group",
            "consent_publish_name",
            "organisation",
            "status",
        ):
            assert getattr(oc.submission, name) == getattr(pc.submission, name), name
        assert oc.submission.author.name == pc.submission.author.name
        assert author_line(oc.submission) == author_line(pc.submission)
        assert (o.hidden, o.withdrawn) == (p.hidden, p.withdrawn)
    assert any(p.comment.clause for p in plain.items)
    assert any(p.comment.clause is None for p in plain.items)
