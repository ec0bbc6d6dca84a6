"""Only same-site paths are followed after signing in or registering (issue 10, item 2)."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from app.safe_redirect import safe_next
from tests.conftest import PASSWORD, csrf_token

HOSTILE = [
    "//evil.example",
    "////evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "https://evil.example",
    "http:evil.example",
    "HTTPS://evil.example/path",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "@evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "/%5Cevil.example",
    "/%09/evil.example",
    "%2F%2Fevil.example",
    "/\x00/evil.example",
    "/\u3000/evil.example",
    "/\uff0f/evil.example",
    "https:/\\evil.example",
    "",
]
SAFE = ["/", "/profile", "/consultations/3/comments?page=2#comment-5", "/standards/a-b/working"]


@pytest.mark.parametrize("target", HOSTILE)
def test_safe_next_refuses_hostile_targets(app, target):
    with app.test_request_context():
        assert safe_next(target) == "/"


@pytest.mark.parametrize("target", SAFE)
def test_safe_next_keeps_same_site_paths(app, target):
    with app.test_request_context():
        assert safe_next(target) == target


def _assert_stays_on_site(response):
    if response.status_code == 400:  # refused outright (a NUL byte in the query)
        assert "Location" not in response.headers
        return
    assert response.status_code == 302
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert parts.netloc in ("", "clausewise.test"), location
    assert not location.startswith("//") and "\\" not in location, location
    assert parts.path.startswith("/") and not parts.path.startswith("//"), location


@pytest.mark.parametrize("target", HOSTILE)
def test_sign_in_does_not_follow_hostile_next(client, make_user, target):
    user = make_user()
    response = client.post(
        f"/sign-in?next={quote(target, safe='')}",
        data={
            "email": user.email,
            "password": PASSWORD,
            "csrf_token": csrf_token(client, "/sign-in"),
        },
    )
    _assert_stays_on_site(response)


def test_sign_in_follows_same_site_next(client, make_user):
    user = make_user()
    response = client.post(
        "/sign-in?next=%2Fprofile",
        data={
            "email": user.email,
            "password": PASSWORD,
            "csrf_token": csrf_token(client, "/sign-in"),
        },
    )
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/profile"


@pytest.mark.parametrize("target", ["////evil.example", "/\\evil.example", "/\t/evil.example"])
def test_register_does_not_follow_hostile_next(client, target):
    response = client.post(
        f"/register?next={quote(target, safe='')}",
        data={
            "name": "Rita Redirect",
            "email": "rita.redirect@example.org",
            "password": "quiet lantern orchard 482",
            "confirm": "quiet lantern orchard 482",
            "organisation": "",
            "stakeholder_group": "individual",
            "timezone": "UTC",
            "accept_terms": "y",
            "csrf_token": csrf_token(client, "/register"),
        },
    )
    _assert_stays_on_site(response)
