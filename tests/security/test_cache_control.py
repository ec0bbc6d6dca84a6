"""Pages that depend on the signed-in person are never stored by caches (issue 10, item 5)."""

from __future__ import annotations

import pytest

from app.auth.models import Role

PERSONAL = ["/profile", "/my/submissions", "/admin/users", "/audit", "/committee", "/ballots"]
PUBLIC = ["/", "/consultations", "/standards", "/healthz"]
ACCOUNT_FORMS = ["/sign-in", "/register", "/password/forgot", "/password/reset/not-a-token"]


def _no_store(response) -> bool:
    return "no-store" in response.headers.get("Cache-Control", "")


def test_personal_and_public_pages_are_not_stored_for_a_signed_in_person(client, auth, make_user):
    auth.sign_in(make_user(Role.ADMIN, Role.SECRETARIAT, Role.COMMITTEE))
    for path in PERSONAL + PUBLIC:
        response = client.get(path)
        assert response.status_code == 200, path
        assert _no_store(response), path
    missing = client.get("/consultations/999999")
    assert missing.status_code == 404 and _no_store(missing)


def test_redirect_after_sign_in_is_not_stored(client, auth, make_user):
    assert _no_store(auth.sign_in(make_user()))


@pytest.mark.parametrize("path", ACCOUNT_FORMS)
def test_account_forms_are_not_stored(client, path):
    assert _no_store(client.get(path))


@pytest.mark.parametrize("path", PUBLIC)
def test_public_pages_stay_cacheable_for_anonymous_readers(client, path):
    assert not _no_store(client.get(path))


def test_static_files_stay_cacheable_when_signed_in(client, auth, make_user):
    auth.sign_in(make_user())
    response = client.get("/static/css/site.css")
    assert response.status_code == 200 and not _no_store(response)
