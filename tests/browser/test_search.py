"""A reader searches from the header and lands on the clause."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.actions import COMMITTEE, sign_in


def test_search_from_the_header_and_land_on_the_clause(page: Page, live_server: str):
    page.goto(f"{live_server}/standards")
    header = page.get_by_role("banner")
    header.get_by_role("searchbox", name="Search clauses and comments").fill('"spent pot lining"')
    header.get_by_role("button", name="Search").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Search")
    expect(page.get_by_role("status").filter(has_text="results")).to_be_visible()
    results = page.locator("ol.search-results")
    first = results.locator(".search-hit").first
    expect(first.locator("mark").first).to_have_text(re.compile("spent", re.IGNORECASE))

    # Narrow to requirements with the facet, then open the clause.
    page.get_by_role("complementary", name="Narrow the results").get_by_role(
        "link", name="Requirement"
    ).click()
    expect(page.get_by_role("list", name="Filters in use")).to_contain_text("Requirement")
    results.get_by_role("link", name="5.5.1 Storage of spent pot lining").first.click()

    # A published clause opens in the publication reader, a draft's in its version page.
    expect(page).to_have_url(
        re.compile(
            r"/standards/responsible-aluminium/"
            r"(versions/[^/#]+#RA-8d48|[0-9.]+/clauses/RA-8d48)$"
        )
    )
    heading = page.get_by_role("heading", name=re.compile("5.5.1 Storage of spent pot lining"))
    expect(heading.first).to_be_visible()
    expect(heading.first).to_be_in_viewport()


def test_the_committee_searches_a_rounds_comments_from_its_dashboard(page: Page, live_server: str):
    sign_in(page, live_server, COMMITTEE)
    page.goto(f"{live_server}/committee")
    page.locator("a[href^='/committee/rounds/']").first.click()
    page.get_by_label("Search this round's comments").fill("FPIC")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("#duplicates-form tbody tr")
    expect(rows.first).to_be_visible()
    expect(page.get_by_label("Search this round's comments")).to_have_value("FPIC")
