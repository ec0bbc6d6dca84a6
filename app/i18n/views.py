"""The language switch in the header, `hreflang` alternates and the language headers."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, Flask, Response, current_app, redirect, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from app.i18n import COOKIE, _valid, languages
from app.i18n.names import INTERFACE_LANGUAGES
from app.safe_redirect import safe_next

bp = Blueprint("i18n", __name__)
COOKIE_AGE = 365 * 24 * 3600


def _without_lang(target: str) -> str:
    parts = urlsplit(target)
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"]
    )
    return urlunsplit(("", "", parts.path, query, parts.fragment))


def _local(target: str | None) -> str:
    """Return a path on this site to go back to (without ?lang=), or the home page."""
    return _without_lang(safe_next(target))


def alternate_urls() -> dict[str, str]:
    """The address of this page in each interface language, for `hreflang` links."""
    base = request.base_url
    query = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return {code: f"{base}?{urlencode([*query, ('lang', code)])}" for code in languages()}


@bp.post("/language")
def switch():
    """Change the interface language: remember it in a cookie and, if signed in, the profile."""
    from app.extensions import db

    code = _valid(request.form.get("language"))
    response = redirect(_local(request.form.get("next")), code=303)
    if code is None:
        return response
    if current_user.is_authenticated:
        from app.auth.service import set_language

        set_language(db.session, current_user, code)
    _remember(response, code)
    return response


def _remember(response: Response, code: str) -> None:
    response.set_cookie(
        COOKIE,
        code,
        max_age=COOKIE_AGE,
        secure=current_app.config.get("SESSION_COOKIE_SECURE", True),
        httponly=True,
        samesite="Lax",
    )


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def language_context():
        if not request:
            return {}
        return {
            "language_names": INTERFACE_LANGUAGES,
            "alternate_urls": alternate_urls,
            "language_return_to": _without_lang(request.full_path.rstrip("?"))
            if request.method == "GET"
            else url_for("site.home"),
        }

    @app.after_request
    def language_headers(response: Response) -> Response:
        # The same address answers in several languages: caches must key on what chooses it.
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
        code = _valid(request.args.get("lang"))
        anonymous = not (current_user and current_user.is_authenticated)
        if code and anonymous and request.method == "GET" and request.cookies.get(COOKIE) != code:
            _remember(response, code)
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Language", str(get_locale()))
        return response
