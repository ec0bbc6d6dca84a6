"""Jinja's gettext resolves the catalogue once per request (app.i18n.cached), never a stale one."""

from __future__ import annotations

from flask import render_template_string
from flask_babel import force_locale, refresh

PAGE = '{{ _("Sign in") }}|{{ ngettext("%(num)d comment", "%(num)d comments", 2) }}'


def test_the_cached_catalogue_follows_force_locale_and_refresh(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        english = render_template_string(PAGE)
        assert english == "Sign in|2 comments"
        with force_locale("fr"):  # a mail in the recipient's language, inside a request
            french = render_template_string(PAGE)
        assert french != english and french.endswith("2 commentaires")
        assert render_template_string(PAGE) == english  # back to the request's language
        with force_locale("es"):
            assert render_template_string(PAGE).endswith("2 comentarios")
        refresh()  # the locale chosen again (sign-in, language switch): resolved again
        assert render_template_string(PAGE) == english


def test_a_page_resolves_its_catalogue_once(app, monkeypatch):
    from app.i18n import cached

    calls = []
    real = cached.get_translations
    monkeypatch.setattr(cached, "get_translations", lambda: calls.append(1) or real())
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        render_template_string(PAGE * 10)
        render_template_string(PAGE)
    assert len(calls) == 1
