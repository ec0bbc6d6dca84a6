"""The 503 a locked database gets is rendered without the database.

Whatever statement met the lock (here: the home page's first read, made to fail as
SQLite does after its busy timeout), the busy page must not query again: neither to
load the signed-in person for the navigation nor to refresh one the failed transaction
expired. Each extra query would wait another busy timeout, and fail the page with a 500.
"""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from app import web
from tests.conftest import csrf_token


def _locked(*args, **kwargs):
    raise OperationalError("SELECT …", {}, sqlite3.OperationalError("database is locked"))


@pytest.mark.parametrize(
    ("method", "language", "title", "message"),
    [
        ("GET", "en", "Busy, please retry", "Reload the page in a moment."),
        ("POST", "en", "Busy, please retry", "Nothing was saved: send it again in a moment."),
        ("GET", "fr", "", "Rechargez la page dans un instant."),
        ("POST", "es", "", "No se guardó nada: vuelva a enviarlo en un momento."),
    ],
)
def test_the_busy_page_touches_no_database(
    client, auth, db, make_user, session, monkeypatch, method, language, title, message
):
    user = make_user(name="Lena Locked")
    session.commit()
    auth.sign_in(user)
    token = csrf_token(client, "/")
    monkeypatch.setattr(web.drafting, "list_standards", _locked)
    statements: list[str] = []

    def after_lock(conn, cursor, statement, *args):
        statements.append(statement)

    if method == "POST":  # a write view that meets the lock on its first statement
        monkeypatch.setattr(web, "render_markdown", _locked)
        path = "/markdown/preview"
        kwargs = {"json": {"text": "x"}, "headers": {"X-CSRFToken": token}}
        monkeypatch.setitem(client.environ_base, "HTTP_ACCEPT", "text/html")
    else:
        path, kwargs = "/", {}
    monkeypatch.setitem(client.environ_base, "HTTP_ACCEPT_LANGUAGE", language)
    monkeypatch.setattr(web, "is_contention", _count_from_here(statements, after_lock, db))
    response = client.open(path, method=method, **kwargs)
    assert event.contains(db.engine, "before_cursor_execute", after_lock), "no lock met"
    event.remove(db.engine, "before_cursor_execute", after_lock)
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert title in page and message in page
    assert ">Lena Locked</a>" not in page and "/sign-in" in page  # shown as to a visitor
    assert response.headers["Cache-Control"] == "no-store"
    assert int(response.headers["Retry-After"]) >= 5
    # Nothing but the rollback of the failed transaction after the lock was met.
    assert [s for s in statements if not s.upper().startswith(("ROLLBACK", "RELEASE"))] == []


def _count_from_here(statements, listener, db):
    original = web.is_contention

    def is_lock_timeout(exc):
        if not event.contains(db.engine, "before_cursor_execute", listener):
            event.listen(db.engine, "before_cursor_execute", listener)
        return original(exc)

    return is_lock_timeout
