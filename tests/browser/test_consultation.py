"""A member of the public comments on a passage of the draft in a real browser."""

from __future__ import annotations

import json
import re
import uuid

from playwright.sync_api import Page, expect

from app.text.markdown import plain_text
from tests.browser.actions import accept_next_confirmation, register, select_with_mouse

CLAUSE = "RA-8270"
PASSAGE = "6 tonnes CO2e per tonne of aluminium"
VERSION = "3.0-draft-2"
SLUG = "responsible-aluminium"


def _open_round(page: Page) -> int:
    """Go to the open consultation round from the main navigation; return its id."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Consultations").click()
    card = page.get_by_role("listitem").filter(has_text=VERSION).filter(has_text="Open")
    card.get_by_role("link").click()
    expect(page.locator(".round-facts")).to_contain_text("Open")
    return int(re.search(r"/consultations/(\d+)$", page.url).group(1))


def _json(page: Page, url: str) -> dict:
    response = page.request.get(url)
    assert response.ok, f"{url} answered {response.status}"
    return json.loads(response.text())


def test_select_a_passage_with_the_mouse_comment_and_submit(page: Page, live_server: str):
    marker = f"mouse-{uuid.uuid4().hex[:10]}"
    comment = f"The threshold should tighten to 4 tonnes by 2035 ({marker})."
    change = f"4 tonnes CO2e per tonne of aluminium ({marker})"
    register(page, live_server, f"Mouse Commenter {marker}", f"{marker}@example.org")
    round_id = _open_round(page)

    body = page.locator(f'div.clause-body[data-clause-uid="{CLAUSE}"]')
    button = page.locator("#annotate-button")
    expect(button).to_have_count(0)
    select_with_mouse(page, body, PASSAGE)
    assert page.evaluate("() => window.getSelection().toString().trim()") == PASSAGE
    expect(button).to_be_visible()
    expect(button).to_have_text("Comment on this passage")
    button.click()

    form = page.locator("form#comment-form")
    expect(page.locator("#anchor-preview")).to_be_visible()
    expect(page.locator("#anchor-quote")).to_have_text(PASSAGE)
    expect(form.get_by_label("Comment on", exact=True)).to_have_value(CLAUSE)
    # The form opened under the clause; the focus is on its first field.
    expect(page.locator(f"section#{CLAUSE} form#comment-form")).to_have_count(1)
    expect(form.get_by_label("Comment on", exact=True)).to_be_focused()
    start = int(form.locator("#anchor_start").input_value())
    end = int(form.locator("#anchor_end").input_value())
    assert form.locator("#anchor_exact").input_value() == PASSAGE
    assert body.evaluate("el => el.textContent")[start:end] == PASSAGE

    form.get_by_label("Your comment").fill(comment)
    form.get_by_label("Type of comment").select_option(label="Technical")
    form.get_by_label("Proposed change (optional)").fill(change)
    form.get_by_role("button", name="Save to my draft submission").click()

    # Back at the clause, which says the comment is saved and leads to the draft submission.
    saved = page.locator(f"section#{CLAUSE} #comment-saved")
    expect(saved).to_have_attribute("role", "status")
    expect(saved).to_contain_text("Comment saved")
    saved.get_by_role("link", name="Review your draft submission").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My draft submission")
    saved = page.locator("li.comment").filter(has_text=marker)
    expect(saved).to_have_count(1)
    expect(saved.locator("mark.anchor")).to_have_text(PASSAGE)
    # Agree to have the name published, then submit.
    page.get_by_label("Publish my name (and organisation) with my comments").check()
    page.get_by_role("button", name="Save these details").click()
    expect(page.get_by_text("Your name will be published with your comments.")).to_be_visible()
    accept_next_confirmation(page, "Submit your comments?")
    page.locator("#submit-button").click()

    receipt = page.locator("#receipt")
    expect(receipt).to_have_text(re.compile(r"^RA-R2-\d{4}$"))
    expect(page.get_by_role("status").filter(has_text="Received")).to_be_visible()
    expect(page.locator("li.comment").filter(has_text=marker)).to_have_count(1)

    # The public record shows the comment with its quoted passage, under the user's name.
    page.locator("p.crumbs").get_by_role("link").first.click()
    page.get_by_role("link", name="Read the comments received so far").click()
    shown = page.locator("ol.comment-list > li").filter(has_text=marker)
    expect(shown).to_have_count(1)
    expect(shown.locator("mark.anchor")).to_have_text(PASSAGE)
    expect(shown).to_contain_text(f"Mouse Commenter {marker}")
    expect(shown.locator(".proposed-change")).to_contain_text(change)

    # The API describes it as a W3C annotation pointing at exactly that passage.
    collection = _json(page, f"{live_server}/api/v1/rounds/{round_id}/comments?clause={CLAUSE}")
    ours = [a for a in collection["first"]["items"] if marker in a["body"][0]["value"]]
    assert len(ours) == 1
    annotation = ours[0]
    assert annotation["motivation"] == "editing"
    assert annotation["clause_uid"] == CLAUSE
    assert annotation["target"]["source"].endswith(f"/{VERSION}#{CLAUSE}")
    selectors = {s["type"]: s for s in annotation["target"]["selector"]}
    assert selectors["TextQuoteSelector"]["exact"] == PASSAGE
    position = selectors["TextPositionSelector"]
    clauses = _json(page, f"{live_server}/api/v1/standards/{SLUG}/versions/{VERSION}")["clauses"]
    text = plain_text(next(c["body"] for c in clauses if c["uid"] == CLAUSE))
    assert text[position["start"] : position["end"]] == PASSAGE
    assert (position["start"], position["end"]) == (start, end)
    assert text[: position["start"]].endswith(selectors["TextQuoteSelector"]["prefix"])
    assert text[position["end"] :].startswith(selectors["TextQuoteSelector"]["suffix"])


def test_comment_on_a_pasted_passage_without_javascript(page_without_js: Page, live_server: str):
    page = page_without_js
    marker = f"nojs-{uuid.uuid4().hex[:10]}"
    register(page, live_server, f"Keyboard Commenter {marker}", f"{marker}@example.org")
    round_id = _open_round(page)
    expect(page.locator("#annotate-button")).to_have_count(0)
    form = page.locator("form#comment-form")
    expect(page.locator("#anchor-preview")).to_be_hidden()
    # Fields without a hint or an error carry no empty ARIA references.
    expect(form.locator('[aria-invalid="None"], [aria-describedby="None"]')).to_have_count(0)
    expect(form.locator("[aria-invalid]")).to_have_count(0)

    # A passage that is not in the clause is refused with a clear message.
    form.get_by_label("Comment on", exact=True).select_option(CLAUSE)
    form.get_by_label("Passage (optional)").fill("7 tonnes of something else entirely")
    form.get_by_label("Your comment").fill(f"This passage is invented ({marker}).")
    form.get_by_role("button", name="Save to my draft submission").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a comment")
    error = page.locator("#passage-error")
    expect(error).to_contain_text(f"We could not find this passage in clause {CLAUSE}")
    expect(page.get_by_role("alert")).to_contain_text("Passage (optional)")
    # What was typed is kept, and the clause is shown to copy from.
    expect(page.get_by_label("Your comment")).to_have_value(f"This passage is invented ({marker}).")
    expect(page.locator(f'div.clause-body[data-clause-uid="{CLAUSE}"]')).to_contain_text(PASSAGE)

    # Pasting the real passage (white space and case aside) anchors the comment.
    page.get_by_label("Passage (optional)").fill("  6 Tonnes co2e per tonne\nof aluminium ")
    page.get_by_label("Your comment").fill(f"Pasted without a mouse ({marker}).")
    page.get_by_label("Type of comment").select_option(label="Editorial")
    page.get_by_role("button", name="Save to my draft submission").click()

    # The form came from the round page: back there, at the clause, to a confirmation.
    saved = page.locator(f"section#{CLAUSE} #comment-saved")
    expect(saved).to_contain_text("Comment saved")
    saved.get_by_role("link", name="Review your draft submission").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My draft submission")
    saved = page.locator("li.comment").filter(has_text=marker)
    expect(saved).to_have_count(1)
    expect(saved.locator("mark.anchor")).to_have_text(PASSAGE)
    accept_next_confirmation(page, "Submit your comments?")
    page.get_by_role("button", name="Submit my comments").click()
    expect(page.locator("#receipt")).to_have_text(re.compile(r"^RA-R2-\d{4}$"))

    collection = _json(page, f"{live_server}/api/v1/rounds/{round_id}/comments?clause={CLAUSE}")
    ours = [a for a in collection["first"]["items"] if marker in a["body"][0]["value"]]
    assert len(ours) == 1
    selectors = {s["type"]: s for s in ours[0]["target"]["selector"]}
    assert selectors["TextQuoteSelector"]["exact"] == PASSAGE
    clauses = _json(page, f"{live_server}/api/v1/standards/{SLUG}/versions/{VERSION}")
    text = plain_text(next(c["body"] for c in clauses["clauses"] if c["uid"] == CLAUSE))
    position = selectors["TextPositionSelector"]
    assert text[position["start"] : position["end"]] == PASSAGE
