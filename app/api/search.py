"""GET /api/v1/search: the search page's parameters and facets, as JSON."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

from app.api import openapi
from app.api.views import bp
from app.errors import ValidationError
from app.extensions import db
from app.search import service
from app.search.labels import version_facts
from app.search.query import FACETS
from app.search.views import hit_url


@bp.get("/search")
def search():
    try:
        search_request = service.parse_request(request.args)
    except ValidationError as exc:
        return jsonify(error={"status": 400, "title": "Bad request", "message": exc.message}), 400
    if not search_request.text:
        return jsonify(
            error={"status": 400, "title": "Bad request", "message": "q is required"}
        ), 400
    results = service.search(db.session, current_user, search_request)
    versions, editions = version_facts(db.session, [h.version for h in results.hits])
    staff = service.viewer_of(current_user).staff
    return jsonify(
        query=search_request.text,
        filters=search_request.filters,
        page=search_request.page,
        per_page=search_request.per_page,
        total=results.total,
        total_exact=results.exact,
        suggestion=results.suggestion,
        facets={
            name: [
                {"value": f.value, "label": f.label, "count": f.count, "exact": f.exact}
                for f in values
            ]
            for name, values in results.facets.items()
        },
        results=[
            {
                "kind": hit.kind,
                "standard": hit.standard,
                "version": "working" if hit.version == "working" else versions.get(hit.version),
                "clause_uid": hit.clause_uid,
                "title": hit.title,
                "comment_id": hit.comment_id,
                "receipt": hit.receipt or None,
                "round_id": hit.round_id,
                "edition": editions.get(hit.version),
                "url": hit_url(hit, versions, staff, editions),
                "snippets": [
                    {
                        "field": s.field,
                        "text": "".join(t for t, _ in s.pieces),
                        "highlights": _highlights(s.pieces),
                    }
                    for s in hit.snippets
                ],
            }
            for hit in results.hits
        ],
    )


def _highlights(pieces: list[tuple[str, bool]]) -> list[list[int]]:
    """Return [start, end) offsets of the highlighted words in the snippet text."""
    out, at = [], 0
    for text, marked in pieces:
        if marked:
            out.append([at, at + len(text)])
        at += len(text)
    return out


_STR = {"type": "string"}
_FILTER_DESCRIPTIONS = {
    "what": "clause or comment",
    "standard": "standard slug",
    "version": "version id, or `working` (committee and secretariat only)",
    "round": "consultation round id",
    "clause": "clause uid, or `-` for comments on the whole draft",
    "kind": "kind of clause",
    "group": "stakeholder group",
    "type": "comment type",
    "decision": "the committee's decision (published synopses only, for the public)",
}
assert set(_FILTER_DESCRIPTIONS) == set(FACETS)

openapi.add(
    {
        "/search": {
            "get": {
                "summary": "Search clauses of every version and public comments",
                "description": 'Words, "quoted phrases", prefixes (`bauxit*`), `-word` to '
                "exclude and `OR`. English stemming. Results are what this reader may see; "
                "facets count the matches per value with the current filters applied. "
                "A search looks at no more than 1,000 matches: past that, `total` is 1000 "
                "with `total_exact` false, the results are the best of those 1,000, and "
                "facet counts (`exact` false) are lower bounds.",
                "parameters": [
                    {"name": "q", "in": "query", "required": True, "schema": _STR},
                    *(
                        {"name": name, "in": "query", "description": text, "schema": _STR}
                        for name, text in _FILTER_DESCRIPTIONS.items()
                    ),
                    {
                        "name": "page",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 500},
                    },
                    {
                        "name": "per_page",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                    },
                ],
                "responses": {
                    "200": openapi.json_response("SearchResults"),
                    "400": {
                        "description": "Bad parameters",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    },
                },
            }
        }
    },
    {
        "SearchResults": {
            "type": "object",
            "required": ["query", "total", "results", "facets"],
            "properties": {
                "query": _STR,
                "filters": {"type": "object", "additionalProperties": _STR},
                "page": {"type": "integer"},
                "per_page": {"type": "integer"},
                "total": {"type": "integer", "description": "at most 1000"},
                "total_exact": {
                    "type": "boolean",
                    "description": "false when more than `total` match",
                },
                "suggestion": {"type": ["string", "null"]},
                "facets": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "value": _STR,
                                "label": _STR,
                                "count": {"type": "integer"},
                                "exact": {
                                    "type": "boolean",
                                    "description": "false: at least `count`",
                                },
                            },
                        },
                    },
                },
                "results": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/SearchHit"},
                },
            },
        },
        "SearchHit": {
            "type": "object",
            "required": ["kind", "url"],
            "properties": {
                "kind": {"enum": ["clause", "comment"]},
                "standard": _STR,
                "version": {"type": ["string", "null"]},
                "edition": {
                    "type": ["string", "null"],
                    "description": "the publication number, when the version is published",
                },
                "clause_uid": _STR,
                "title": _STR,
                "comment_id": {"type": ["integer", "null"]},
                "receipt": {"type": ["string", "null"]},
                "round_id": {"type": ["integer", "null"]},
                "url": _STR,
                "snippets": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "field": {"enum": ["heading", "body", "proposed", "response"]},
                            "text": _STR,
                            "highlights": {
                                "type": "array",
                                "items": {"type": "array", "items": {"type": "integer"}},
                            },
                        },
                    },
                },
            },
        },
    },
)
