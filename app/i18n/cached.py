"""Jinja's gettext with the catalogue looked up once per request and locale.

Flask-Babel's own callables walk `g`, the domain, the locale selector's result and a
cache keyed by the locale's string for every `{{ _("…") }}`: about 30 times for a page's
layout, a tenth of a comment post's CPU. These resolve the catalogue once per request
(per app context) and keep it beside the locale object it was chosen for: a
`force_locale` block (a mail in the recipient's language) sets another locale object,
so the next lookup resolves again and nothing is served from the wrong catalogue.
"""

from __future__ import annotations

from flask import Flask
from flask.globals import _cv_app
from flask_babel import get_translations


def current_translations():
    """The catalogue of the current locale, resolved once per app context and locale."""
    context = _cv_app.get(None)
    if context is None:
        return get_translations()
    store = context.g.__dict__
    babel_state = store.get("_flask_babel")
    locale = getattr(babel_state, "babel_locale", None)
    cached = store.get("_cw_translations")
    if cached is not None and locale is not None and cached[0] is locale:
        return cached[1]
    translations = get_translations()  # selects the locale on the first call
    store["_cw_translations"] = (
        getattr(store.get("_flask_babel"), "babel_locale", None),
        translations,
    )
    return translations


def install(app: Flask) -> None:
    """Replace Flask-Babel's Jinja callables (same newstyle behaviour, cheaper lookup)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: current_translations().ugettext(s),
        ngettext=lambda s, p, n: current_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: current_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: current_translations().unpgettext(c, s, p, n),
    )
