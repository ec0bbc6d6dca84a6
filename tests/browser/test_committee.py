"""A committee member diffs two drafts, answers a comment and votes, in a real browser."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.browser.actions import (
    COMMITTEE,
    SECRETARIAT,
    accept_next_confirmation,
    register,
    sign_in,
    sign_out,
)

CHAIR = "chair@demo.clausewise.org"

STANDARD = "Responsible Aluminium Performance Standard"
OLD, NEW = "3.0-draft-1", "3.0-draft-2"
CLAUSE = "RA-07d0"  # 8.3.2 Free, prior and informed consent, changed between the drafts
PASSAGE = "the Entity shall not proceed with the project or change"  # only in draft 2


def _main_nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def _assert_radios_on_their_labels_line(form) -> None:
    """Each radio's box is vertically centred on its label's box, and left of it."""
    # A click's navigation is awaited only until it commits: measure once the
    # stylesheet has applied (it delays the load event), not the unstyled page.
    form.page.wait_for_load_state("load")
    radios = form.get_by_role("radio")
    assert radios.count() == 4
    for i in range(radios.count()):
        radio = radios.nth(i)
        label = form.locator(f'label[for="{radio.get_attribute("id")}"]')
        r, t = radio.bounding_box(), label.bounding_box()
        assert r and t
        centre_r, centre_t = r["y"] + r["height"] / 2, t["y"] + t["height"] / 2
        assert abs(centre_r - centre_t) <= 4, (i, r, t)
        assert r["x"] + r["width"] <= t["x"] <= r["x"] + r["width"] + 24, (i, r, t)


def test_diff_the_two_drafts(page: Page, live_server: str):
    sign_in(page, live_server, COMMITTEE)
    _main_nav(page, "Standards")
    page.get_by_role("link", name=STANDARD).click()
    compare = page.locator("form#compare-form")
    compare.locator("select[name=from]").select_option(OLD)
    compare.locator("select[name=to]").select_option(NEW)
    compare.get_by_role("button", name="Compare versions").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Compare versions")
    expect(page.get_by_role("heading", level=2, name=f"{OLD} → {NEW}: summary")).to_be_visible()
    counts = {
        kind: int(page.locator(f"dd[data-count={kind}]").inner_text())
        for kind in ("added", "removed", "moved", "renumbered", "changed", "unchanged")
    }
    assert counts["renumbered"] >= 1
    assert counts["added"] >= 1
    assert counts["removed"] >= 1
    assert counts["changed"] >= 1
    assert counts["unchanged"] >= 1

    changed = page.locator(f"article#diff-{CLAUSE}")
    expect(changed.locator(".change-kinds")).to_contain_text("changed")
    # Side by side by default: the old column strikes words out, the new one adds them.
    columns = changed.locator(".diff-columns > div")
    expect(columns).to_have_count(2)
    expect(columns.nth(0).locator("del.diff-del").first).to_be_visible()
    expect(columns.nth(1).locator("ins.diff-ins").filter(has_text="not proceed")).to_have_count(1)
    expect(columns.nth(0).locator("ins.diff-ins")).to_have_count(0)
    expect(columns.nth(1).locator("del.diff-del")).to_have_count(0)
    unchanged_hidden = page.locator("article.change-unchanged")
    expect(unchanged_hidden).to_have_count(0)

    page.get_by_label("Layout").select_option(label="Inline")
    page.get_by_role("button", name="Compare", exact=True).click()
    changed = page.locator(f"article#diff-{CLAUSE}")
    inline = changed.locator(".diff-inline")
    expect(inline).to_have_count(1)
    expect(changed.locator(".diff-columns")).to_have_count(0)
    expect(inline.locator("ins.diff-ins").filter(has_text="not proceed")).to_have_count(1)
    expect(inline.locator("del.diff-del").first).to_be_visible()
    # The choices survive the round trip, so the form describes what is shown.
    expect(page.get_by_label("From (older)")).to_have_value(OLD)
    expect(page.get_by_label("To (newer)")).to_have_value(NEW)
    expect(page.get_by_label("Layout")).to_have_value("inline")

    page.get_by_label("Layout").select_option(label="Side by side")
    page.get_by_role("button", name="Compare", exact=True).click()
    expect(page.locator(f"article#diff-{CLAUSE} .diff-columns")).to_have_count(1)


def _comment_as_new_member_of_the_public(page: Page, live_server: str, marker: str) -> None:
    """Register, comment on a passage of the clause (pasted), submit; then sign out."""
    register(page, live_server, f"Answer Seeker {marker}", f"{marker}@example.org")
    _main_nav(page, "Consultations")
    page.get_by_role("listitem").filter(has_text=NEW).filter(has_text="Open").get_by_role(
        "link"
    ).click()
    page.locator(f"section#{CLAUSE}").get_by_role(
        "link", name=re.compile(r"^Comment on this clause")
    ).click()
    form = page.locator(f"section#{CLAUSE} form#comment-form")  # opened under the clause
    expect(form.get_by_label("Comment on", exact=True)).to_have_value(CLAUSE)
    form.get_by_label("Passage (optional)").fill(PASSAGE)
    form.get_by_label("Your comment").fill(f"Say what happens to a refused project ({marker}).")
    form.get_by_role("button", name="Save to my draft submission").click()
    page.locator("#comment-saved").get_by_role("link").click()
    accept_next_confirmation(page, "Submit your comments?")
    page.get_by_role("button", name="Submit my comments").click()
    expect(page.locator("#receipt")).to_have_text(re.compile(r"^RA-R2-\d{4}$"))
    sign_out(page)


def test_answer_a_comment_and_agree_the_answer(page: Page, live_server: str):
    marker = f"answer-{uuid.uuid4().hex[:10]}"
    first = f"We will add a sentence on refused projects ({marker}, first draft)."
    revised = f"Clause 8.3.2 now says the project does not go ahead ({marker})."
    _comment_as_new_member_of_the_public(page, live_server, marker)

    sign_in(page, live_server, COMMITTEE)
    _main_nav(page, "Committee")
    expect(page.get_by_role("heading", level=1)).to_have_text("Committee workspace")
    page.get_by_role("row").filter(has_text=NEW).get_by_role("link").first.click()
    row = page.get_by_role("row").filter(has_text=marker)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("no answer yet")
    row.get_by_role("link").first.click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Comment ")
    expect(page.get_by_role("region", name="What was said")).to_contain_text(marker)
    # Re-anchoring: the passage is unchanged in the working draft, gone from draft 1.
    status = page.locator("#placement [data-status]")
    expect(status).to_have_attribute("data-status", "anchored")
    expect(status).to_contain_text("The passage is unchanged in this text.")
    expect(page.locator("#placement .located mark")).to_have_text(PASSAGE)
    page.get_by_label("Locate in").select_option(OLD)
    page.get_by_role("button", name="Locate").click()
    expect(status).not_to_have_attribute("data-status", "anchored")
    expect(status.locator(".badge")).to_have_text(re.compile("^(moved|orphaned)$"))
    expect(page.get_by_text("No disposition yet.")).to_be_visible()

    form = page.locator("form#disposition-form")
    form.get_by_label("Decision").select_option(label="Accepted in principle")
    form.get_by_label("Response", exact=True).fill(first)
    form.get_by_role("button", name="Save draft disposition").click()
    expect(
        page.get_by_role("status").filter(has_text="Disposition saved as a draft")
    ).to_be_visible()
    current = page.locator("#current-disposition")
    expect(current).to_contain_text("Accepted in principle")
    expect(current).to_contain_text(first)
    expect(current.locator(".badge-drafted")).to_have_text("proposed")

    # A revised answer replaces it; the first one stays in the history.
    form = page.locator("form#disposition-form")
    expect(form.get_by_label("Response", exact=True)).to_have_value(first)
    form.get_by_label("Decision").select_option(label="Accepted")
    form.get_by_label("Response", exact=True).fill(revised)
    form.get_by_role("button", name="Save revised disposition").click()
    expect(current).to_contain_text(revised)
    history = page.locator("details.history")
    history.locator("summary").click()
    expect(history.locator("summary")).to_have_text("Earlier versions of the disposition (1)")
    expect(history.get_by_role("listitem")).to_have_count(1)
    expect(history.get_by_role("listitem")).to_contain_text(first)
    expect(history.get_by_role("listitem")).to_contain_text("Accepted in principle")

    # Whoever proposed the answer cannot agree it alone: a second member does.
    expect(page.locator("form#agree-form")).to_have_count(0)
    expect(page.locator("#agree-hint")).to_contain_text("another committee member agrees it")
    comment_url = page.url
    sign_out(page)
    sign_in(page, live_server, CHAIR)
    page.goto(comment_url)
    accept_next_confirmation(page, "Agree this disposition?")
    page.locator("form#agree-form").get_by_role(
        "button", name="Agree as a second member of the committee"
    ).click()
    expect(page.get_by_role("status").filter(has_text="Disposition marked agreed.")).to_be_visible()
    expect(current.locator(".badge-agreed")).to_have_text("agreed")
    expect(current).to_contain_text(revised)
    expect(current).to_contain_text("Chidi Okafor")
    expect(page.locator("form#agree-form")).to_have_count(0)

    # Back on the round dashboard the comment counts as agreed.
    page.locator("p.crumbs").get_by_role("link").first.click()
    row = page.get_by_role("row").filter(has_text=marker)
    expect(row).to_contain_text("agreed")
    expect(row).to_contain_text("Accepted")


def test_open_a_ballot_and_vote(page: Page, live_server: str):
    marker = f"ballot-{uuid.uuid4().hex[:10]}"
    # Adoption waits for the second round, open in the demo: this ballot sends the
    # draft to a further round.
    question = f"Send {NEW} to a third round of consultation? ({marker})"

    sign_in(page, live_server, SECRETARIAT)
    _main_nav(page, "Committee")
    page.get_by_role("link", name="Open a ballot").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open a ballot")
    form = page.locator("#ballot-form")
    form.get_by_label("Version put to the vote").select_option(label=f"{STANDARD} — {NEW}")
    form.get_by_label("What the ballot decides").select_option(
        label="Send the draft to another round of consultation"
    )
    form.get_by_label("Question").fill(question)
    closes = form.get_by_label("Closes at")
    expect(closes).not_to_have_value("")  # two weeks ahead unless changed
    accept_next_confirmation(page, "Open the ballot?")
    form.get_by_role("button", name="Open the ballot").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(question)
    expect(page.get_by_role("status").filter(has_text="Ballot opened.")).to_be_visible()
    expect(page.get_by_text("You are not on the roll of this ballot.")).to_be_visible()
    ballot_url = page.url
    sign_out(page)

    sign_in(page, live_server, COMMITTEE)
    _main_nav(page, "Committee")
    page.get_by_role("region", name="Ballots").get_by_role("link", name=question).click()
    assert page.url == ballot_url
    expect(page.locator("#my-vote")).to_have_count(0)
    vote = page.locator("form#vote-form")
    _assert_radios_on_their_labels_line(vote)
    # "Your vote" is shown once: the heading; the legend is for screen readers.
    shown = page.evaluate(
        """() => [...document.querySelectorAll("main *")].filter(
            (el) => el.childElementCount === 0 && el.textContent.trim() === "Your vote"
                && el.getBoundingClientRect().height > 2).map((el) => el.outerHTML)"""
    )
    assert len(shown) == 1, shown

    # A vote without a choice is refused next to the choices.
    vote.get_by_role("button", name="Cast my vote").click()
    choices = page.get_by_role("group", name="Your vote")
    expect(choices.locator("#choice-error")).to_have_text("Choose yes, no, abstain or recuse.")
    page.get_by_role("alert").get_by_role("link", name=re.compile("^Your vote:")).click()
    expect(choices).to_be_focused()

    # No without a reason is refused, with the reason asked for.
    vote = page.locator("form#vote-form")
    vote.get_by_role("radio", name="No", exact=True).check()
    vote.get_by_role("button", name="Cast my vote").click()
    expect(page.locator("#reason-error")).to_have_text(
        re.compile(r"^\s*Give the reason for voting no\.\s*$")
    )
    expect(page.get_by_role("alert")).to_contain_text("Give the reason for voting no.")
    expect(page.locator("#my-vote")).to_have_count(0)
    expect(page.get_by_label("Reason", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("radio", name="No", exact=True)).to_be_checked()

    vote = page.locator("form#vote-form")
    vote.get_by_role("radio", name="Yes", exact=True).check()
    vote.get_by_role("button", name="Cast my vote").click()
    expect(page.get_by_role("status").filter(has_text="Your vote is recorded.")).to_be_visible()
    expect(page.locator("#my-vote")).to_contain_text("You voted: Yes")
    expect(page.get_by_role("radio", name="Yes", exact=True)).to_be_checked()

    vote = page.locator("form#vote-form")
    vote.get_by_role("radio", name="Abstain", exact=True).check()
    vote.get_by_role("button", name="Change my vote").click()
    expect(page.locator("#my-vote")).to_contain_text("You voted: Abstain")
    expect(page.get_by_role("radio", name="Abstain", exact=True)).to_be_checked()
    expect(
        page.get_by_text(re.compile(r"^1 of \d+ eligible voters have voted so far"))
    ).to_be_visible()


def test_read_the_outcome_of_the_closed_demo_ballot(page: Page, live_server: str):
    sign_in(page, live_server, COMMITTEE)
    _main_nav(page, "Committee")
    page.get_by_role("link", name="All ballots").click()
    row = page.get_by_role("row").filter(has_text="Carried")
    row.get_by_role("link").first.click()
    expect(page.locator("[data-outcome]")).to_have_attribute("data-outcome", "carried")
    expect(page.get_by_role("heading", level=2, name=re.compile("^Outcome"))).to_contain_text(
        "Carried"
    )
    roll = page.locator("table#roll")
    voters = int(page.locator("dt", has_text="Eligible voters").locator("+ dd").inner_text())
    expect(roll.locator("tbody tr")).to_have_count(voters)
    expect(roll.get_by_role("cell", name="Maria Lindqvist")).to_have_count(1)
    expect(page.locator("form#vote-form")).to_have_count(0)
