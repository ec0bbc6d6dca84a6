"""Atom feeds of the public record, site-wide and per standard."""

from __future__ import annotations

from flask import Blueprint, Response, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from app.drafting import service as drafting
from app.extensions import db
from app.publishing import feeds

bp = Blueprint("feeds", __name__)

ATOM = "application/atom+xml"


def link_of(event: feeds.FeedEntry) -> str:
    """Return the public page of an event."""
    if event.kind == feeds.PUBLICATION:
        return url_for(
            "publishing.reader", slug=event.standard.slug, number=event.number, _external=True
        )
    if event.kind == feeds.SYNOPSIS:
        return url_for("committee.synopsis", round_id=event.subject_id, _external=True)
    if event.kind == feeds.BALLOT:
        return url_for("committee.ballots.ballot", ballot_id=event.subject_id, _external=True)
    return url_for("consultation.round_page", round_id=event.subject_id, _external=True)


def _atom(found, *, title: str, self_url: str, home_url: str) -> Response:
    body = feeds.atom(
        found,
        title=title,
        self_url=self_url,
        home_url=home_url,
        link_of=link_of,
        language=str(get_locale() or "en"),
    )
    response = Response(body, mimetype=ATOM)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/feed.atom")
def site_feed():
    return _atom(
        feeds.entries(db.session),
        title=_("Clausewise: publications, consultations and results"),
        self_url=url_for(".site_feed", _external=True),
        home_url=url_for("site.home", _external=True),
    )


@bp.get("/standards/<slug>/feed.atom")
def standard_feed(slug: str):
    standard = drafting.get_standard(db.session, slug)
    return _atom(
        feeds.entries(db.session, standard),
        title=_("%(title)s: publications, consultations and results", title=standard.title),
        self_url=url_for(".standard_feed", slug=slug, _external=True),
        home_url=url_for("drafting.standard", slug=slug, _external=True),
    )
