"""Pages served in French and Spanish say so in <html lang> and carry no English UI text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import func, select

from app.committee.models import Ballot
from app.consultation.models import Comment, ConsultationRound
from app.demo.accounts import DEMO_PASSWORD, DEMO_TOTP_SECRET
from app.demo.loader import load_demo
from app.i18n import catalogues
from tests.conftest import csrf_token
from tests.totp import TotpClock

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
UI_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")


class VisibleText(HTMLParser):
    """Collect the text a reader meets, leaving out passages marked as another language."""

    def __init__(self, page_lang: str):
        super().__init__(convert_charrefs=True)
        self.page_lang = page_lang
        self.stack: list[tuple[str, bool]] = []
        self.texts: list[str] = []

    @property
    def skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        lang = attrs.get("lang")
        skip = (
            self.skipping
            or tag in ("script", "style")
            or (lang is not None and tag != "html" and lang != self.page_lang)
        )
        if not skip:
            self.texts += [attrs[a] for a in UI_ATTRIBUTES if attrs.get(a)]
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.texts.append(attrs["value"])
        if tag not in VOID:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.texts.append(" ".join(data.split()))


def english_ui_strings(lang: str) -> tuple[set[str], list[str]]:
    """English messages whose translation differs: short ones whole, long ones as phrases.

    A message of one or two words ("Sign in") counts when a whole piece of text is just
    that; a longer one, or a piece of four words or more between placeholders, counts
    wherever it appears. Names and quotations (content) rarely match either way.
    """
    with open(catalogues.po_path(lang), "rb") as f:
        catalog = read_po(f, locale=lang)
    whole, phrases = set(), set()
    for message in catalog:
        if not message.id or not isinstance(message.id, str) or message.string == message.id:
            continue
        pieces = [
            " ".join(p.split()).strip(" .:,;()·")
            for p in re.split(catalogues.PLACEHOLDER, message.id)
        ]
        if len(pieces) == 1:
            (phrases if len(pieces[0].split()) >= 3 else whole).add(pieces[0])
        else:
            phrases.update(p for p in pieces if len(p.split()) >= 4 and p not in message.string)
    return whole, sorted(phrases, key=len, reverse=True)


def leftovers(html: str, lang: str, strings: tuple[set[str], list[str]]) -> list[str]:
    whole, phrases = strings
    parser = VisibleText(lang)
    parser.feed(html)
    found = [t for t in parser.texts if t.strip(" .:,;()·") in whole]
    text = "\n".join(parser.texts)
    found += [s for s in phrases if re.search(rf"(?<![\w’']){re.escape(s)}(?![\w’'])", text)]
    return found


DEMO_CLOCK = TotpClock(DEMO_TOTP_SECRET)


def _sign_in_demo(client, email: str) -> None:
    """Sign a demo account in, with its authenticator code when its roles ask for one."""
    response = client.post(
        "/sign-in",
        data={
            "email": email,
            "password": DEMO_PASSWORD,
            "csrf_token": csrf_token(client, "/sign-in"),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    if response.headers["Location"].endswith("/sign-in/code"):
        response = client.post(
            "/sign-in/code",
            data={
                "code": DEMO_CLOCK.code(email),
                "csrf_token": csrf_token(client, "/sign-in/code"),
            },
        )
        assert response.status_code == 302, response.get_data(as_text=True)


@pytest.fixture
def demo_site(db, session):
    load_demo(db)
    session.commit()
    rounds = session.scalars(select(ConsultationRound).order_by(ConsultationRound.number)).all()
    return {r.number: r.id for r in rounds}


def _pages(rounds: dict[int, int]) -> list[str]:
    open_round = rounds[max(rounds)]
    return [
        "/",
        "/standards",
        "/standards/responsible-aluminium",
        "/standards/responsible-aluminium/versions/3.0-draft-2",
        "/standards/responsible-aluminium/versions/3.0-draft-2?text=fr",
        "/consultations",
        f"/consultations/{open_round}",
        f"/consultations/{open_round}/comments",
        f"/consultations/{rounds[1]}/synopsis",
        "/standards/responsible-aluminium/2.0",
        "/standards/responsible-aluminium/2.0/changes",
        "/standards/responsible-aluminium/history",
        "/sign-in",
        "/register",
        "/password/forgot",
        "/no-such-page",
    ]


SIGNED_IN_PAGES = [
    "/profile",
    "/my/submissions",
    "/committee",
    "/committee/rounds/{round1}",
    "/committee/rounds/{round2}",
    "/ballots",
    "/ballots/{ballot}",
    "/standards/responsible-aluminium/versions/working",
    "/standards/responsible-aluminium/compare?from=3.0-draft-1&to=3.0-draft-2",
]


def test_main_pages_are_wholly_in_the_language_asked_for(client, demo_site):
    # The check can fail: the English page is full of what it looks for.
    english = client.get(f"/consultations/{demo_site[2]}", headers={"Accept-Language": "en"})
    found = leftovers(english.get_data(as_text=True), "fr", english_ui_strings("fr"))
    assert "How to take part" in found and len(found) > 10
    problems = {}
    for lang in ("fr", "es"):
        strings = english_ui_strings(lang)
        for path in _pages(demo_site):
            response = client.get(path, headers={"Accept-Language": f"{lang},en;q=0.5"})
            html = response.get_data(as_text=True)
            assert f'<html lang="{lang}">' in html, path
            assert response.headers["Content-Language"] == lang
            found = leftovers(html, lang, strings)
            if found:
                problems[f"{lang} {path}"] = found[:8]
    assert problems == {}


SECRETARIAT_PAGES = [
    "/audit",
    "/consultations/new",
    "/ballots/new",
    "/committee/comments/{comment}",
    "/standards/responsible-aluminium/versions/3.0-draft-1/translations",
    "/standards/responsible-aluminium/versions/3.0-draft-1/translations/fr",
    "/standards/responsible-aluminium/versions/3.0-draft-1/translations/fr/RA-1f28",
]


@pytest.mark.parametrize(
    ("email", "paths"),
    [
        ("chair@demo.clausewise.org", SIGNED_IN_PAGES),
        ("secretariat@demo.clausewise.org", SECRETARIAT_PAGES),
        ("admin@demo.clausewise.org", ["/admin/users", "/admin/users/{user}", "/audit"]),
    ],
)
def test_signed_in_pages_follow_the_profile_language(
    client, auth, demo_site, session, email, paths
):
    from app.auth.service import find_by_email, set_language

    person = find_by_email(session, email)
    ids = {
        "round1": demo_site[1],
        "round2": demo_site[2],
        "ballot": session.scalar(select(func.min(Ballot.id))),
        "comment": session.scalar(select(func.min(Comment.id))),
        "user": person.id,
    }
    _sign_in_demo(client, email)
    problems = {}
    for lang in ("fr", "es"):
        set_language(session, person, lang)
        session.commit()
        strings = english_ui_strings(lang)
        for template in paths:
            path = template.format(**ids)
            # The browser asks for English: the profile wins.
            response = client.get(path, headers={"Accept-Language": "en"})
            html = response.get_data(as_text=True)
            assert response.status_code == 200, path
            assert f'<html lang="{lang}">' in html, path
            found = leftovers(html, lang, strings)
            if found:
                problems[f"{lang} {path}"] = found[:8]
    assert problems == {}
