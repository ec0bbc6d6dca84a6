"""Error pages: our own translated words, the house layout and a way on."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token


def _clause_uid(standard) -> str:
    from sqlalchemy import select

    from app.drafting.models import Clause
    from app.extensions import db

    return db.session.scalars(
        select(Clause.uid).where(Clause.standard_id == standard.id).limit(1)
    ).one()


def test_a_hidden_clause_is_our_404_not_werkzeugs(client, make_standard):
    uid = _clause_uid(make_standard())
    response = client.get(
        f"/clauses/{uid}", headers={"Referer": "http://clausewise.test/standards"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Page not found" in page
    assert "requested URL was not found" not in page  # Werkzeug's default text
    assert 'class="site-header"' in page
    assert 'href="/standards"' in page  # back where the visitor came from
    assert "/sign-in?next=" in page  # the clause may be theirs to read once signed in


def test_a_member_opening_a_ballot_gets_our_403(client, auth, member):
    auth.sign_in(member)
    response = client.get("/ballots/new")
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Not allowed" in page
    assert "have permission to access the requested resource" not in page
    assert "Go to the home page" in page


def test_a_written_message_is_kept(client):
    response = client.get("/standards/no-such-standard/latest")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("method", "path", "status", "title"),
    [
        ("get", "/no/such/page", 404, "Page not found"),
        ("put", "/", 405, "Not allowed"),
    ],
)
def test_framework_errors_speak_our_words(client, method, path, status, title):
    response = getattr(client, method)(path)
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert title in page
    assert "Go to the home page" in page


@pytest.mark.parametrize("status", [400, 403, 404, 405, 410, 413, 429, 500, 503])
def test_every_status_has_our_page(app, db, status):
    from werkzeug.exceptions import default_exceptions

    from app.error_pages import http_error_text

    exc = default_exceptions[status]()
    with app.test_request_context("/somewhere"):
        response = app.handle_http_exception(exc)
        page = response.get_data(as_text=True)
    title, message = http_error_text(status)
    assert response.status_code == status
    assert title.replace("'", "&#39;") in page
    assert message.replace("'", "&#39;") in page or status in (413, 429)
    assert exc.description not in page  # never Werkzeug's English default
    assert "Go to the home page" in page


def test_an_expired_form_is_explained(client):
    csrf_token(client, "/")
    response = client.post("/sign-in", data={"email": "a@b.c", "password": "x"})
    assert response.status_code == 400
    assert "The form has expired" in response.get_data(as_text=True)


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in response.data
