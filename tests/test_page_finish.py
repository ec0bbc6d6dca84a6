"""Finish of pages (issue 11): labels instead of codes, readable progress."""

from __future__ import annotations

from app.auth.models import Role, StakeholderGroup


def test_accounts_list_shows_group_labels_not_codes(client, auth, make_user):
    make_user(name="Nora NGO", stakeholder_group=StakeholderGroup.CIVIL_SOCIETY)
    auth.sign_in(make_user(Role.ADMIN))
    page = client.get("/admin/users").get_data(as_text=True)
    assert "<td>civil-society</td>" not in page
    assert "Civil society" in page
