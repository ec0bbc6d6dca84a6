"""Issue 11 item 9: the submission's group, the Forum's name, moderation told and kept."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from app.auth.models import StakeholderGroup
from app.consultation import moderation, service
from app.errors import ValidationError
from app.jobs.models import Job
from tests.conftest import csrf_token


def _save_details(client, round_, **data):
    path = f"/consultations/{round_.id}/submission"
    values = {"kind": "individual", "csrf_token": csrf_token(client, path)}
    values.update(data)
    return client.post(path, data=values)


def _submit(client, round_):
    path = f"/consultations/{round_.id}/submission"
    return client.post(f"{path}/submit", data={"csrf_token": csrf_token(client, path)})


# --- (a) the stakeholder group is stated on the submission -----------------------------------


def test_the_group_is_prefilled_from_the_profile_and_changed_for_this_submission(
    client, session, make_round, make_user, auth
):
    person = make_user(name="Nadia Ngo", stakeholder_group=StakeholderGroup.INDIVIDUAL)
    round_ = make_round(days=30)
    service.add_comment(session, person, round_, body="Protect the river.")
    auth.sign_in(person)
    page = client.get(f"/consultations/{round_.id}/submission").get_data(as_text=True)
    assert "Stakeholder group of this submission" in page
    assert re.search(
        r'<option selected value="individual">|<option value="individual" selected', page
    )

    response = _save_details(
        client, round_, stakeholder_group="civil-society", consent_publish_name="y"
    )
    assert response.status_code == 302
    assert _submit(client, round_).status_code == 302
    submission = service.my_submissions(session, person)[0]
    assert submission.stakeholder_group == "civil-society"
    assert person.stakeholder_group == StakeholderGroup.INDIVIDUAL  # the profile is unchanged
    receipt = client.get(f"/submissions/{submission.receipt}").get_data(as_text=True)
    assert "Nadia Ngo (Civil society)" in receipt
    record = client.get(f"/consultations/{round_.id}/comments").get_data(as_text=True)
    assert "Nadia Ngo (Civil society)" in record
    assert "(Individual)" not in record


def test_an_unknown_group_is_refused(client, session, make_round, make_user, auth):
    person = make_user()
    round_ = make_round(days=30)
    service.add_comment(session, person, round_, body="A comment.")
    auth.sign_in(person)
    response = _save_details(client, round_, stakeholder_group="lobbyists")
    assert response.status_code == 422
    assert "Choose your stakeholder group from the list." in response.get_data(as_text=True)
    with pytest.raises(ValidationError):
        service.update_submission(
            session,
            person,
            service.draft_for(session, person, round_),
            service.SubmissionDetails(stakeholder_group="lobbyists"),
        )


# --- (b) the Forum's formal submission: the form says what the receipt shows ------------------


@pytest.mark.parametrize("consent", [False, True])
def test_the_formal_submission_form_and_receipt_name_it_alike(
    client, session, make_round, ipaf_member, auth, uid_of, consent
):
    round_ = make_round(days=30)
    service.add_comment(session, ipaf_member, round_, clause_uid=uid_of(round_, "1.1"), body="P.")
    auth.sign_in(ipaf_member)
    data = {"kind": "formal", "cover_statement": "The Forum's view."}
    if consent:
        data["consent_publish_name"] = "y"
    assert _save_details(client, round_, **data).status_code == 302
    page = client.get(f"/consultations/{round_.id}/submission").get_data(as_text=True)
    shown = re.search(r'<p id="shown-as">(.*?)</p>', page, re.S).group(1)
    forum = "Formal submission of the Indigenous Peoples Advisory Forum"
    expected = f"{forum}, filed by Ina Forum" if consent else forum
    assert f"Shown to the public as: {expected}" in shown
    assert "stakeholder group only" not in shown
    assert ("with your name as the member who filed it" in shown) is consent
    _submit(client, round_)
    submission = service.my_submissions(session, ipaf_member)[0]
    receipt = client.get(f"/submissions/{submission.receipt}").get_data(as_text=True)
    assert f"<dt>Shown to the public as</dt><dd>{expected}</dd>" in receipt


# --- (c) the author of a hidden comment is told, with the reason -----------------------------


def _hide(client, round_, comment, reason, query=""):
    record = f"/consultations/{round_.id}/comments"
    return client.post(
        f"/consultations/{round_.id}/comments/{comment.id}/moderate{query}",
        data={"action": "hide", "reason": reason, "csrf_token": csrf_token(client, record)},
    )


def test_the_author_of_a_hidden_comment_gets_a_mail_in_their_language(
    client, session, make_round, commenter, file_comment, auth, secretariat
):
    commenter.language = "fr"
    round_ = make_round()
    comment = file_comment(commenter, round_, body="Call 0123 456789")
    before = session.scalar(select(Job.id).order_by(Job.id.desc()).limit(1)) or 0
    auth.sign_in(secretariat)
    assert _hide(client, round_, comment, "Données personnelles").status_code == 302
    mails = session.scalars(select(Job).where(Job.kind == "mail", Job.id > before)).all()
    assert [m.payload["to"] for m in mails] == [commenter.email]
    receipt = comment.submission.receipt
    assert mails[0].payload["subject"] == f"Votre commentaire de {receipt} est masqué au public"
    body = mails[0].payload["body"]
    assert "Motif : Données personnelles" in body
    assert f"/submissions/{receipt}" in body

    # Their receipt page shows it too, with the reason.
    auth.sign_out()
    auth.sign_in(commenter)
    page = client.get(f"/submissions/{receipt}", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert f'id="hidden-{comment.id}"' in text
    assert "Données personnelles" in text


def test_showing_a_comment_again_tells_the_author_too(
    session, make_round, commenter, file_comment, secretariat
):
    round_ = make_round()
    comment = file_comment(commenter, round_)
    moderation.moderate(session, secretariat, comment, hidden=True, reason="Off topic")
    before = session.scalar(select(Job.id).order_by(Job.id.desc()).limit(1))
    moderation.moderate(session, secretariat, comment, hidden=False, reason="On topic after all")
    mails = session.scalars(select(Job).where(Job.kind == "mail", Job.id > before)).all()
    assert len(mails) == 1
    assert "is public again" in mails[0].payload["subject"]
    assert "On topic after all" in mails[0].payload["body"]


def test_the_receipt_says_nothing_of_moderation_when_nothing_is_hidden(
    client, make_round, commenter, file_comment, auth
):
    round_ = make_round()
    comment = file_comment(commenter, round_)
    auth.sign_in(commenter)
    page = client.get(f"/submissions/{comment.submission.receipt}").get_data(as_text=True)
    assert "comment-hidden-note" not in page


# --- (d) after hiding, the record keeps its filters -------------------------------------------


def test_hiding_returns_to_the_same_filtered_page(
    client, session, make_round, commenter, file_comment, auth, secretariat, uid_of
):
    round_ = make_round()
    uid = uid_of(round_, "1.1")
    comment = file_comment(commenter, round_, clause_uid=uid, comment_type="technical")
    auth.sign_in(secretariat)
    filtered = (
        f"/consultations/{round_.id}/comments?type=technical&group=civil-society&clause={uid}"
    )
    page = client.get(filtered).get_data(as_text=True)
    found = re.search(rf'action="([^"]*/comments/{comment.id}/moderate[^"]*)"', page).group(1)
    action = html.unescape(found)
    assert "type=technical" in action and "group=civil-society" in action

    response = _hide(client, round_, comment, "Personal data", action[action.index("?") :])
    location = response.headers["Location"]
    assert location.startswith(f"/consultations/{round_.id}/comments?")
    for part in ("type=technical", "group=civil-society", f"clause={uid}"):
        assert part in location
    assert location.endswith(f"#comment-{comment.id}")


def test_the_way_back_never_leaves_the_record(
    client, session, make_round, commenter, file_comment, auth, secretariat
):
    round_ = make_round()
    comment = file_comment(commenter, round_)
    auth.sign_in(secretariat)
    query = "?next=//evil.example&page=2x&type=general&clause=%0d%0aSet-Cookie:x"
    location = _hide(client, round_, comment, "Spam", query).headers["Location"]
    assert location.startswith(f"/consultations/{round_.id}/comments?")
    assert "evil" not in location and "next" not in location and "page=" not in location
    assert "\r" not in location and "\n" not in location


# --- (e) irreversible actions ask first -------------------------------------------------------


def test_closing_a_round_early_asks_for_confirmation(client, make_round, auth, secretariat):
    round_ = make_round(days=30)
    auth.sign_in(secretariat)
    page = client.get(f"/consultations/{round_.id}").get_data(as_text=True)
    form = re.search(r'<form[^>]*id="schedule-form".*?</form>', page, re.S).group(0)
    assert re.search(r'<button type="submit"[^>]*data-confirm="Change the closing date\?', form)


def test_opening_a_ballot_asks_for_confirmation(client, make_user, auth, secretariat):
    auth.sign_in(secretariat)
    page = client.get("/ballots/new").get_data(as_text=True)
    assert re.search(r'data-confirm="Open the ballot\?[^"]*">Open the ballot<', page)


def test_closing_an_account_asks_for_confirmation(client, make_user, auth):
    auth.sign_in(make_user())
    page = client.get("/profile/close").get_data(as_text=True)
    assert re.search(r'data-confirm="Close your account\? This cannot be undone\.">', page)


def test_deleting_a_clause_asks_for_confirmation(client, make_round, auth, secretariat, uid_of):
    round_ = make_round(days=30)
    auth.sign_in(secretariat)
    page = client.get(f"/clauses/{uid_of(round_, '1.1')}").get_data(as_text=True)
    assert "Delete this clause" in page
    assert 'data-confirm="Delete this clause and its sub-clauses from the working draft?"' in page
