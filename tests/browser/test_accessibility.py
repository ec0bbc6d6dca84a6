"""axe-core finds no accessibility violations on the pages people use most."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.browser.actions import COMMITTEE, sign_in

PUBLIC_PAGES = [
    "/",
    "/sign-in",
    "/register",
    "/standards",
    "/standards/responsible-aluminium",
    "/standards/responsible-aluminium/versions/3.0-draft-2",
    "/consultations",
    "/consultations/2",
    "/consultations/2/comments",
    "/consultations/1/synopsis",
    "/standards/responsible-aluminium/compare?from=3.0-draft-1&to=3.0-draft-2",
    "/ballots/1",
    "/search?q=spent+pot+lining",
    "/search?q=bauxyte",
    "/privacy",
    "/standards/responsible-aluminium/2.0",
    "/standards/responsible-aluminium/1.1",
    "/standards/responsible-aluminium/2.0/changes",
    "/standards/responsible-aluminium/2.0/clauses/RA-07d0",
    "/standards/responsible-aluminium/1.1/clauses/RA-1e55",
    "/standards/responsible-aluminium/history",
]
COMMITTEE_PAGES = [
    "/standards/responsible-aluminium/versions/working",
    "/clauses/RA-07d0",
    "/clauses/RA-07d0/edit",
    "/clauses/RA-07d0/compare?a=1&b=2",
    "/committee",
    "/committee/rounds/2",
    "/committee/rounds/2?q=FPIC",
    "/search?q=FPIC&what=comment",
    "/committee/comments/1",
    "/ballots",
    "/consultations/2/comment",
    "/consultations/2?comment_on=RA-8270",  # the comment form under a clause (item 8)
    "/consultations/2?comment_on=",  # and in "How to take part", for the whole draft
    "/my/submissions",
    "/profile",
    "/profile/password",
    "/profile/sessions",
    "/profile/second-factor",
    "/profile/email",
    "/profile/close",
]


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


def _violations(axe: Axe, page: Page) -> list[str]:
    results = axe.run(page)
    return [
        f"{v['impact']} {v['id']}: {v['nodes'][0]['html'][:160]}"
        for v in results.response["violations"]
    ]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_have_no_violations(page: Page, live_server: str, axe: Axe, path: str):
    response = page.goto(live_server + path)
    assert response.status == 200
    assert _violations(axe, page) == []


def test_committee_pages_have_no_violations(page: Page, live_server: str, axe: Axe):
    sign_in(page, live_server, COMMITTEE)
    found = {}
    for path in COMMITTEE_PAGES:
        response = page.goto(live_server + path)
        assert response.status == 200, path
        if problems := _violations(axe, page):
            found[path] = problems
    assert found == {}


def test_axe_does_report_violations(page: Page, axe: Axe):
    page.set_content("<html><body><img src='x.png'><input type='text'></body></html>")
    assert len(_violations(axe, page)) >= 2
