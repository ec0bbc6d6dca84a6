"""The round page opens its comment form beside the clause, also without script (issue 11, 8)."""

from __future__ import annotations

import re

from tests.conftest import csrf_token


def _section(page: str, uid: str) -> str:
    """Return the HTML of one clause's section of the round page."""
    match = re.search(
        rf'<section class="clause[^"]*" id="{re.escape(uid)}".*?</section>', page, re.S
    )
    assert match, f"no section {uid}"
    return match.group(0)


def _take_part(page: str) -> str:
    return re.search(r'<section class="panel take-part".*?</section>', page, re.S).group(0)


def _post_from_round(client, round_, **data):
    values = {
        "clause_uid": "",
        "comment_type": "general",
        "language": "en",
        "body": "A comment.",
        "return_to": "round",
        "csrf_token": csrf_token(client, f"/consultations/{round_.id}"),
    }
    values.update(data)
    return client.post(f"/consultations/{round_.id}/comment", data=values)


def test_comment_on_a_clause_link_renders_the_form_under_that_clause(
    client, make_round, auth, commenter, uid_of
):
    round_ = make_round(days=30)
    uid, other = uid_of(round_, "1.2"), uid_of(round_, "1.1")
    auth.sign_in(commenter)
    page = client.get(f"/consultations/{round_.id}").get_data(as_text=True)
    link = f'href="/consultations/{round_.id}?comment_on={uid}#comment-form-h"'
    assert link in _section(page, uid)
    # By default the one form sits at the end of the page, not under a clause.
    assert page.count('id="comment-form"') == 1
    assert 'id="comment-form"' not in _section(page, uid)

    page = client.get(f"/consultations/{round_.id}?comment_on={uid}").get_data(as_text=True)
    assert page.count('id="comment-form"') == 1
    here = _section(page, uid)
    assert 'id="comment-form"' in here
    assert 'id="comment-form-h">Comment on this clause<' in here
    assert re.search(
        rf'<option[^>]*selected[^>]*value="{uid}"|<option[^>]*value="{uid}"[^>]*selected', here
    )
    # Cancel goes back to the clause; the end of the page holds nothing now.
    assert f'id="cancel-comment" href="/consultations/{round_.id}#{uid}"' in here
    assert 'id="comment-form"' not in _section(page, other)
    assert '<div id="comment-home"></div>' in page
    assert 'name="return_to" type="hidden" value="round"' in here


def test_an_unknown_clause_leaves_the_form_at_the_end(client, make_round, auth, commenter):
    round_ = make_round(days=30)
    auth.sign_in(commenter)
    response = client.get(f"/consultations/{round_.id}?comment_on=NOPE-1%3Cb%3E")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count('id="comment-form"') == 1
    home = page[page.index('<div id="comment-home">') :]
    assert 'id="comment-form"' in home
    assert "NOPE-1<b>" not in page


def test_comment_on_the_whole_draft_is_offered_near_the_top(client, make_round, auth, commenter):
    round_ = make_round(days=30)
    auth.sign_in(commenter)
    page = client.get(f"/consultations/{round_.id}").get_data(as_text=True)
    take_part = _take_part(page)
    assert f'href="/consultations/{round_.id}?comment_on=#comment-form-h"' in take_part
    assert page.index('id="comment-on-draft"') < page.index('<nav class="toc"')

    page = client.get(f"/consultations/{round_.id}?comment_on=").get_data(as_text=True)
    take_part = _take_part(page)
    assert 'id="comment-form"' in take_part
    assert '<h3 id="comment-form-h">Comment on the whole draft</h3>' in take_part
    assert re.search(
        r'<option[^>]*selected[^>]*value=""|<option[^>]*value=""[^>]*selected', take_part
    )


def test_after_sending_from_the_round_page_the_clause_confirms_it_once(
    client, session, make_round, auth, commenter, uid_of
):
    round_ = make_round(days=30)
    uid = uid_of(round_, "1.2")
    auth.sign_in(commenter)
    response = _post_from_round(client, round_, clause_uid=uid, body="Say when.")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/consultations/{round_.id}#comment-saved")

    page = client.get(f"/consultations/{round_.id}").get_data(as_text=True)
    here = _section(page, uid)
    assert 'id="comment-saved" role="status"' in here
    assert "Comment saved in your draft submission." in here
    assert "Review your draft submission (1 comment)" in here
    assert page.count('id="comment-saved"') == 1
    # Only the page right after sending says so.
    again = client.get(f"/consultations/{round_.id}").get_data(as_text=True)
    assert 'id="comment-saved"' not in again


def test_a_comment_on_the_whole_draft_is_confirmed_in_how_to_take_part(
    client, make_round, auth, commenter
):
    round_ = make_round(days=30)
    auth.sign_in(commenter)
    response = _post_from_round(client, round_, clause_uid="", body="On the whole draft.")
    assert response.status_code == 302
    page = client.get(f"/consultations/{round_.id}").get_data(as_text=True)
    assert 'id="comment-saved"' in _take_part(page)


def test_the_notice_of_another_round_is_not_shown_here(client, make_round, auth, commenter, uid_of):
    first, second = make_round(days=30), make_round(days=30)
    auth.sign_in(commenter)
    _post_from_round(client, first, clause_uid=uid_of(first, "1.2"))
    page = client.get(f"/consultations/{second.id}").get_data(as_text=True)
    assert 'id="comment-saved"' not in page
    assert 'id="comment-saved"' in client.get(f"/consultations/{first.id}").get_data(as_text=True)


def test_a_refused_comment_keeps_the_way_back_to_the_round(
    client, make_round, auth, commenter, uid_of
):
    round_ = make_round(days=30)
    uid = uid_of(round_, "1.2")
    auth.sign_in(commenter)
    response = _post_from_round(
        client, round_, clause_uid=uid, body="x", passage="not in the clause at all"
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'name="return_to" type="hidden" value="round"' in page
    fixed = _post_from_round(client, round_, clause_uid=uid, body="Fixed.")
    assert fixed.headers["Location"].endswith("#comment-saved")


def test_the_separate_comment_page_still_leads_to_the_draft_submission(
    client, make_round, auth, commenter
):
    round_ = make_round(days=30)
    auth.sign_in(commenter)
    response = _post_from_round(client, round_, return_to="", body="From the comment page.")
    assert response.headers["Location"].endswith(f"/consultations/{round_.id}/submission")


def test_signed_out_readers_are_sent_to_sign_in_from_the_clause_link(client, make_round, uid_of):
    round_ = make_round(days=30)
    uid = uid_of(round_, "1.2")
    page = client.get(f"/consultations/{round_.id}?comment_on={uid}").get_data(as_text=True)
    assert 'id="comment-form"' not in page
    assert f'href="/consultations/{round_.id}/comment?clause={uid}"' in _section(page, uid)
