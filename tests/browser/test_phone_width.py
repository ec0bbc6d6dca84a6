"""Every main page fits a 390 px phone screen: no sideways scrolling, a menu button."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.actions import COMMITTEE, sign_in
from tests.browser.test_accessibility import COMMITTEE_PAGES, PUBLIC_PAGES

PHONE = {"width": 390, "height": 844}
OVERFLOW = """() => {
  const width = document.documentElement.scrollWidth;
  const wide = [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > 391)
    .filter((el) => el.closest(".table-scroll, .site-menu") === null)
    .slice(-3).map((el) => `${el.tagName}.${el.className} ${el.textContent.slice(0, 40)}`);
  return { width, wide };
}"""


@pytest.fixture
def phone(browser: Browser, live_server: str):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def _overflowing(page: Page, base: str, paths: list[str]) -> dict[str, dict]:
    found = {}
    for path in paths:
        response = page.goto(base + path)
        assert response and response.status == 200, path
        measured = page.evaluate(OVERFLOW)
        if measured["width"] > PHONE["width"]:
            found[path] = measured
    return found


def test_public_pages_fit_a_phone(phone: Page, live_server: str):
    assert _overflowing(phone, live_server, PUBLIC_PAGES) == {}


def test_committee_pages_fit_a_phone(phone: Page, live_server: str):
    phone.set_viewport_size({"width": 1280, "height": 800})  # sign in with the menu unfolded
    sign_in(phone, live_server, COMMITTEE)
    phone.set_viewport_size(PHONE)
    assert _overflowing(phone, live_server, COMMITTEE_PAGES) == {}


def test_the_header_menu_opens_and_closes(phone: Page, live_server: str):
    phone.goto(live_server + "/")
    nav = phone.get_by_role("navigation", name="Main")
    expect(nav).to_be_hidden()
    header = phone.locator(".site-header")
    assert header.bounding_box()["height"] < 90  # one row: the brand and the menu button
    phone.locator(".site-menu > summary").click()
    expect(nav.get_by_role("link", name="Standards", exact=True)).to_be_visible()
    nav.get_by_role("link", name="Consultations", exact=True).click()
    expect(phone).to_have_url(f"{live_server}/consultations")
    expect(phone.get_by_role("navigation", name="Main")).to_be_hidden()


def test_the_header_menu_is_open_on_a_wide_screen(page: Page, live_server: str):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server + "/")
    expect(page.locator(".site-menu > summary")).to_be_hidden()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Standards")).to_be_visible()
