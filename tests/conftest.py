"""Fixtures: one database per test session, each test in a rolled-back transaction.

Creator fixtures (make_user, make_standard, ...) return functions that build
objects through the services, as Indico's test fixtures do.
"""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text

from app import create_app
from app.auth import personal_data, second_factor
from app.auth import service as accounts
from app.auth.models import PRIVILEGED_ROLES, Role, StakeholderGroup
from app.auth.permissions import SYSTEM
from app.cli import upgrade_schema
from app.drafting import editing
from app.drafting import service as drafting
from app.extensions import db as database
from app.extensions import limiter
from tests.totp import TotpClock

PASSWORD = "correct horse battery"
# Every staff account made by make_user is enrolled with this authenticator secret.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

# Shared, noisy machines: judge properties, not speed (speed lives in bench/).
hypothesis_settings.register_profile("clausewise", deadline=None)
hypothesis_settings.load_profile("clausewise")


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "DATABASE_URL": _database_url(tmp_path_factory),
            "SEARCH_INDEX_DIR": str(instance / "search"),
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
            # Initialise the limiter (hooks, storage); it is switched off below and rate-limit
            # tests switch it on for themselves.
            "RATELIMIT_ENABLED": True,
            # Hashing cost is production's concern; tests hash cheaply to stay fast.
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "SERVER_NAME": "clausewise.test",
            "PREFERRED_URL_SCHEME": "http",
        }
    )
    with app.app_context():
        if database.engine.dialect.name == "postgresql":
            with database.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade_schema()
    limiter.enabled = False
    yield app
    database.engine.dispose()


@pytest.fixture
def db(app):
    """Bind every session to one outer transaction and roll it back afterwards."""
    from app.jobs import service as jobs

    jobs._batch_failures.clear()  # a failed batch kind's back-off is process state
    with app.app_context():
        connection = database.engine.connect()
        outer = connection.begin()
        database.bind_to_connection(connection)
        try:
            yield database
        finally:
            database.bind_to_connection(None)
            outer.rollback()
            connection.close()


@pytest.fixture
def session(db, app):
    """A service-layer session inside the test transaction, with a request context."""
    with app.test_request_context():
        s = db.new_session()
        try:
            yield s
        finally:
            s.close()


class IsolatedClient(FlaskClient):
    """Run every request in its own app context, as in production.

    Flask reuses an app context that is already pushed (the `session` fixture
    pushes one for the services), which would share `g` -- the request's
    database session and CSRF token -- between requests.
    """

    def open(self, *args, **kwargs):
        # Buffered: the body is read and the response closed, so work queued
        # for after the response (mail, indexing) runs before open() returns.
        kwargs.setdefault("buffered", True)
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


@pytest.fixture
def client(app, db):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


_counter = itertools.count(1)


@pytest.fixture
def make_user(session):
    """Return a function that creates an account with roles."""

    def make(
        *roles: Role,
        name: str | None = None,
        email: str | None = None,
        stakeholder_group: str = StakeholderGroup.INDIVIDUAL,
        organisation: str = "",
        verified: bool = True,
        totp: bool | None = None,
    ):
        """Make an account; verified address; staff get the TOTP_SECRET authenticator."""
        n = next(_counter)
        user = accounts.register(
            session,
            email=email or f"user{n}@example.org",
            password=PASSWORD,
            name=name or f"User {n}",
            stakeholder_group=stakeholder_group,
            organisation=organisation,
        )
        for role in roles:
            accounts.grant_role(session, SYSTEM, user, role)
        if verified:
            key = session.info.get("secret_key") or "test-secret-key"
            personal_data.verify_email(session, personal_data.verification_token(user, key), key)
        if totp if totp is not None else bool(set(roles) & PRIVILEGED_ROLES):
            second_factor.assign(session, SYSTEM, user, TOTP_SECRET)
        session.flush()
        return user

    return make


@pytest.fixture
def member(make_user):
    """A Standards Committee member."""
    return make_user(Role.COMMITTEE, name="Maria Member")


@pytest.fixture
def second_member(make_user):
    """Another committee member: agreement needs a second pair of eyes."""
    return make_user(Role.COMMITTEE, name="Kenji Second")


@pytest.fixture
def secretariat(make_user):
    return make_user(Role.SECRETARIAT, name="Sam Secretariat")


@pytest.fixture
def make_standard(session):
    """Return a function that creates a standard with a small clause tree."""

    def make(slug: str | None = None, clauses: int = 3, title: str = "Test Standard"):
        n = next(_counter)
        standard = drafting.create_standard(
            session,
            SYSTEM,
            slug=slug or f"test-standard-{n}",
            title=title,
            summary="A standard for tests.",
            uid_prefix=f"T{n}",
        )
        parent = editing.add_clause(
            session,
            SYSTEM,
            standard,
            kind="principle",
            number="1",
            heading="Integrity",
            body="The Entity acts with integrity.",
        )
        for i in range(1, clauses + 1):
            editing.add_clause(
                session,
                SYSTEM,
                standard,
                kind="criterion",
                number=f"1.{i}",
                heading=f"Criterion {i}",
                body=f"The Entity shall report on topic {i} every year, where practicable.",
                parent_uid=parent.clause.uid,
            )
        session.flush()
        return standard

    return make


totp_clock = TotpClock(TOTP_SECRET)


@pytest.fixture
def auth(client):
    """Sign the test client in (with the second factor when asked for) and out."""

    class Auth:
        def sign_in(self, user, password: str = PASSWORD, via=None):
            """Sign in on the test client, or on another client given as `via`."""
            browser = via or client
            response = browser.post(
                "/sign-in",
                data={
                    "email": user.email,
                    "password": password,
                    "csrf_token": csrf_token(browser, "/sign-in"),
                },
            )
            assert response.status_code == 302, response.get_data(as_text=True)
            if response.headers["Location"].endswith("/sign-in/code"):
                response = browser.post(
                    "/sign-in/code",
                    data={
                        "code": totp_clock.code(user.email),
                        "csrf_token": csrf_token(browser, "/sign-in/code"),
                    },
                )
                assert response.status_code == 302, response.get_data(as_text=True)
            return response

        def sign_out(self):
            return client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})

    return Auth()


CSRF_FIELD = re.compile(
    r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"'
    r'|name="csrf-token" content="([^"]+)"'
)


def csrf_token(client, path: str) -> str:
    """Fetch a page and return the CSRF token its form carries."""
    page = client.get(path).get_data(as_text=True)
    match = CSRF_FIELD.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2) or match.group(3)


@pytest.fixture(scope="session")
def demo_sources() -> Path:
    return Path(__file__).resolve().parent.parent / "standards_src"
