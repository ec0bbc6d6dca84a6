"""The privacy notice: edited by the secretariat, every version kept, in the database too."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, text, update

from app.auth import pages
from app.auth.models import PageText, Role
from app.errors import PermissionDenied, RecordFrozen, ValidationError


def test_edits_append_and_the_latest_shows(session, make_user):
    secretariat = make_user(Role.SECRETARIAT)
    assert "Privacy notice" in pages.page_body(session, "privacy")  # the shipped text
    first = pages.update_page(session, secretariat, "privacy", "# One")
    pages.update_page(session, secretariat, "privacy", "# Two")
    assert pages.page_body(session, "privacy") == "# Two"
    assert session.get(PageText, first.id).body == "# One"
    with pytest.raises(ValidationError):
        pages.update_page(session, secretariat, "privacy", "   ")
    with pytest.raises(PermissionDenied):
        pages.update_page(session, make_user(), "privacy", "# Mine")


@pytest.mark.parametrize(
    "statement",
    [
        lambda row: update(PageText).where(PageText.id == row.id).values(body="Rewritten"),
        lambda row: delete(PageText).where(PageText.id == row.id),
        lambda row: text("UPDATE page_text SET body = 'x' WHERE id = :id").bindparams(id=row.id),
    ],
)
def test_database_refuses_rewriting_history(session, make_user, statement):
    row = pages.update_page(session, make_user(Role.SECRETARIAT), "privacy", "# Told")
    with pytest.raises(RecordFrozen), session.begin_nested():
        session.execute(statement(row))
    session.expire_all()
    assert session.get(PageText, row.id).body == "# Told"
