"""Failed sign-ins are throttled per account and per address, in a store every worker shares."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth import throttle
from app.auth.models import SignInThrottle
from tests.conftest import PASSWORD, csrf_token

WRONG = "not the password"  # noqa: S105


def attempt(client, email: str, password: str = WRONG, address="203.0.113.7"):
    return client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": csrf_token(client, "/sign-in")},
        environ_base={"REMOTE_ADDR": address},
    )


def test_delays_grow_after_the_free_failures():
    assert [throttle.delay_after(n, 5) for n in range(1, 10)] == [0, 0, 0, 0, 0, 1, 2, 4, 8]
    assert throttle.delay_after(40, 5) == throttle.MAX_DELAY_S


def test_account_is_throttled_across_addresses_and_workers(app, client, make_user):
    """Two workers share the database: a second client from another address is held too."""
    user = make_user()
    worker_b = app.test_client()
    for n in range(5):
        assert (
            attempt(
                client if n % 2 else worker_b, user.email, address=f"198.51.100.{n}"
            ).status_code
            == 401
        )
    # The sixth failure locks the account for a second, whichever address asks next.
    assert attempt(client, user.email, address="198.51.100.77").status_code == 401
    held = attempt(worker_b, user.email, password=PASSWORD, address="198.51.100.78")
    assert held.status_code == 429
    assert int(held.headers["Retry-After"]) >= 1
    assert "Too many failed sign-ins" in held.get_data(as_text=True)


def test_unknown_accounts_are_throttled_the_same_way(client, make_user):
    """The answers for an account that exists and one that does not are the same."""
    user = make_user()
    statuses = {}
    for email in (user.email, "nobody-here@example.org"):
        statuses[email] = [
            attempt(client, email, address=f"192.0.2.{len(statuses)}").status_code for _ in range(7)
        ]
    assert statuses[user.email] == statuses["nobody-here@example.org"]
    assert statuses[user.email][-1] == 429


def test_address_is_throttled_across_accounts(app, client, make_user):
    app.config["SIGN_IN_FREE_FAILURES_ADDRESS"] = 3
    try:
        for n in range(3):
            assert attempt(client, f"someone{n}@example.org").status_code == 401
        assert attempt(client, "someone9@example.org").status_code == 401  # locks the address
        assert attempt(client, make_user().email, password=PASSWORD).status_code == 429
    finally:
        app.config["SIGN_IN_FREE_FAILURES_ADDRESS"] = 20


def test_success_clears_the_accounts_failures(client, make_user, session):
    user = make_user()
    for _ in range(3):
        attempt(client, user.email)
    assert attempt(client, user.email, password=PASSWORD).status_code == 302
    account_key = throttle.keys_for(user.email, None)[0].name
    assert session.scalar(select(SignInThrottle).where(SignInThrottle.key == account_key)) is None


def test_the_store_keeps_no_email_address(client, session):
    attempt(client, "private.person@example.org")
    keys = session.scalars(select(SignInThrottle.key)).all()
    assert keys and not any("private" in key for key in keys)


@pytest.mark.parametrize("uri", ["memory://"])
def test_limits_storage_backend(app, client, make_user, uri):
    """The same throttle over a Flask-Limiter storage (Redis in production)."""
    app.config["SIGN_IN_THROTTLE_STORAGE"] = uri
    try:
        user = make_user()
        for _ in range(6):
            attempt(client, user.email, address="192.0.2.200")
        assert (
            attempt(client, user.email, password=PASSWORD, address="192.0.2.201").status_code == 429
        )
    finally:
        throttle.LimitsStore._storages.clear()
        app.config["SIGN_IN_THROTTLE_STORAGE"] = "database"


def test_code_step_is_throttled_too(client, make_user):
    from app.auth.models import Role

    user = make_user(Role.SECRETARIAT)
    assert (
        attempt(client, user.email, password=PASSWORD).headers["Location"].endswith("/sign-in/code")
    )
    codes = []
    for _ in range(7):
        codes.append(
            client.post(
                "/sign-in/code",
                data={"code": "000000", "csrf_token": csrf_token(client, "/sign-in/code")},
                environ_base={"REMOTE_ADDR": "203.0.113.7"},
            ).status_code
        )
    assert codes[:5] == [401] * 5 and codes[-1] == 429


def test_knowing_the_password_does_not_reset_the_count_of_wrong_codes(client, make_user):
    from app.auth.models import Role

    user = make_user(Role.COMMITTEE)
    statuses = []
    for _ in range(6):
        # An attacker with the password starts over after every wrong code.
        attempt(client, user.email, password=PASSWORD, address=f"203.0.113.{len(statuses)}")
        statuses.append(
            client.post(
                "/sign-in/code",
                data={"code": "000000", "csrf_token": csrf_token(client, "/sign-in/code")},
                environ_base={"REMOTE_ADDR": f"203.0.113.{len(statuses)}"},
            ).status_code
        )
    assert statuses[:5] == [401] * 5
    # The sixth wrong code locked the account; the next try, password and all, waits.
    assert attempt(client, user.email, password=PASSWORD, address="198.51.100.9").status_code == 429
