"""A committee member edits a clause of the demo standard in a real browser."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from app.demo.accounts import DEMO_PASSWORD
from tests.browser.actions import COMMITTEE, sign_in, totp_clock

STANDARD = "Responsible Aluminium Performance Standard"
CLAUSE = "1.1.1 Register of legal obligations"
EDITOR = "Maria Lindqvist"  # the demo committee member's name


def test_edit_clause_and_see_the_revision_in_its_history(page: Page, live_server: str):
    marker = f"ref-{uuid.uuid4().hex[:8]}"
    sentence = f"A summary of the register shall be published each year ({marker})."
    note = f"Publish a summary of the register ({marker})"

    sign_in(page, live_server, COMMITTEE)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Standards").click()
    page.get_by_role("link", name=STANDARD).click()
    page.get_by_role("link", name="Working draft").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Working draft")

    page.get_by_role("link", name=f"Edit {CLAUSE}", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Edit {CLAUSE}")
    text = page.get_by_label("Text", exact=True)
    text.fill(text.input_value().rstrip() + " " + sentence)
    page.get_by_label("Change note").fill(note)
    page.get_by_role("button", name="Save revision").click()

    flash = page.get_by_role("status").filter(has_text="Saved as revision")
    expect(flash).to_have_text(re.compile(r"^Saved as revision \d+\.$"))
    new = int(re.search(r"\d+", flash.inner_text()).group())
    assert new >= 2, "the demo clause already had a revision before this edit"

    # Back in the working draft, the clause shows the new text; open its history.
    page.get_by_role("link", name=f"{STANDARD} · Working draft").click()
    clause = page.get_by_role("region", name=CLAUSE)
    expect(clause).to_contain_text(sentence)
    clause.get_by_role("link", name=f"History of {CLAUSE}", exact=True).click()

    history = page.get_by_role("table", name="Revisions of this clause, newest first")
    newest = history.get_by_role("row").nth(1)
    expect(newest.get_by_role("cell").first).to_have_text(f"r{new}")
    expect(newest).to_contain_text(EDITOR)
    expect(newest).to_contain_text(note)

    page.get_by_role("radio", name=f"old r{new - 1} from", exact=True).check()
    page.get_by_role("radio", name=f"new r{new} to", exact=True).check()
    page.get_by_role("button", name="Compare the chosen revisions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Revision {new - 1} compared with revision {new}"
    )
    added = page.locator("ins.diff-ins").filter(has_text=marker)
    expect(added).to_have_count(1)
    expect(added).to_contain_text("A summary of the register shall be published")
    expect(page.locator("del.diff-del")).to_have_count(0)


def test_sign_in_with_the_keyboard_alone(page: Page, live_server: str):
    page.goto(f"{live_server}/sign-in")
    email = page.get_by_label("Email")
    password = page.get_by_label("Password", exact=True)

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    for _ in range(20):  # header: skip link, brand, nav, search, language switch
        page.keyboard.press("Tab")
        if email.evaluate("el => el === document.activeElement"):
            break
    expect(email).to_be_focused()
    page.keyboard.type(COMMITTEE)
    page.keyboard.press("Tab")
    expect(password).to_be_focused()
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    # Staff accounts then give their authenticator code; the field has the focus.
    expect(page.get_by_label("Code", exact=True)).to_be_focused()
    page.keyboard.type(totp_clock.code(COMMITTEE))
    page.keyboard.press("Enter")

    expect(page.get_by_role("status").filter(has_text="Welcome")).to_have_text(
        f"Welcome, {EDITOR}."
    )
    expect(page.get_by_role("link", name=EDITOR)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
