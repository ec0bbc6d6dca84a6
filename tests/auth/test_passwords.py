"""Passwords: long enough, not guessable, stricter for privileged roles."""

from __future__ import annotations

import pytest

from app.auth import service, sessions
from app.auth.models import Role
from app.auth.permissions import SYSTEM
from app.errors import ValidationError
from tests.conftest import csrf_token


@pytest.mark.parametrize(
    "password",
    [
        "password12",
        "1234567890",
        "qwertyuiop",
        "ana.costa@example.org",
        "Ana Costa 1990",
        "clausewise1",
    ],
)
def test_common_and_personal_passwords_are_refused(session, password):
    with pytest.raises(ValidationError, match="too easy to guess|at least"):
        service.register(
            session, email="ana.costa@example.org", password=password, name="Ana Costa"
        )


def test_registration_form_explains_the_refusal(client):
    page = client.post(
        "/register",
        data={
            "name": "Ana Costa",
            "email": "ana@example.org",
            "password": "password12",
            "confirm": "password12",
            "stakeholder_group": "individual",
            "timezone": "UTC",
            "accept_terms": "y",
            "csrf_token": csrf_token(client, "/register"),
        },
    )
    assert page.status_code == 422
    assert "too easy to guess" in page.get_data(as_text=True)


def test_a_long_unrelated_phrase_is_accepted(session):
    user = service.register(
        session, email="ana@example.org", password="weathered copper kettle", name="Ana"
    )
    assert user.check_password("weathered copper kettle")


def test_privileged_roles_need_the_privileged_grade(session, make_user):
    user = service.register(
        session, email="short@example.org", password="kettle drum 42", name="Kim Short"
    )
    assert not user.password_privileged_grade
    service.grant_role(session, SYSTEM, user, Role.COMMITTEE)
    # The grant stands, but the role does not act until the password meets the rule.
    sessions.start(session, user, second_factor=True)  # a browser past the second factor
    assert Role.COMMITTEE in user.granted_roles and not user.has_role(Role.COMMITTEE)
    with pytest.raises(ValidationError, match="at least 15"):
        service.change_password(session, user, "kettle drum 42", "tiny kettle 9")
    service.change_password(session, user, "kettle drum 42", "weathered copper kettle drum")
    assert user.password_privileged_grade and user.has_role(Role.COMMITTEE)


def test_shell_refuses_a_weak_password_for_a_staff_account(session):
    with pytest.raises(ValidationError):
        service.create_user(
            session, email="sec@example.org", password="kettle drum 42", name="S", roles=["admin"]
        )


def test_admin_is_told_when_the_grantee_must_change_password(client, auth, make_user, session):
    admin = make_user(Role.ADMIN)
    person = service.register(
        session, email="weak@example.org", password="kettle drum 42", name="Wes Weak"
    )
    auth.sign_in(admin)
    path = f"/admin/users/{person.id}"
    response = client.post(
        path,
        data={"role": "secretariat", "action": "grant", "csrf_token": csrf_token(client, path)},
        follow_redirects=True,
    )
    assert "second factor and a password of at least 15 characters" in response.get_data(
        as_text=True
    )
