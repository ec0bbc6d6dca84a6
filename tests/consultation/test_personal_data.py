"""Email verification before a first submission; closing an account keeps the public record."""

from __future__ import annotations

import json
import re

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.audit.models import AuditEvent
from app.auth import personal_data
from app.auth.models import Role, StakeholderGroup
from app.consultation.models import Submission, SubmissionStatus
from app.mail import sent_in_process
from tests.conftest import PASSWORD, TOTP_SECRET, csrf_token


def draft_a_comment(client, round_):
    path = f"/consultations/{round_.id}/comment"
    response = client.post(
        path,
        data={
            "clause_uid": "",
            "comment_type": "general",
            "body": "Please add a review date.",
            "csrf_token": csrf_token(client, path),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def open_link(client, link: str):
    """Open a link from a mail and press its button (the GET alone changes nothing)."""
    path = link.split("clausewise.test", 1)[1]
    return client.post(path, data={"csrf_token": csrf_token(client, path)})


def submit(client, round_):
    path = f"/consultations/{round_.id}/submission"
    return client.post(f"{path}/submit", data={"csrf_token": csrf_token(client, path)})


def test_unverified_account_keeps_its_draft_until_the_address_is_confirmed(
    client, auth, make_user, make_round, session
):
    round_ = make_round()
    user = make_user(verified=False)
    auth.sign_in(user)
    assert "Send the link again" in client.get("/").get_data(as_text=True)
    draft_a_comment(client, round_)
    refused = submit(client, round_)
    assert refused.status_code == 422
    assert "Confirm your email address before submitting" in refused.get_data(as_text=True)
    draft = session.scalar(
        select(Submission)
        .where(Submission.author_id == user.id)
        .options(selectinload(Submission.comments))
    )
    assert draft.status == SubmissionStatus.DRAFT and len(draft.comments) == 1

    sent_in_process.clear()
    resend = client.post(
        "/email/verify/resend", data={"csrf_token": csrf_token(client, "/profile")}
    )
    assert resend.status_code == 302
    link = re.search(r"http://\S+/email/verify/\S+", sent_in_process[-1].get_content()).group(0)
    assert open_link(client, link).status_code == 302
    assert submit(client, round_).status_code == 302
    session.expire_all()
    assert session.get(Submission, draft.id).status == SubmissionStatus.SUBMITTED


def test_registration_sends_the_verification_mail(client, session):
    sent_in_process.clear()
    client.post(
        "/register",
        data={
            "name": "Vera Verify",
            "email": "vera@example.org",
            "password": "weathered copper kettle",
            "confirm": "weathered copper kettle",
            "stakeholder_group": "individual",
            "timezone": "UTC",
            "accept_terms": "y",
            "csrf_token": csrf_token(client, "/register"),
        },
    )
    assert any(m["To"] == "vera@example.org" for m in sent_in_process)
    assert "/email/verify/" in sent_in_process[-1].get_content()


def test_registration_needs_consent_and_explains_data_use(client):
    page = client.get("/register").get_data(as_text=True)
    assert "How we use your personal data" in page and 'href="/privacy"' in page
    refused = client.post(
        "/register",
        data={
            "name": "No Consent",
            "email": "noconsent@example.org",
            "password": "weathered copper kettle",
            "confirm": "weathered copper kettle",
            "stakeholder_group": "individual",
            "timezone": "UTC",
            "csrf_token": csrf_token(client, "/register"),
        },
    )
    assert refused.status_code == 422
    assert "Please agree to the terms" in refused.get_data(as_text=True)


def test_download_everything_held(client, auth, make_user, make_round, file_comment):
    user = make_user(name="Dora Data", totp=True)
    round_ = make_round()
    file_comment(user, round_, body="My exported comment.")
    auth.sign_in(user)
    response = client.get("/profile/data.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == user.email and "password_hash" not in data["account"]
    assert [c["body"] for c in data["comments"]] == ["My exported comment."]
    assert data["submission.author_id"][0]["receipt"]
    sessions = data["user_session.user_id"]
    assert sessions and "token_hash" not in sessions[0]
    assert any(e["action"] == "user.sign_in" for e in data["audit_event.actor_id"])
    # Every table that names a person is there, found from the foreign keys.
    assert {"vote.voter_id", "disposition.author_id", "clause_revision.author_id"} <= set(data)
    factor = data["second_factor.user_id"]
    assert factor and "secret" not in factor[0] and TOTP_SECRET not in json.dumps(data)


def test_email_change_needs_both_addresses(client, auth, make_user, session):
    user = make_user()
    old = user.email
    auth.sign_in(user)
    sent_in_process.clear()
    response = client.post(
        "/profile/email",
        data={
            "email": "new.home@example.org",
            "password": PASSWORD,
            "csrf_token": csrf_token(client, "/profile/email"),
        },
    )
    assert response.status_code == 302
    links = {
        m["To"]: re.search(r"http://\S+/email/change/\S+", m.get_content()).group(0)
        for m in sent_in_process
    }
    assert set(links) == {old, "new.home@example.org"}
    client.get(links[old].split("clausewise.test", 1)[1])  # a link scanner opens it: no change
    open_link(client, links["new.home@example.org"])
    session.expire_all()
    assert session.get(type(user), user.id).email == old  # one confirmation is not enough
    open_link(client, links[old])
    session.expire_all()
    assert session.get(type(user), user.id).email == "new.home@example.org"


def test_closing_keeps_the_comments_as_from_a_former_participant(
    app, client, auth, make_user, make_round, file_comment, session
):
    user = make_user(name="Carl Closer", stakeholder_group=StakeholderGroup.ACADEMIC)
    round_ = make_round()
    file_comment(user, round_, body="A comment that stays public.", consent=True)
    auth.sign_in(user)
    response = client.post(
        "/profile/close",
        data={
            "password": PASSWORD,
            "confirm": "y",
            "csrf_token": csrf_token(client, "/profile/close"),
        },
    )
    assert response.status_code == 302
    public = client.get(f"/consultations/{round_.id}/comments").get_data(as_text=True)
    assert "A comment that stays public." in public
    assert personal_data.FORMER_PARTICIPANT in public and "Carl Closer" not in public
    session.expire_all()
    closed = session.get(type(user), user.id)
    assert closed.email.endswith("@closed.invalid") and not closed.active
    assert closed.stakeholder_group == StakeholderGroup.ACADEMIC
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "user.close"))
    again = app.test_client()
    assert (
        again.post(
            "/sign-in",
            data={
                "email": user.email,
                "password": PASSWORD,
                "csrf_token": csrf_token(again, "/sign-in"),
            },
        ).status_code
        == 401
    )


def test_secretariat_edits_the_privacy_notice(client, auth, make_user, session):
    assert "Privacy notice" in client.get("/privacy").get_data(as_text=True)
    auth.sign_in(make_user())
    assert client.get("/privacy/edit").status_code == 403
    auth.sign_out()
    auth.sign_in(make_user(Role.SECRETARIAT))
    response = client.post(
        "/privacy/edit",
        data={
            "body": "# Privacy\n\nWe keep **little**.",
            "csrf_token": csrf_token(client, "/privacy/edit"),
        },
    )
    assert response.status_code == 302
    assert "We keep <strong>little</strong>." in client.get("/privacy").get_data(as_text=True)
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "page.update"))
