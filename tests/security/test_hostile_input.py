"""The hostile inputs issue 10 (item 4) found, each a clear 4xx, on either engine."""

from __future__ import annotations

import io

import pytest

from app.auth.models import Role
from app.auth.permissions import SYSTEM
from app.drafting import service as drafting
from tests.conftest import csrf_token


@pytest.mark.parametrize(
    "path",
    [
        "/consultations/99999999999999999999",
        "/consultations/2147483648",
        "/consultations/9223372036854775807/comments",
        "/ballots/2147483648",
        "/api/v1/rounds/99999999999999999999",
    ],
)
def test_out_of_range_ids_in_paths_are_not_found(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("page", ["9223372036854775807", "2147483648", "-1", "0", "abc", "1e3"])
def test_out_of_range_pages_are_refused(client, auth, make_user, page):
    assert client.get(f"/api/v1/rounds/1/comments?page={page}").status_code in (400, 404)
    auth.sign_in(make_user(Role.ADMIN))
    assert client.get(f"/audit?page={page}").status_code == 400


def test_a_sensible_page_still_works(client, auth, make_user):
    auth.sign_in(make_user(Role.ADMIN))
    assert client.get("/audit?page=2").status_code == 200


@pytest.mark.parametrize(
    "body", [b"[1, 2]", b'"text"', b"3", b"[" * 50_000, b'{"text": "a\\u0000b"}', b"{nope"]
)
def test_markdown_preview_refuses_anything_but_an_object(client, body):
    token = csrf_token(client, "/")
    response = client.post(
        "/markdown/preview",
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 400


def test_markdown_preview_still_renders(client):
    token = csrf_token(client, "/")
    response = client.post(
        "/markdown/preview", json={"text": "*hi*"}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 200 and response.get_json()["html"] == "<p><em>hi</em></p>\n"


def test_nul_bytes_are_refused_in_forms_queries_and_paths(client, auth, make_user, session):
    user = make_user()
    auth.sign_in(user)
    token = csrf_token(client, "/profile")
    response = client.post(
        "/profile",
        data={"name": "Nul\x00Name", "csrf_token": token, "timezone": "UTC"},
    )
    assert response.status_code == 400
    session.refresh(user)
    assert "\x00" not in user.name
    assert client.get("/consultations?q=a%00b").status_code == 400
    assert client.get("/standards/a%00b").status_code == 400


def test_a_file_sent_for_a_text_field_is_refused(client, auth, make_user):
    auth.sign_in(make_user())
    token = csrf_token(client, "/profile")
    response = client.post(
        "/profile",
        data={"name": (io.BytesIO(b"\x00\xff"), "name.bin"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400


def test_a_round_closing_at_the_end_of_time_in_a_far_zone_is_refused(
    client, auth, make_user, session, make_standard
):
    standard = make_standard()
    version = drafting.freeze(session, SYSTEM, standard, label="end-of-time")
    session.flush()
    auth.sign_in(make_user(Role.SECRETARIAT))
    response = client.post(
        "/consultations/new",
        data={
            "version": f"{standard.slug}|{version.label}",
            "title": "Forever",
            "summary": "",
            "opens_at": "2030-01-01T00:00",
            "closes_at": "9999-12-31T23:59",
            "timezone": "Etc/GMT+12",
            "visibility": "live",
            "csrf_token": csrf_token(client, "/consultations/new"),
        },
    )
    assert response.status_code == 422
    assert "between the years" in response.get_data(as_text=True)


def test_an_absurd_round_number_is_refused(client, auth, make_user, session, make_standard):
    standard = make_standard()
    version = drafting.freeze(session, SYSTEM, standard, label="big-number")
    session.flush()
    auth.sign_in(make_user(Role.SECRETARIAT))
    response = client.post(
        "/consultations/new",
        data={
            "version": f"{standard.slug}|{version.label}",
            "title": "Big",
            "number": "99999999999999999999",
            "opens_at": "2030-01-01T00:00",
            "closes_at": "2030-04-01T00:00",
            "timezone": "UTC",
            "visibility": "live",
            "csrf_token": csrf_token(client, "/consultations/new"),
        },
    )
    assert response.status_code == 422
