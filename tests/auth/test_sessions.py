"""Sessions end server-side: captured cookies open nothing after sign-out, resets, revocation."""

from __future__ import annotations

import re

import pytest

from app.auth import sessions
from app.auth.models import Role, UserSession
from app.mail import sent_in_process
from tests.conftest import PASSWORD, csrf_token

DOMAIN = "clausewise.test"


def sign_in(client, user, remember: bool = False):
    data = {"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client, "/sign-in")}
    if remember:
        data["remember"] = "y"
    response = client.post("/sign-in", data=data)
    assert response.status_code == 302
    return response


def captured(client) -> dict[str, str]:
    """The cookies an attacker would copy out of the browser."""
    return {
        name: client.get_cookie(name, domain=DOMAIN).value
        for name in ("session", "remember_token")
        if client.get_cookie(name, domain=DOMAIN) is not None
    }


def opens_profile(app, cookies: dict[str, str]) -> bool:
    """Replay captured cookies from another client; say whether /profile opens."""
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value, domain=DOMAIN)
    return thief.get("/profile").status_code == 200


@pytest.mark.parametrize("which", ["session", "remember_token"])
def test_captured_cookie_stops_working_after_sign_out(app, client, auth, make_user, which):
    user = make_user()
    sign_in(client, user, remember=True)
    stolen = {which: captured(client)[which]}
    assert opens_profile(app, stolen), "the captured cookie should work before sign-out"
    auth.sign_out()
    assert not opens_profile(app, stolen)


def test_password_reset_elsewhere_ends_every_session(app, client, make_user, session):
    user = make_user()
    sign_in(client, user, remember=True)
    stolen = captured(client)
    sent_in_process.clear()
    other = app.test_client()
    other.post(
        "/password/forgot",
        data={"email": user.email, "csrf_token": csrf_token(other, "/password/forgot")},
    )
    link = re.search(r"http://\S+/password/reset/\S+", sent_in_process[-1].get_content()).group(0)
    path = link.split(DOMAIN, 1)[1]
    new = "weathered copper kettle drum"
    reset = other.post(
        path, data={"password": new, "confirm": new, "csrf_token": csrf_token(other, path)}
    )
    assert reset.status_code == 302
    assert not opens_profile(app, {"session": stolen["session"]})
    assert not opens_profile(app, {"remember_token": stolen["remember_token"]})
    assert client.get("/profile").status_code == 302


def test_password_change_keeps_this_browser_and_ends_others(app, client, make_user):
    user = make_user()
    other = app.test_client()
    sign_in(other, user, remember=True)
    stolen = captured(other)
    sign_in(client, user)
    new = "weathered copper kettle drum"
    response = client.post(
        "/profile/password",
        data={
            "current_password": PASSWORD,
            "password": new,
            "confirm": new,
            "csrf_token": csrf_token(client, "/profile/password"),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert client.get("/profile").status_code == 200
    assert not opens_profile(app, stolen)


def test_role_revocation_ends_the_members_sessions(app, client, auth, make_user, session):
    admin, member = make_user(Role.ADMIN), make_user(Role.COMMITTEE)
    member_client = app.test_client()
    auth.sign_in(member, via=member_client)
    assert member_client.get("/committee").status_code == 200
    stolen = captured(member_client)
    auth.sign_in(admin)
    path = f"/admin/users/{member.id}"
    client.post(
        path, data={"role": "committee", "action": "revoke", "csrf_token": csrf_token(client, path)}
    )
    assert not opens_profile(app, stolen)


def test_sign_out_everywhere_and_sign_out_this_one(app, client, make_user, session):
    user = make_user()
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, user)
    sign_in(phone, user, remember=True)
    sign_in(client, user)
    page = client.get("/profile/sessions").get_data(as_text=True)
    assert page.count("Sign out this one") == 3 and "this browser" in page
    session.expire_all()
    rows = sorted(sessions.live_sessions(session, user), key=lambda r: r.id)
    phone_row = rows[1]
    path = f"/profile/sessions/{phone_row.id}/revoke"
    response = client.post(path, data={"csrf_token": csrf_token(client, "/profile/sessions")})
    assert response.status_code == 302
    assert phone.get("/profile").status_code == 302
    assert laptop.get("/profile").status_code == 200
    client.post(
        "/profile/sessions/revoke-all", data={"csrf_token": csrf_token(client, "/profile/sessions")}
    )
    assert laptop.get("/profile").status_code == 302
    assert client.get("/profile").status_code == 302


def test_someone_elses_session_cannot_be_revoked(client, auth, make_user, session):
    victim, attacker = make_user(), make_user()
    row = sessions.start(session, victim)
    auth.sign_in(attacker)
    path = f"/profile/sessions/{row.id}/revoke"
    response = client.post(path, data={"csrf_token": csrf_token(client, "/profile/sessions")})
    assert response.status_code == 404
    session.refresh(row)
    assert row.revoked_at is None


def test_expired_session_opens_nothing(session, make_user):
    user = make_user()
    row = sessions.start(session, user)
    cookie_id = user.get_id()
    assert sessions.load(session, cookie_id) is user
    assert sessions.load(session, cookie_id, now=row.expires_at) is None
    assert sessions.load(session, f"{user.id}:forged") is None
    assert sessions.load(session, str(user.id)) is None


def test_sign_in_starts_a_new_session_id(client, make_user, session):
    """Session fixation: the cookie before sign-in is not the one after."""
    user = make_user()
    client.get("/sign-in")
    before = client.get_cookie("session", domain=DOMAIN)
    sign_in(client, user)
    after = client.get_cookie("session", domain=DOMAIN)
    assert before is None or before.value != after.value
    assert session.query(UserSession).filter_by(user_id=user.id).count() == 1
