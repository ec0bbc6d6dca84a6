"""Validators (ETag, Last-Modified) for pages of things that never change once made.

Published editions and frozen versions use these; the working draft never does.
A tag is a hash of everything the response shows that could still change (the
standing of an edition, the round open on a version), the locale and the PDF
layout, so a 304 is only ever given for the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from flask import Response, request
from flask_babel import get_locale
from flask_login import current_user

from app.publishing import pdf


def tag(*parts) -> str:
    """Return an ETag for a response made of these parts (and the locale)."""
    text = "|".join(str(p) for p in (*parts, get_locale(), pdf.LAYOUT))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def page_tag(*parts) -> str | None:
    """Tag a public page for anonymous readers; signed-in pages carry personal forms."""
    if current_user.is_authenticated:
        return None
    return tag(*parts)


def version_parts(standard, version) -> tuple:
    """What a frozen version's page or export shows that can still change (not its text)."""
    return (
        version.id,
        version.state,
        version.note,
        standard.slug,
        standard.title,
        standard.summary,
    )


def fresh(etag: str | None) -> bool:
    """Does the client already hold this tag (If-None-Match)?"""
    return etag is not None and etag in request.if_none_match


def not_modified(etag: str) -> Response:
    response = Response(status=304)
    response.set_etag(etag)
    return response


def conditional(
    body: str, etag: str | None, modified: dt.datetime, mimetype: str = "text/html"
) -> Response:
    """Answer with the body, tagged for revalidation when a tag was given.

    A client that sent only If-Modified-Since (no If-None-Match) gets its 304 here.
    """
    response = Response(body, mimetype=mimetype)
    if etag:
        response.set_etag(etag)
        response.last_modified = modified
        response.headers["Cache-Control"] = "public, no-cache"
        response.vary.add("Accept-Language")
        response.make_conditional(request)
    return response
