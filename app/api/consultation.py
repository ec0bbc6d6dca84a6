"""Read-only API for consultation rounds and public comments (W3C Web Annotations)."""

from __future__ import annotations

from flask import jsonify, request, url_for
from flask_babel import gettext as _

from app.api import openapi
from app.api.views import bp
from app.consultation import iseal, public_record, service
from app.consultation.models import Comment, ConsultationRound, RoundState
from app.database import utcnow
from app.errors import PermissionDenied
from app.extensions import db
from app.formatting import utc_iso

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
PAGE_SIZE = 200


def round_json(round_: ConsultationRound) -> dict:
    return {
        "id": round_.id,
        "number": round_.number,
        "title": round_.title,
        "summary": round_.summary,
        "standard": {"slug": round_.standard.slug, "title": round_.standard.title},
        "version": round_.version.label,
        "opens_at": utc_iso(round_.opens_at),
        "closes_at": utc_iso(round_.closes_at),
        "status": str(round_.state_at(utcnow())),
        "visibility": str(round_.visibility),
        "comments_public": service.comments_public(round_),
        "url": url_for("consultation.round_page", round_id=round_.id, _external=True),
        "comments": url_for("api.round_comments", round_id=round_.id, _external=True),
    }


def annotation(comment: Comment, round_: ConsultationRound) -> dict:
    """Describe a public comment as a W3C Web Annotation (JSON-LD)."""
    version_url = url_for(
        "drafting.version", slug=round_.standard.slug, label=round_.version.label, _external=True
    )
    submission = comment.submission
    bodies = [
        {
            "type": "TextualBody",
            "value": comment.body,
            "format": "text/markdown",
            "purpose": "commenting",
        }
    ]
    if comment.proposed_change:
        bodies.append(
            {
                "type": "TextualBody",
                "value": comment.proposed_change,
                "format": "text/markdown",
                "purpose": "editing",
            }
        )
    if comment.clause is None:
        target: dict | str = version_url
    else:
        target = {"source": f"{version_url}#{comment.clause.uid}"}
        if comment.anchor_exact is not None:
            target["selector"] = [
                {
                    "type": "TextQuoteSelector",
                    "exact": comment.anchor_exact,
                    "prefix": comment.anchor_prefix or "",
                    "suffix": comment.anchor_suffix or "",
                },
                {
                    "type": "TextPositionSelector",
                    "start": comment.anchor_start,
                    "end": comment.anchor_end,
                },
            ]
    return {
        "@context": ANNO_CONTEXT,
        "id": url_for(
            "consultation.comments",
            round_id=round_.id,
            _external=True,
            _anchor=f"comment-{comment.id}",
        ),
        "type": "Annotation",
        "motivation": "editing" if comment.proposed_change else "commenting",
        "created": utc_iso(submission.submitted_at),
        "creator": {
            "type": "Organization" if submission.kind != "individual" else "Person",
            "name": service.author_line(submission),
        },
        "body": bodies,
        "target": target,
        # Clausewise terms (not in the anno.jsonld context; JSON-LD processors ignore them).
        "comment_type": str(comment.comment_type),
        "stakeholder_group": submission.stakeholder_group,
        "submission_kind": str(submission.kind),
        "clause_uid": comment.clause.uid if comment.clause else None,
    }


@bp.get("/rounds")
def rounds():
    return jsonify(rounds=[round_json(r) for r in service.list_rounds(db.session)])


@bp.get("/rounds/<int:round_id>")
def round_detail(round_id: int):
    round_ = service.get_round(db.session, round_id)
    data = round_json(round_)
    data["iseal_flags"] = [iseal.flag_message(f) for f in iseal.round_flags(db.session, round_)]
    if service.comments_public(round_):
        counts = public_record.public_comment_counts(db.session, round_)
        data["comment_count"] = sum(counts.values())
    return jsonify(data)


@bp.get("/rounds/<int:round_id>/comments", endpoint="round_comments")
def round_comments(round_id: int):
    round_ = service.get_round(db.session, round_id)
    if not service.comments_public(round_):
        raise PermissionDenied(_("Comments in this round are published when it closes."))
    filters = public_record.CommentFilters(
        comment_type=request.args.get("type", ""),
        stakeholder_group=request.args.get("group", ""),
        clause_uid=request.args.get("clause", ""),
    )
    # The API shows the public record to everyone, staff included.
    after = request.args.get("after")
    page, total = public_record.record_page(
        db.session, None, round_, filters, after=after, limit=PAGE_SIZE
    )
    args = {k: v for k, v in request.args.items() if k != "after"}
    here = url_for("api.round_comments", round_id=round_id, _external=True, **args)
    items = [annotation(e.comment, round_) for e in page.items]
    page_doc: dict = {
        "id": url_for("api.round_comments", round_id=round_id, _external=True, after=after, **args),
        "type": "AnnotationPage",
        "items": items,
    }
    if page.has_next:
        page_doc["next"] = url_for(
            "api.round_comments",
            round_id=round_id,
            _external=True,
            after=page.next_cursor,
            **args,
        )
    return jsonify(
        {
            "@context": ANNO_CONTEXT,
            "id": here,
            "type": "AnnotationCollection",
            "label": f"Public comments: {round_.title}",
            "total": total,
            "first": page_doc,
        }
    )


_STR = {"type": "string"}
_ROUND_ID = {"name": "round_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_ERRORS = {"404": {"$ref": "#/components/responses/NotFound"}}
openapi.add(
    {
        "/rounds": {
            "get": {
                "summary": "List consultation rounds",
                "responses": {"200": openapi.json_response("RoundList")},
            }
        },
        "/rounds/{round_id}": {
            "get": {
                "summary": "Read a consultation round",
                "description": "Includes `iseal_flags`: where the round falls below the ISEAL "
                "Code's expectations (length, number of rounds).",
                "parameters": [_ROUND_ID],
                "responses": {"200": openapi.json_response("Round"), **_ERRORS},
            }
        },
        "/rounds/{round_id}/comments": {
            "get": {
                "summary": "Public comments of a round as W3C Web Annotations",
                "description": "An AnnotationCollection (JSON-LD, "
                "http://www.w3.org/ns/anno.jsonld) whose first page holds the "
                "comments. Passage comments carry a TextQuoteSelector and a "
                "TextPositionSelector (code point offsets in the clause's plain "
                "text). Withdrawn and moderated comments are not included. 403 "
                "while the round's comments are not yet public.",
                "parameters": [
                    _ROUND_ID,
                    {
                        "name": "type",
                        "in": "query",
                        "schema": {"enum": ["general", "technical", "editorial"]},
                    },
                    {
                        "name": "group",
                        "in": "query",
                        "description": "stakeholder group",
                        "schema": _STR,
                    },
                    {
                        "name": "clause",
                        "in": "query",
                        "description": "clause uid, or `-` for comments on the whole draft",
                        "schema": _STR,
                    },
                    {
                        "name": "after",
                        "in": "query",
                        "description": "page cursor: follow the page's `next` link",
                        "schema": _STR,
                    },
                ],
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/ld+json": {
                                "schema": {"$ref": "#/components/schemas/AnnotationCollection"}
                            },
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/AnnotationCollection"}
                            },
                        },
                    },
                    "403": {"$ref": "#/components/responses/Forbidden"},
                    **_ERRORS,
                },
            }
        },
    },
    {
        "Round": {
            "type": "object",
            "required": ["id", "number", "title"],
            "properties": {
                "id": {"type": "integer"},
                "number": {"type": "integer"},
                "title": _STR,
                "summary": {"type": "string", "description": "Markdown"},
                "standard": {"type": "object", "properties": {"slug": _STR, "title": _STR}},
                "version": _STR,
                "opens_at": {"type": "string", "format": "date-time"},
                "closes_at": {"type": "string", "format": "date-time"},
                "status": {"enum": [str(s) for s in RoundState]},
                "visibility": {"enum": ["live", "after-close"]},
                "comments_public": {"type": "boolean"},
                "url": {"type": "string", "format": "uri"},
                "comments": {"type": "string", "format": "uri"},
                "iseal_flags": {"type": "array", "items": _STR},
                "comment_count": {"type": "integer"},
            },
        },
        "RoundList": {
            "type": "object",
            "properties": {
                "rounds": {"type": "array", "items": {"$ref": "#/components/schemas/Round"}}
            },
        },
        "TextualBody": {
            "type": "object",
            "properties": {
                "type": {"const": "TextualBody"},
                "value": _STR,
                "format": _STR,
                "purpose": {"enum": ["commenting", "editing"]},
            },
        },
        "Selector": {
            "oneOf": [
                {
                    "type": "object",
                    "required": ["type", "exact"],
                    "properties": {
                        "type": {"const": "TextQuoteSelector"},
                        "exact": _STR,
                        "prefix": _STR,
                        "suffix": _STR,
                    },
                },
                {
                    "type": "object",
                    "required": ["type", "start", "end"],
                    "properties": {
                        "type": {"const": "TextPositionSelector"},
                        "start": {"type": "integer", "minimum": 0},
                        "end": {"type": "integer", "minimum": 0},
                    },
                },
            ]
        },
        "Annotation": {
            "type": "object",
            "required": ["@context", "id", "type", "body", "target"],
            "properties": {
                "@context": {"const": ANNO_CONTEXT},
                "id": _STR,
                "type": {"const": "Annotation"},
                "motivation": {"enum": ["commenting", "editing"]},
                "created": {"type": "string", "format": "date-time"},
                "creator": {"type": "object", "properties": {"type": _STR, "name": _STR}},
                "body": {"type": "array", "items": {"$ref": "#/components/schemas/TextualBody"}},
                "target": {
                    "oneOf": [
                        {"type": "string", "format": "uri"},
                        {
                            "type": "object",
                            "required": ["source"],
                            "properties": {
                                "source": {"type": "string", "format": "uri"},
                                "selector": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Selector"},
                                },
                            },
                        },
                    ]
                },
                "comment_type": {"enum": ["general", "technical", "editorial"]},
                "stakeholder_group": _STR,
                "submission_kind": {"enum": ["individual", "organisation", "formal"]},
                "clause_uid": {"type": ["string", "null"]},
            },
        },
        "AnnotationCollection": {
            "type": "object",
            "properties": {
                "@context": {"const": ANNO_CONTEXT},
                "id": _STR,
                "type": {"const": "AnnotationCollection"},
                "label": _STR,
                "total": {"type": "integer"},
                "first": {
                    "type": "object",
                    "properties": {
                        "id": _STR,
                        "type": {"const": "AnnotationPage"},
                        "next": _STR,
                        "items": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Annotation"},
                        },
                    },
                },
            },
        },
    },
)
