"""Translated titles and messages for HTTP error pages, and a safe way back."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request
from flask_babel import gettext as _

from app.safe_redirect import is_safe_next


def http_error_text(status: int) -> tuple[str, str]:
    """Return the title and message shown for an HTTP status."""
    texts = {
        400: (_("Bad request"), _("The request could not be understood. Nothing was saved.")),
        401: (
            _("Please sign in"),
            _("This page is for people who are signed in."),
        ),
        403: (_("Not allowed"), _("You do not have permission to see or do this.")),
        404: (
            _("Page not found"),
            _("There is nothing at this address. It may have been mistyped or removed."),
        ),
        405: (_("Not allowed"), _("This address does not accept that kind of request.")),
        409: (
            _("That cannot be done now"),
            _("The page changed while you were on it. Reload it and try again."),
        ),
        410: (_("Gone"), _("What was here has been removed for good.")),
        413: (
            _("Too much text"),
            _("What you sent is larger than we accept. Shorten it and send it again."),
        ),
        429: (
            _("Too many requests"),
            _("You have sent too many requests in a short time. Wait a little and try again."),
        ),
        500: (
            _("Something went wrong"),
            _("An error on our side stopped this page. Nothing was lost; try again later."),
        ),
        503: (
            _("Busy, please retry"),
            _("The service is busy or being maintained. Try again in a moment."),
        ),
    }
    if status in texts:
        return texts[status]
    if status >= 500:
        return texts[500]
    return texts[400]


def safe_referrer() -> str | None:
    """Return the page the visitor came from, as a path on this site, or None."""
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.netloc and parts.netloc != request.host:
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if path == request.full_path.rstrip("?") or path == request.path:
        return None
    return path if is_safe_next(path) else None
