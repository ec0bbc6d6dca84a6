"""A reader goes from the home page to the edition in force, follows a clause permalink
and downloads the PDF, in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.actions import SECRETARIAT, accept_next_confirmation, sign_in

STANDARD = "Responsible Aluminium Performance Standard"
FPIC = "RA-07d0"  # 8.2.2 Free, prior and informed consent in edition 2.0
OFFSETTING = "RA-1e55"  # 4.2.3 Offsetting: in edition 1.1, removed in 2.0


def test_home_to_edition_permalink_and_pdf(page: Page, live_server: str, tmp_path):
    page.goto(live_server + "/")
    page.get_by_role("link", name="Read edition 2.0, in force").click()
    expect(page).to_have_url(re.compile(r"/standards/responsible-aluminium/2\.0$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Edition 2.0")
    expect(page.locator("#standing")).to_contain_text("In force")
    expect(page.locator("#justification")).to_contain_text("two public consultation rounds")

    # The contents stay in reach while reading far down the standard.
    toc = page.get_by_role("navigation", name="Contents")
    toc.get_by_role("link", name="10 Occupational Health and Safety").click()
    expect(page).to_have_url(re.compile(r"#RA-65b1$"))
    box = toc.bounding_box()
    assert box is not None and 0 <= box["y"] <= 40, box

    # Every heading has a link control to the clause's permanent address.
    clause = page.locator(f"section#{FPIC}")
    expect(clause.get_by_role("heading")).to_contain_text("8.2.2")
    clause.get_by_role("link", name=re.compile("Permanent link to 8.2.2")).click()
    expect(page).to_have_url(re.compile(rf"/standards/responsible-aluminium/2\.0/clauses/{FPIC}$"))
    expect(page.locator(f"section#{FPIC}")).to_contain_text("free, prior and informed consent")
    page.get_by_role("link", name="Read it in context").click()
    expect(page).to_have_url(re.compile(rf"/2\.0#{FPIC}$"))

    # Downloading the PDF gives the clauses of the edition as text.
    with page.expect_download(timeout=60_000) as download_info:
        page.get_by_role("link", name="Download the PDF").click()
    path = tmp_path / "edition.pdf"
    download_info.value.save_as(path)
    text = "\n".join(p.extract_text() for p in PdfReader(path).pages)
    assert "Edition 2.0" in text and "Free, prior and informed consent" in text
    assert "Recycled content claims" in text


def test_superseded_edition_leads_to_the_current_one(page: Page, live_server: str):
    page.goto(f"{live_server}/standards/responsible-aluminium/1.1/clauses/{OFFSETTING}")
    expect(page.locator("#clause-removed")).to_contain_text("removed in edition 2.0")
    page.goto(f"{live_server}/standards/responsible-aluminium/1.1/clauses/{FPIC}")
    page.get_by_role("link", name=re.compile("the same clause in edition 2.0")).click()
    expect(page).to_have_url(re.compile(rf"/2\.0/clauses/{FPIC}$"))
    page.goto(f"{live_server}/standards/responsible-aluminium/1.1")
    expect(page.locator("#standing")).to_contain_text("Superseded")
    page.get_by_role("link", name="Read the edition in force").click()
    expect(page).to_have_url(re.compile(r"/standards/responsible-aluminium/2\.0$"))
    page.get_by_role("link", name="What changed").click()
    expect(page.locator(f"#change-{OFFSETTING}")).to_contain_text("Removed")


def test_history_links_every_step(page: Page, live_server: str):
    page.goto(f"{live_server}/standards/responsible-aluminium")
    page.get_by_role("link", name=re.compile("How this standard was made")).click()
    timeline = page.locator("#timeline")
    expect(timeline.locator("[data-kind=publication]")).to_have_count(2)
    expect(timeline.locator("[data-kind=round]")).to_have_count(2)
    timeline.get_by_role("link", name="Responses to the comments of round 1 published").click()
    expect(page.locator("#synopsis-status")).to_have_attribute("data-published", "true")


def test_adoption_waits_for_the_open_round(page: Page, live_server: str):
    sign_in(page, live_server, SECRETARIAT)
    page.goto(f"{live_server}/ballots/new")
    page.get_by_label("Version put to the vote").select_option(label=f"{STANDARD} — 3.0-draft-2")
    page.get_by_label("What the ballot decides").select_option("adopt")
    page.get_by_label("Question").fill("Adopt 3.0-draft-2?")
    page.get_by_label("Justification").fill("We are in a hurry.")
    accept_next_confirmation(page, "Open the ballot?")
    page.get_by_role("button", name="Open the ballot").click()
    expect(page.locator(".error-summary")).to_contain_text("consultation round 2")
    expect(page.get_by_role("heading", level=1)).to_have_text("Open a ballot")
