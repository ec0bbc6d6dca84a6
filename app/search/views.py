"""The search page: /search?q=…, reachable from every page's header."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.errors import ValidationError
from app.extensions import db
from app.search import service
from app.search.labels import version_facts
from app.search.query import FACETS, Hit, SearchRequest, SearchResults

bp = Blueprint("search", __name__)

FACET_TITLES = {
    "what": _l("Result"),
    "standard": _l("Standard"),
    "version": _l("Version or publication"),
    "round": _l("Consultation round"),
    "clause": _l("Clause"),
    "kind": _l("Kind of clause"),
    "group": _l("Stakeholder group"),
    "type": _l("Comment type"),
    "decision": _l("Decision"),
}
SNIPPET_LABELS = {
    "proposed": _l("Proposed change"),
    "response": _l("Committee response"),
}


def hit_url(hit: Hit, versions: dict[str, str], staff: bool, editions: dict[str, str]) -> str:
    """Link to the exact clause of the publication or version, or to the comment."""
    if hit.kind == "clause" and hit.version in editions:
        return url_for(
            "publishing.clause", slug=hit.standard, number=editions[hit.version], uid=hit.clause_uid
        )
    if hit.kind == "clause":
        label = "working" if hit.version == "working" else versions.get(hit.version, "")
        return url_for("drafting.version", slug=hit.standard, label=label, _anchor=hit.clause_uid)
    if staff:
        return url_for("committee.comment_page", comment_id=hit.comment_id)
    return url_for(
        "consultation.comments",
        round_id=hit.round_id,
        clause=hit.clause_uid,
        _anchor=f"comment-{hit.comment_id}",
    )


def page_url(search: SearchRequest, **changes) -> str:
    """The URL of this search with some parameters changed (None removes one)."""
    args = {"q": search.text, **search.filters, "page": search.page}
    args.update(changes)
    if "page" not in changes:
        args["page"] = None  # a new filter starts at the first page
    return url_for("search.search", **{k: v for k, v in args.items() if v not in (None, "", 1)})


def links(results: SearchResults) -> dict[str, str]:
    versions, editions = version_facts(db.session, [h.version for h in results.hits])
    staff = service.viewer_of(current_user).staff
    for hit in results.hits:
        hit.version_label = versions.get(hit.version, "")
        if hit.version in editions:
            hit.edition = editions[hit.version]
    return {hit.key: hit_url(hit, versions, staff, editions) for hit in results.hits}


@bp.get("/search")
def search():
    error = None
    results = None
    try:
        search_request = service.parse_request(request.args)
    except ValidationError as exc:
        search_request, error = SearchRequest(text=request.args.get("q", "")[:300]), exc.message
    if error is None and search_request.text:
        results = service.search(db.session, current_user, search_request)
    status = 400 if error else 200
    return render_template(
        "search/results.html",
        search=search_request,
        results=results,
        links=links(results) if results else {},
        error=error,
        facet_titles=FACET_TITLES,
        facet_names=list(FACETS),
        snippet_labels=SNIPPET_LABELS,
        page_url=page_url,
    ), status
