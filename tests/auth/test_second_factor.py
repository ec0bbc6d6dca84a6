"""TOTP second factor: enrolment, sign-in step, recovery codes, privileged roles gated."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth import second_factor
from app.auth.models import Role
from tests.conftest import PASSWORD, TOTP_SECRET, csrf_token, totp_clock


def password_step(client, user):
    return client.post(
        "/sign-in",
        data={
            "email": user.email,
            "password": PASSWORD,
            "csrf_token": csrf_token(client, "/sign-in"),
        },
    )


def code_step(client, code):
    return client.post(
        "/sign-in/code", data={"code": code, "csrf_token": csrf_token(client, "/sign-in/code")}
    )


def test_staff_without_second_factor_cannot_act_in_their_role(client, auth, make_user):
    secretariat = make_user(Role.SECRETARIAT, totp=False)
    auth.sign_in(secretariat)
    assert client.get("/profile").status_code == 200
    refused = client.get("/audit")
    assert refused.status_code == 403
    assert "second factor" in refused.get_data(as_text=True)
    assert "set up a second factor" in client.get("/profile").get_data(as_text=True)


def test_enrol_by_qr_code_then_act(client, auth, make_user, session):
    admin = make_user(Role.ADMIN, totp=False)
    auth.sign_in(admin)
    assert client.get("/admin/users").status_code == 403
    page = client.get("/profile/second-factor").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page
    secret = re.search(r'id="totp-secret">([A-Z2-7]{32})<', page).group(1)
    wrong = client.post(
        "/profile/second-factor",
        data={"code": "123456", "csrf_token": csrf_token(client, "/profile/second-factor")},
    )
    assert wrong.status_code == 422 and "not right" in wrong.get_data(as_text=True)
    done = client.post(
        "/profile/second-factor",
        data={
            "code": pyotp.TOTP(secret).now(),
            "csrf_token": csrf_token(client, "/profile/second-factor"),
        },
    )
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", done.get_data(as_text=True))
    assert len(codes) == 10
    # Enrolment proved possession in this session: the role acts now.
    assert client.get("/admin/users").status_code == 200
    assert session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "user.second_factor.enrol", AuditEvent.actor_id == admin.id
        )
    )


def test_sign_in_asks_for_the_code_and_refuses_a_replayed_one(app, client, make_user):
    member = make_user(Role.COMMITTEE)
    response = password_step(client, member)
    assert response.headers["Location"].endswith("/sign-in/code")
    assert client.get("/committee").status_code in {302, 403}  # not signed in yet
    code = pyotp.TOTP(TOTP_SECRET).now()
    assert code_step(client, code).status_code == 302
    assert client.get("/committee").status_code == 200
    other = app.test_client()
    password_step(other, member)
    assert code_step(other, code).status_code == 401  # a code is good once


def test_recovery_code_signs_in_once(app, client, make_user, session):
    user = make_user()
    secret = second_factor.new_secret()
    codes = second_factor.enrol(session, user, secret, pyotp.TOTP(secret).now())
    password_step(client, user)
    assert code_step(client, codes[0].upper()).status_code == 302
    other = app.test_client()
    password_step(other, user)
    assert code_step(other, codes[0]).status_code == 401
    assert second_factor.remaining_recovery_codes(session, user) == 9


def test_remove_own_factor_needs_password_and_code(client, auth, make_user, session):
    user = make_user(totp=True)
    auth.sign_in(user)
    bad = client.post(
        "/profile/second-factor/remove",
        data={
            "password": "wrong password here",
            "code": "000000",
            "csrf_token": csrf_token(client, "/profile/second-factor"),
        },
        follow_redirects=True,
    )
    assert "password is not right" in bad.get_data(as_text=True)
    assert second_factor.enrolment(session, user) is not None
    client.post(
        "/profile/second-factor/remove",
        data={
            "password": PASSWORD,
            "code": totp_clock.code(user.email),
            "csrf_token": csrf_token(client, "/profile/second-factor"),
        },
    )
    session.expire_all()
    assert second_factor.enrolment(session, user) is None


def test_admin_resets_a_lost_factor(app, client, auth, make_user, session):
    admin, member = make_user(Role.ADMIN), make_user(Role.COMMITTEE)
    member_browser = app.test_client()
    auth.sign_in(member, via=member_browser)
    auth.sign_in(admin)
    path = f"/admin/users/{member.id}/second-factor/reset"
    page = f"/admin/users/{member.id}"
    assert "Reset the second factor" in client.get(page).get_data(as_text=True)
    assert client.post(path, data={"csrf_token": csrf_token(client, page)}).status_code == 302
    session.expire_all()
    assert second_factor.enrolment(session, member) is None
    assert member_browser.get("/profile").status_code == 302  # signed out
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_id == str(member.id))
    ).all()
    assert "user.second_factor.reset" in actions


def test_only_admins_reset_factors(client, auth, make_user):
    secretariat, member = make_user(Role.SECRETARIAT), make_user(Role.COMMITTEE)
    auth.sign_in(secretariat)
    path = f"/admin/users/{member.id}/second-factor/reset"
    assert client.post(path, data={"csrf_token": csrf_token(client, "/profile")}).status_code == 403


def test_shell_recovers_an_account(runner, make_user, session):
    admin = make_user(Role.ADMIN)
    from app.auth import sessions

    sessions.start(session, admin)
    result = runner.invoke(args=["accounts", "sign-out-everywhere", admin.email])
    assert result.exit_code == 0 and "Ended 1 session" in result.output
    result = runner.invoke(args=["accounts", "reset-second-factor", admin.email])
    assert result.exit_code == 0, result.output
    assert second_factor.enrolment(session, admin) is None
    again = runner.invoke(args=["accounts", "reset-second-factor", admin.email])
    assert again.exit_code == 1 and "no authenticator" in again.output
    missing = runner.invoke(args=["accounts", "sign-out-everywhere", "nobody@example.org"])
    assert missing.exit_code == 1 and "no account" in missing.output


def test_privileged_roles_ask_for_the_code_again_after_twelve_hours(
    client, auth, make_user, session
):
    """A remembered staff browser keeps its session, but the roles pause until the code is given."""
    import datetime as dt

    from app.auth.models import UserSession
    from app.database import utcnow

    member = make_user(Role.COMMITTEE)
    auth.sign_in(member)
    assert client.get("/committee").status_code == 200
    row = session.scalar(select(UserSession).where(UserSession.user_id == member.id))
    row.second_factor_at = utcnow() - dt.timedelta(hours=13)
    session.flush()
    assert "enter the code from your authenticator" in client.get("/profile").get_data(as_text=True)
    assert client.get("/committee").status_code == 403
    wrong = client.post(
        "/profile/verify",
        data={"code": "000000", "csrf_token": csrf_token(client, "/profile/verify")},
    )
    assert wrong.status_code == 401
    right = client.post(
        "/profile/verify",
        data={
            "code": totp_clock.code(member.email),
            "csrf_token": csrf_token(client, "/profile/verify"),
        },
    )
    assert right.status_code == 302
    assert client.get("/committee").status_code == 200
