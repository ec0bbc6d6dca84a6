"""The ballot page, like every page, shows its times one way per locale, without seconds."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page

from tests.browser.actions import COMMITTEE, sign_in

SECONDS = re.compile(r"\d:\d{2}:\d{2}")


def _times(page: Page) -> list[str]:
    return page.locator("main time").all_inner_texts()


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_ballot_times_have_no_seconds_for_visitors(page: Page, live_server: str, lang: str):
    page.goto(f"{live_server}/ballots/1?lang={lang}")
    times = _times(page)
    assert len(times) >= 2
    assert not [t for t in times if SECONDS.search(t)], times
    assert not SECONDS.search(page.locator("main").inner_text())


def test_ballot_times_have_no_seconds_for_the_committee(page: Page, live_server: str):
    sign_in(page, live_server, COMMITTEE)
    for lang in ("en", "fr", "es"):
        for ballot in (1, 2, 3):
            page.goto(f"{live_server}/ballots/{ballot}?lang={lang}")
            assert page.locator("html").get_attribute("lang") == lang
            text = page.locator("main").inner_text()
            assert not SECONDS.search(text), (lang, ballot, SECONDS.findall(text))
            # One format per locale: French and Spanish use the 24-hour clock.
            if lang != "en":
                assert not re.search(r"\b(AM|PM)\b", text), (lang, ballot)
