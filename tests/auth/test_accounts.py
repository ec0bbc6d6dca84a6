"""Accounts and roles through the HTTP client and the service layer."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app import create_app
from app.audit.models import AuditEvent
from app.auth import service
from app.auth.models import Role
from app.errors import PermissionDenied, ValidationError
from app.jobs.models import Job
from app.mail import sent_in_process
from tests.conftest import PASSWORD, csrf_token


def test_register_sign_out_and_in(client, session):
    response = client.post(
        "/register",
        data={
            "name": "Ana Costa",
            "email": "Ana@Example.org",
            "password": "long enough pw",
            "confirm": "long enough pw",
            "organisation": "Rivers Trust",
            "stakeholder_group": "civil-society",
            "timezone": "Europe/Lisbon",
            "accept_terms": "y",
            "csrf_token": csrf_token(client, "/register"),
        },
    )
    assert response.status_code == 302
    user = service.find_by_email(session, "ana@example.org")
    assert user.stakeholder_group == "civil-society" and user.password_hash != "long enough pw"
    assert "Ana Costa" in client.get("/").get_data(as_text=True)
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    assert "Sign in" in client.get("/").get_data(as_text=True)
    bad = client.post(
        "/sign-in",
        data={
            "email": "ana@example.org",
            "password": "wrong one!",
            "csrf_token": csrf_token(client, "/sign-in"),
        },
    )
    assert bad.status_code == 401
    assert "do not match" in bad.get_data(as_text=True)


def test_register_refuses_duplicates_and_short_passwords(client, make_user):
    user = make_user()
    token = csrf_token(client, "/register")
    page = client.post(
        "/register",
        data={
            "name": "Again",
            "email": user.email,
            "password": "long enough pw",
            "confirm": "long enough pw",
            "stakeholder_group": "individual",
            "timezone": "UTC",
            "accept_terms": "y",
            "csrf_token": token,
        },
    )
    assert page.status_code == 422
    assert "already exists" in page.get_data(as_text=True)
    page = client.post(
        "/register",
        data={
            "name": "Short",
            "email": "short@example.org",
            "password": "short",
            "confirm": "short",
            "stakeholder_group": "individual",
            "timezone": "UTC",
            "accept_terms": "y",
            "csrf_token": token,
        },
    )
    assert page.status_code == 422


def test_forms_without_csrf_token_are_refused_and_change_nothing(client, session):
    response = client.post(
        "/register",
        data={
            "name": "Forger",
            "email": "forger@example.org",
            "password": "long enough pw",
            "confirm": "long enough pw",
            "stakeholder_group": "individual",
            "timezone": "UTC",
            "accept_terms": "y",
        },
    )
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert service.find_by_email(session, "forger@example.org") is None


def test_password_reset_by_mail(client, make_user, session):
    user = make_user()
    sent_in_process.clear()
    client.post(
        "/password/forgot",
        data={"email": user.email, "csrf_token": csrf_token(client, "/password/forgot")},
    )
    assert sent_in_process, "the reset mail was not sent after the request"
    link = re.search(r"http://\S+/password/reset/\S+", sent_in_process[-1].get_content()).group(0)
    path = link.split("clausewise.test", 1)[1]
    response = client.post(
        path,
        data={
            "password": "a brand new pw",
            "confirm": "a brand new pw",
            "csrf_token": csrf_token(client, path),
        },
    )
    assert response.status_code == 302
    session.refresh(user)
    assert user.check_password("a brand new pw")
    again = client.post(
        path,
        data={
            "password": "another new pw",
            "confirm": "another new pw",
            "csrf_token": csrf_token(client, path),
        },
    )
    assert again.status_code == 422 and "already been used" in again.get_data(as_text=True)


FLASH = re.compile(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', re.S)


def test_forgot_password_does_not_reveal_accounts(client, make_user, session):
    """A known and an unknown address get the same answer; only the known one gets mail."""
    user = make_user(email="known@example.org")
    sent_in_process.clear()
    answers = []
    for email in (user.email, "nobody@example.org"):
        token = csrf_token(client, "/password/forgot")
        response = client.post("/password/forgot", data={"email": email, "csrf_token": token})
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        answers.append((response.status_code, response.headers["Location"], FLASH.findall(page)))
    assert answers[0] == answers[1]
    assert answers[0][0] == 302 and len(answers[0][2]) == 1
    queued = [job.payload["to"] for job in session.scalars(select(Job).where(Job.kind == "mail"))]
    assert queued == [user.email]
    assert [m["To"] for m in sent_in_process] == [user.email]


def test_profile_update(client, auth, make_user, session):
    user = make_user()
    auth.sign_in(user)
    response = client.post(
        "/profile",
        data={
            "name": "New Name",
            "organisation": "Org",
            "stakeholder_group": "academic",
            "timezone": "Asia/Tokyo",
            "csrf_token": csrf_token(client, "/profile"),
        },
    )
    assert response.status_code == 302
    session.refresh(user)
    assert (user.name, user.timezone, user.stakeholder_group) == (
        "New Name",
        "Asia/Tokyo",
        "academic",
    )


def test_admin_grants_and_revokes_roles(client, auth, make_user, session):
    admin, person = make_user(Role.ADMIN), make_user()
    auth.sign_in(admin)
    path = f"/admin/users/{person.id}"
    client.post(
        path, data={"role": "committee", "action": "grant", "csrf_token": csrf_token(client, path)}
    )
    session.refresh(person)
    assert person.has_role(Role.COMMITTEE)
    client.post(
        path, data={"role": "committee", "action": "revoke", "csrf_token": csrf_token(client, path)}
    )
    session.expire_all()
    assert not session.get(type(person), person.id).has_role(Role.COMMITTEE)
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_id == str(person.id))
    ).all()
    assert "role.grant" in actions and "role.revoke" in actions


def test_only_admins_manage_roles(client, auth, make_user, session):
    member, person = make_user(Role.SECRETARIAT), make_user()
    with pytest.raises(PermissionDenied):
        service.grant_role(session, member, person, "admin")
    auth.sign_in(member)
    assert client.get("/admin/users").status_code == 403
    path = f"/admin/users/{person.id}"
    response = client.post(
        path,
        data={"role": "admin", "action": "grant", "csrf_token": csrf_token(client, "/profile")},
    )
    assert response.status_code == 403
    session.refresh(person)
    assert not person.roles


def test_admin_cannot_drop_own_admin_role(session, make_user):
    admin = make_user(Role.ADMIN)
    with pytest.raises(ValidationError):
        service.revoke_role(session, admin, admin, "admin")


def test_cli_creates_users_with_roles(runner, session):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "sec@example.org",
            "--name",
            "Sec",
            "--password",
            PASSWORD,
            "--role",
            "secretariat",
        ]
    )
    assert result.exit_code == 0, result.output
    assert service.find_by_email(session, "sec@example.org").has_role(Role.SECRETARIAT)


def test_sign_in_is_audited(client, auth, make_user, session):
    user = make_user()
    auth.sign_in(user)
    assert session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "user.sign_in", AuditEvent.actor_id == user.id
        )
    )


def test_audit_log_for_admin_and_secretariat_only(client, auth, make_user):
    auth.sign_in(make_user())
    assert client.get("/audit").status_code == 403
    auth.sign_out()
    auth.sign_in(make_user(Role.SECRETARIAT))
    page = client.get("/audit")
    assert page.status_code == 200 and "user.sign_in" in page.get_data(as_text=True)


def test_production_defaults_are_safe(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    monkeypatch.setenv("SECRET_KEY", "k" * 32)
    from app.config import Config

    values = Config(tmp_path).values
    assert values["SESSION_COOKIE_SECURE"] and values["REMEMBER_COOKIE_SECURE"]
    assert values["SESSION_COOKIE_HTTPONLY"] and values["WTF_CSRF_ENABLED"]


def test_registration_form_preselects_individual(client):
    page = client.get("/register").get_data(as_text=True)
    assert '<option selected value="individual">' in page
