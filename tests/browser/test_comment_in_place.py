"""On the long draft the comment form opens beside the clause (issue 11 item 8)."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from tests.browser.actions import register, select_with_mouse
from tests.browser.test_consultation import CLAUSE, PASSAGE, _open_round

LIVE = "#comment-live"


def _focused_id(page: Page) -> str:
    return page.evaluate("() => document.activeElement && document.activeElement.id")


def test_keyboard_only_open_beside_the_clause_close_with_escape_and_send(
    page: Page, live_server: str
):
    marker = f"kbd-{uuid.uuid4().hex[:10]}"
    register(page, live_server, f"Keyboard Reader {marker}", f"{marker}@example.org")
    round_id = _open_round(page)
    page.wait_for_load_state()  # the scripts have run: links open the form in place
    url = page.url
    section = page.locator(f"section#{CLAUSE}")
    link = section.locator("a.comment-on-clause")

    # Reach the clause's link (as Tab would) and press Enter: no page load, the form is here.
    link.focus()
    page.keyboard.press("Enter")
    panel = section.locator("#comment-panel")
    expect(panel).to_be_visible()
    assert page.url == url
    expect(page.locator("#comment-home #comment-form")).to_have_count(0)
    expect(panel.get_by_role("heading", name="Comment on this clause")).to_be_visible()
    expect(page.locator(LIVE)).to_have_text(
        "The comment form is open below clause 4.3.1 Emissions intensity threshold."
    )
    expect(page.locator(LIVE)).to_have_attribute("aria-live", "polite")
    select = panel.get_by_label("Comment on", exact=True)
    expect(select).to_be_focused()
    expect(select).to_have_value(CLAUSE)

    # Escape closes it and gives the focus back to the link that opened it.
    page.keyboard.press("Escape")
    expect(page.locator("#comment-home #comment-form")).to_have_count(1)
    expect(section.locator("#comment-form")).to_have_count(0)
    expect(link).to_be_focused()
    expect(page.locator(LIVE)).to_have_text("The comment form is closed.")

    # Open it again and send a comment with the keyboard alone.
    page.keyboard.press("Enter")
    expect(select).to_be_focused()
    while _focused_id(page) != "body":
        page.keyboard.press("Tab")
    page.keyboard.type(f"Say which year the threshold applies from ({marker}).")
    while page.evaluate("() => document.activeElement.type") != "submit":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    # Back on the round page at the clause, with a confirmation that takes the focus.
    page.wait_for_url(f"**/consultations/{round_id}#comment-saved")
    saved = section.locator("#comment-saved")
    expect(saved).to_be_visible()
    expect(saved).to_have_attribute("role", "status")
    expect(saved).to_contain_text("Comment saved in your draft submission.")
    expect(saved).to_be_focused()
    assert saved.evaluate("el => el.getBoundingClientRect().top") < 844
    saved.get_by_role("link", name="Review your draft submission (1 comment)").click()
    expect(page.locator("li.comment").filter(has_text=marker)).to_have_count(1)


def test_a_selected_passage_opens_the_form_under_its_clause_and_cancel_returns(
    page: Page, live_server: str
):
    marker = f"sel-{uuid.uuid4().hex[:10]}"
    register(page, live_server, f"Passage Reader {marker}", f"{marker}@example.org")
    _open_round(page)
    page.wait_for_load_state()
    section = page.locator(f"section#{CLAUSE}")
    select_with_mouse(page, section.locator("div.clause-body"), PASSAGE)
    button = page.locator("#annotate-button")
    button.click()

    panel = section.locator("#comment-panel")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("heading", name="Comment on this passage")).to_be_visible()
    expect(panel.locator("#anchor-quote")).to_have_text(PASSAGE)
    expect(panel.get_by_label("Comment on", exact=True)).to_be_focused()
    expect(page.locator(LIVE)).to_contain_text("open below clause 4.3.1")

    panel.get_by_role("link", name="Cancel").click()
    expect(section.locator("#comment-panel")).to_have_count(0)
    expect(button).to_be_visible()
    expect(button).to_be_focused()
    # Pressing it again opens the same passage again.
    page.keyboard.press("Enter")
    expect(section.locator("#anchor-quote")).to_have_text(PASSAGE)


def test_comment_on_the_whole_draft_from_how_to_take_part(page: Page, live_server: str):
    marker = f"whole-{uuid.uuid4().hex[:10]}"
    register(page, live_server, f"Whole Draft Reader {marker}", f"{marker}@example.org")
    round_id = _open_round(page)
    page.wait_for_load_state()
    url = page.url
    take_part = page.locator("section.take-part")
    take_part.get_by_role("link", name="Comment on the whole draft").click()
    panel = take_part.locator("#comment-panel")
    expect(panel).to_be_visible()
    assert page.url == url  # opened in place, no page load
    expect(panel.get_by_label("Comment on", exact=True)).to_have_value("")
    expect(panel.get_by_label("Comment on", exact=True)).to_be_focused()
    expect(page.locator(LIVE)).to_have_text(
        "The comment form is open, for a comment on the whole draft."
    )
    panel.get_by_label("Your comment").fill(f"The draft reads well overall ({marker}).")
    panel.get_by_role("button", name="Save to my draft submission").click()
    page.wait_for_url(f"**/consultations/{round_id}#comment-saved")
    expect(page.locator("section.take-part #comment-saved")).to_be_visible()


def test_without_javascript_the_link_renders_the_form_under_the_clause(
    page_without_js: Page, live_server: str
):
    page = page_without_js
    marker = f"nojs-place-{uuid.uuid4().hex[:10]}"
    register(page, live_server, f"Plain Reader {marker}", f"{marker}@example.org")
    round_id = _open_round(page)
    section = page.locator(f"section#{CLAUSE}")
    section.locator("a.comment-on-clause").click()
    assert f"comment_on={CLAUSE}" in page.url
    form = section.locator("form#comment-form")
    expect(form).to_be_visible()
    expect(form.get_by_label("Comment on", exact=True)).to_have_value(CLAUSE)
    form.get_by_label("Your comment").fill(f"Written without script ({marker}).")
    form.get_by_role("button", name="Save to my draft submission").click()
    assert page.url.endswith(f"/consultations/{round_id}#comment-saved")
    expect(section.locator("#comment-saved")).to_contain_text("Comment saved")
    # Cancel without script is a link back to the clause.
    section.locator("a.comment-on-clause").click()
    section.get_by_role("link", name="Cancel").click()
    assert page.url.endswith(f"/consultations/{round_id}#{CLAUSE}")
    expect(section.locator("form#comment-form")).to_have_count(0)


def test_the_contents_stay_in_reach_on_a_wide_screen(page: Page, live_server: str):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server}/consultations/2")
    toc = page.locator("nav.toc")
    page.locator(f"section#{CLAUSE}").scroll_into_view_if_needed()
    assert page.evaluate("() => window.scrollY") > 5000
    box = toc.bounding_box()
    assert 0 <= box["y"] < 100, box
    toc.get_by_role("link").first.click()
    expect(toc).to_be_in_viewport()


def test_a_form_placed_by_the_server_takes_the_focus_with_script_on(page: Page, live_server: str):
    marker = f"late-{uuid.uuid4().hex[:10]}"
    register(page, live_server, f"Late Script Reader {marker}", f"{marker}@example.org")
    page.goto(f"{live_server}/consultations/2?comment_on={CLAUSE}#comment-form-h")
    section = page.locator(f"section#{CLAUSE}")
    expect(section.get_by_label("Comment on", exact=True)).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#comment-home #comment-form")).to_have_count(1)
    expect(section.locator("a.comment-on-clause")).to_be_focused()
