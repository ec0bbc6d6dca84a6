"""Interface language: which locale a request is served in, and the switch in the header.

Order of precedence: `?lang=` in the address (what `hreflang` links use), the signed-in
person's profile, the `lang` cookie set by the switch, the browser's Accept-Language.
"""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user

COOKIE = "lang"


def languages() -> list[str]:
    return list(current_app.config["LANGUAGES"])


def _valid(code: str | None) -> str | None:
    return code if code in languages() else None


def select_locale() -> str:
    """Pick the interface language of this request."""
    from flask import has_request_context

    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = _valid(request.args.get("lang"))
    if chosen is None and current_user and current_user.is_authenticated:
        chosen = _valid(getattr(current_user, "language", None))
    if chosen is None:
        chosen = _valid(request.cookies.get(COOKIE))
    if chosen is None:
        chosen = request.accept_languages.best_match(languages())
    return chosen or current_app.config["BABEL_DEFAULT_LOCALE"]
