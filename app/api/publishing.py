"""Published editions and the history of a standard in the API."""

from __future__ import annotations

from flask import jsonify, url_for

from app.api import openapi
from app.api.views import bp, clause_json, standard_json
from app.drafting import service as drafting
from app.extensions import db
from app.formatting import utc_iso
from app.publishing import history, service


def publication_json(publication, standing=None) -> dict:
    slug, number = publication.standard.slug, publication.number
    item = {
        "number": number,
        "version": publication.version.label,
        "effective_on": publication.effective_on.isoformat(),
        "published_at": utc_iso(publication.published_at),
        "notes": publication.notes,
        "notes_html": publication.notes_html,
        "justification": publication.justification or None,
        "ballot_id": publication.ballot_id,
        "html_url": url_for("publishing.reader", slug=slug, number=number, _external=True),
        "pdf_url": url_for("publishing.publication_pdf", slug=slug, number=number, _external=True),
    }
    if standing is not None:
        item["status"] = standing.state
        item["corrects"] = standing.corrects.number if standing.corrects else None
        item["corrected_by"] = standing.corrected_by.number if standing.corrected_by else None
    return item


@bp.get("/standards/<slug>/publications")
def publications(slug: str):
    standard = drafting.get_standard(db.session, slug)
    items = service.list_publications(db.session, standard)
    return jsonify(
        standard=standard_json(standard),
        publications=[publication_json(p, service.standing(p, items)) for p in items],
    )


@bp.get("/standards/<slug>/publications/<number>")
def publication(slug: str, number: str):
    standard = drafting.get_standard(db.session, slug)
    found = service.get_publication(db.session, standard, number)
    standing = service.standing(found, service.list_publications(db.session, standard))
    nodes = service.read(db.session, found)
    uid_of = {n.clause_id: n.uid for n in nodes}
    return jsonify(
        standard=standard_json(standard),
        publication=publication_json(found, standing),
        clauses=[clause_json(n, uid_of.get(n.revision.parent_clause_id)) for n in nodes],
    )


def _event_json(event: history.Event) -> dict:
    s = event.subject
    item = {"kind": event.kind, "at": utc_iso(event.at), "until": utc_iso(event.until) or None}
    if event.kind == history.DRAFT:
        item |= {"version": s.label, "state": str(s.state), "note": s.note}
    elif event.kind == history.ROUND:
        item |= {
            "round_id": s.id,
            "number": s.number,
            "title": s.title,
            "version": s.version.label,
            "comments": event.facts["comments"],
        }
    elif event.kind == history.SYNOPSIS:
        item |= {"round_id": s.round_id}
    elif event.kind == history.BALLOT:
        item |= {
            "ballot_id": s.id,
            "question": s.question,
            "question_kind": str(s.question_kind),
            "version": s.version.label,
            "outcome": str(s.outcome) if s.outcome else None,
        }
    else:
        item |= {"number": s.number, "version": s.version.label}
    return item


@bp.get("/standards/<slug>/history")
def standard_history(slug: str):
    standard = drafting.get_standard(db.session, slug)
    return jsonify(
        standard=standard_json(standard),
        events=[_event_json(e) for e in history.timeline(db.session, standard)],
    )


_STR = {"type": "string"}
_NULLABLE_STR = {"type": ["string", "null"]}
_SLUG = {"name": "slug", "in": "path", "required": True, "schema": _STR}
_NOT_FOUND = {"$ref": "#/components/responses/NotFound"}
openapi.add(
    {
        "/standards/{slug}/publications": {
            "get": {
                "summary": "List a standard's published editions, newest first",
                "parameters": [_SLUG],
                "responses": {"200": openapi.json_response("PublicationList"), "404": _NOT_FOUND},
            }
        },
        "/standards/{slug}/publications/{number}": {
            "get": {
                "summary": "Read a published edition with its clauses",
                "parameters": [
                    _SLUG,
                    {"name": "number", "in": "path", "required": True, "schema": _STR},
                ],
                "responses": {
                    "200": openapi.json_response("PublicationDocument"),
                    "404": _NOT_FOUND,
                },
            }
        },
        "/standards/{slug}/history": {
            "get": {
                "summary": "The history of a standard: drafts, rounds, synopses, ballots, editions",
                "parameters": [_SLUG],
                "responses": {"200": openapi.json_response("History"), "404": _NOT_FOUND},
            }
        },
    },
    {
        "Publication": {
            "type": "object",
            "required": ["number", "version", "effective_on", "published_at"],
            "properties": {
                "number": _STR,
                "version": _STR,
                "effective_on": {"type": "string", "format": "date"},
                "published_at": {"type": "string", "format": "date-time"},
                "notes": {"type": "string", "description": "Markdown"},
                "notes_html": _STR,
                "justification": _NULLABLE_STR,
                "ballot_id": {"type": ["integer", "null"]},
                "status": {"enum": ["in-force", "superseded", "upcoming"]},
                "corrects": _NULLABLE_STR,
                "corrected_by": _NULLABLE_STR,
                "html_url": {"type": "string", "format": "uri"},
                "pdf_url": {"type": "string", "format": "uri"},
            },
        },
        "PublicationList": {
            "type": "object",
            "properties": {
                "standard": {"$ref": "#/components/schemas/Standard"},
                "publications": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/Publication"},
                },
            },
        },
        "PublicationDocument": {
            "type": "object",
            "properties": {
                "standard": {"$ref": "#/components/schemas/Standard"},
                "publication": {"$ref": "#/components/schemas/Publication"},
                "clauses": {"type": "array", "items": {"$ref": "#/components/schemas/Clause"}},
            },
        },
        "HistoryEvent": {
            "type": "object",
            "required": ["kind", "at"],
            "properties": {
                "kind": {"enum": ["draft", "round", "synopsis", "ballot", "publication"]},
                "at": {"type": "string", "format": "date-time"},
                "until": {"type": ["string", "null"], "format": "date-time"},
                "version": _STR,
                "state": _STR,
                "note": _STR,
                "round_id": {"type": "integer"},
                "number": {"type": ["integer", "string"]},
                "title": _STR,
                "comments": {"type": "integer"},
                "ballot_id": {"type": "integer"},
                "question": _STR,
                "question_kind": _STR,
                "outcome": _NULLABLE_STR,
            },
        },
        "History": {
            "type": "object",
            "properties": {
                "standard": {"$ref": "#/components/schemas/Standard"},
                "events": {"type": "array", "items": {"$ref": "#/components/schemas/HistoryEvent"}},
            },
        },
    },
)
