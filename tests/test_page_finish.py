"""Finish of pages (issue 11): labels instead of codes, readable progress."""

from __future__ import annotations

from app.auth.models import Role, StakeholderGroup


def test_accounts_list_shows_group_labels_not_codes(client, auth, make_user):
    make_user(name="Nora NGO", stakeholder_group=StakeholderGroup.CIVIL_SOCIETY)
    auth.sign_in(make_user(Role.ADMIN))
    page = client.get("/admin/users").get_data(as_text=True)
    assert "<td>civil-society</td>" not in page
    assert "Civil society" in page


def test_register_from_a_page_comes_back_to_it(client):
    page = client.get("/standards").get_data(as_text=True)
    assert "/register?next=/standards" in page.replace("%2F", "/")


def test_irreversible_buttons_ask_for_confirmation(client, auth, make_user):
    admin = make_user(Role.ADMIN)
    target = make_user(Role.COMMITTEE)
    auth.sign_in(admin)
    page = client.get(f"/admin/users/{target.id}").get_data(as_text=True)
    assert 'value="revoke"' in page
    assert 'data-confirm="Revoke this role?' in page
