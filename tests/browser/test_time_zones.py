"""A signed-in person's profile zone wins over the browser's; visitors see their own."""

from __future__ import annotations

import uuid

from playwright.sync_api import Browser, expect

from tests.browser.actions import register

ROUND = "/consultations/2"


def test_the_profile_zone_wins_over_the_browsers(browser: Browser, live_server: str):
    context = browser.new_context(timezone_id="America/New_York", locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(live_server + ROUND)
        opens = page.locator("main time").first
        expect(opens).not_to_contain_text("UTC")  # a visitor: shown in the browser's zone

        marker = uuid.uuid4().hex[:8]
        register(page, live_server, f"Zone {marker}", f"zone-{marker}@example.org")
        page.goto(live_server + "/profile")
        page.get_by_role("searchbox", name="Type a city to narrow the list").fill("berlin")
        expect(page.get_by_label("Time zone", exact=True)).to_have_value("Europe/Berlin")
        page.get_by_role("button", name="Save profile").click()

        page.goto(live_server + ROUND)
        expect(page.locator("main time").first).to_contain_text("Europe/Berlin")
    finally:
        context.close()
