"""A person enrols an authenticator by QR code and signs in with it, then with a recovery code."""

from __future__ import annotations

import uuid

import pyotp
from playwright.sync_api import Page, expect

from tests.browser.actions import register, sign_out


def test_enrol_by_qr_code_and_sign_in_with_the_code_then_a_recovery_code(
    page: Page, live_server: str
):
    marker = f"totp-{uuid.uuid4().hex[:8]}"
    email = f"{marker}@example.org"
    password = "weathered copper kettle drum"
    register(page, live_server, f"Tess Totp {marker}", email, password)
    page.goto(f"{live_server}/profile")
    page.get_by_role("link", name="Second factor (authenticator app)").click()
    qr = page.get_by_role("img", name="QR code to add Clausewise to an authenticator app")
    expect(qr).to_be_visible()
    # The strict CSP lets the data: SVG load: the image has a size.
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    secret = page.locator("#totp-secret").inner_text()
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code").fill(totp.now())
    page.get_by_role("button", name="Turn on the second factor").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    sign_out(page)

    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code", exact=True).fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.goto(f"{live_server}/profile/sessions")
    expect(page.get_by_text("this browser")).to_be_visible()
    page.get_by_role("button", name="Sign out everywhere").click()
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
