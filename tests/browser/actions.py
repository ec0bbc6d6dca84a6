"""Steps that many browser tests take, done the way a person does them."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from app.auth.models import User
from app.auth.personal_data import verification_token
from app.demo.accounts import DEMO_PASSWORD, DEMO_TOTP_SECRET
from tests.browser.serve import LIVE_SECRET
from tests.totp import TotpClock

COMMITTEE = "committee@demo.clausewise.org"
SECRETARIAT = "secretariat@demo.clausewise.org"
IPAF = "ipaf@demo.clausewise.org"
PUBLIC = "public@demo.clausewise.org"
STAFF = {COMMITTEE, SECRETARIAT, "admin@demo.clausewise.org", "chair@demo.clausewise.org"}
STAFF |= {"committee2@demo.clausewise.org", "committee3@demo.clausewise.org"}
totp_clock = TotpClock(DEMO_TOTP_SECRET)


def sign_in(page: Page, base_url: str, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the real form (with the staff code) until the header offers to sign out."""
    page.goto(f"{base_url}/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    if email in STAFF:
        page.get_by_label("Code", exact=True).fill(totp_clock.code(email))
        page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def register(
    page: Page, base_url: str, name: str, email: str, password: str = DEMO_PASSWORD
) -> None:
    """Create a public account through /register; the new account is signed in."""
    page.goto(f"{base_url}/register")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Repeat the password").fill(password)
    page.get_by_label("I agree to the terms").check()
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    confirm_email(page, base_url)


def confirm_email(page: Page, base_url: str) -> None:
    """Open the link of the verification mail, as the person would from their inbox.

    The mail stays in the live server's process; the link is the same signed token,
    made here with the server's secret for the account the data download names.
    """
    account = page.request.get(f"{base_url}/profile/data.json").json()["account"]
    token = verification_token(User(id=account["id"], email=account["email"]), LIVE_SECRET)
    page.goto(f"{base_url}/email/verify/{token}")
    page.get_by_role("button", name="Confirm my address").click()
    expect(page.get_by_role("status").filter(has_text="is confirmed")).to_be_visible()


def sign_out(page: Page) -> None:
    """Sign out with the header button and wait until the header offers to sign in."""
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()


_CHARACTER_BOXES = """(root, passage) => {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  let text = "";
  while (walker.nextNode()) {
    nodes.push([walker.currentNode, text.length]);
    text += walker.currentNode.data;
  }
  const at = text.indexOf(passage);
  if (at < 0 || text.indexOf(passage, at + 1) >= 0) return null;
  const box = (offset) => {
    const [node, base] = nodes.filter(([, b]) => b <= offset).pop();
    const range = document.createRange();
    range.setStart(node, offset - base);
    range.setEnd(node, offset - base + 1);
    const r = range.getClientRects()[0];
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
  };
  return {first: box(at), last: box(at + passage.length - 1)};
}"""


def select_with_mouse(page: Page, container: Locator, passage: str) -> None:
    """Drag the mouse over the one occurrence of passage inside container.

    Finds the boxes of the passage's first and last characters and drags from
    the left half of the first to the right half of the last, as a person
    does; the selection itself is made by the browser.
    """
    container.scroll_into_view_if_needed()
    boxes = container.evaluate(_CHARACTER_BOXES, passage)
    assert boxes is not None, f"{passage!r} is not exactly once in the element"
    first, last = boxes["first"], boxes["last"]
    start_y = (first["top"] + first["bottom"]) / 2
    end_y = (last["top"] + last["bottom"]) / 2
    page.mouse.move(first["left"] + 1, start_y)
    page.mouse.down()
    page.mouse.move((first["left"] + last["right"]) / 2, (start_y + end_y) / 2, steps=5)
    page.mouse.move(last["right"] - 1, end_y, steps=5)
    page.mouse.up()


def accept_next_confirmation(page: Page, expected: str) -> None:
    """Answer OK to the next confirmation an irreversible button asks, checking its question."""

    def accept(dialog) -> None:
        assert expected in dialog.message, dialog.message
        dialog.accept()

    page.once("dialog", accept)
