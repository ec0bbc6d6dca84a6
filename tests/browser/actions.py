"""Steps that many browser tests take, done the way a person does them."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from app.demo import DEMO_PASSWORD

COMMITTEE = "committee@demo.clausewise.org"
SECRETARIAT = "secretariat@demo.clausewise.org"
IPAF = "ipaf@demo.clausewise.org"
PUBLIC = "public@demo.clausewise.org"


def sign_in(page: Page, base_url: str, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the real form and wait until the header offers to sign out."""
    page.goto(f"{base_url}/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
