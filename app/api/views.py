"""The API blueprint: drafting endpoints here, other areas add theirs in their own modules."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user

from app.api import openapi
from app.drafting import service as drafting
from app.drafting.tree import DraftNode
from app.extensions import db
from app.formatting import utc_iso

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/openapi.json", endpoint="openapi")
def openapi_document():
    return jsonify(openapi.document())


def standard_json(standard) -> dict:
    return {
        "slug": standard.slug,
        "title": standard.title,
        "summary": standard.summary,
        "uid_prefix": standard.uid_prefix,
    }


def version_json(version) -> dict:
    return {
        "label": version.label,
        "title": version.title,
        "summary": version.summary,
        "state": str(version.state),
        "note": version.note,
        "frozen_at": utc_iso(version.created_at),
    }


def clause_json(node: DraftNode, parent_uid: str | None) -> dict:
    rev = node.revision
    return {
        "uid": node.uid,
        "number": rev.number,
        "kind": str(rev.kind),
        "heading": rev.heading,
        "body": rev.body,
        "parent_uid": parent_uid,
        "depth": node.depth,
        "revision": rev.seq,
    }


@bp.get("/standards")
def standards():
    out = []
    for standard in drafting.list_standards(db.session):
        item = standard_json(standard)
        item["versions"] = [version_json(v) for v in drafting.list_versions(db.session, standard)]
        out.append(item)
    return jsonify(standards=out)


@bp.get("/standards/<slug>/versions/<label>")
def version(slug: str, label: str):
    standard = drafting.get_standard(db.session, slug)
    ver, nodes = drafting.read_version(db.session, current_user, standard, label)
    uid_of = {n.clause_id: n.uid for n in nodes}
    meta = (
        version_json(ver)
        if ver
        else {
            "label": drafting.WORKING,
            "title": standard.title,
            "summary": standard.summary,
            "state": "working",
            "note": "",
            "frozen_at": None,
        }
    )
    return jsonify(
        standard=standard_json(standard),
        version=meta,
        clauses=[clause_json(n, uid_of.get(n.revision.parent_clause_id)) for n in nodes],
    )


_STR = {"type": "string"}
openapi.add(
    {
        "/standards": {
            "get": {
                "summary": "List standards and their frozen versions",
                "responses": {"200": openapi.json_response("StandardList")},
            }
        },
        "/standards/{slug}/versions/{label}": {
            "get": {
                "summary": "Read a version's clauses in order",
                "description": "The label `working` gives the working draft, to committee, "
                "secretariat and admin accounts only.",
                "parameters": [
                    {"name": "slug", "in": "path", "required": True, "schema": _STR},
                    {"name": "label", "in": "path", "required": True, "schema": _STR},
                ],
                "responses": {
                    "200": openapi.json_response("VersionDocument"),
                    "403": {"$ref": "#/components/responses/Forbidden"},
                    "404": {"$ref": "#/components/responses/NotFound"},
                },
            }
        },
    },
    {
        "Standard": {
            "type": "object",
            "required": ["slug", "title"],
            "properties": {
                "slug": _STR,
                "title": _STR,
                "summary": _STR,
                "uid_prefix": _STR,
                "versions": {"type": "array", "items": {"$ref": "#/components/schemas/Version"}},
            },
        },
        "StandardList": {
            "type": "object",
            "properties": {
                "standards": {"type": "array", "items": {"$ref": "#/components/schemas/Standard"}}
            },
        },
        "Version": {
            "type": "object",
            "properties": {
                "label": _STR,
                "title": _STR,
                "summary": _STR,
                "state": {"enum": ["working", "frozen", "adopted", "published", "withdrawn"]},
                "note": _STR,
                "frozen_at": {"type": ["string", "null"], "format": "date-time"},
            },
        },
        "Clause": {
            "type": "object",
            "required": ["uid", "kind"],
            "properties": {
                "uid": _STR,
                "number": _STR,
                "kind": {
                    "enum": [
                        "principle",
                        "criterion",
                        "requirement",
                        "guidance",
                        "definition",
                        "annex",
                    ]
                },
                "heading": _STR,
                "body": {"type": "string", "description": "Markdown"},
                "parent_uid": {"type": ["string", "null"]},
                "depth": {"type": "integer"},
                "revision": {"type": "integer"},
            },
        },
        "VersionDocument": {
            "type": "object",
            "properties": {
                "standard": {"$ref": "#/components/schemas/Standard"},
                "version": {"$ref": "#/components/schemas/Version"},
                "clauses": {"type": "array", "items": {"$ref": "#/components/schemas/Clause"}},
            },
        },
    },
)

from app.api import committee as _committee  # noqa: E402,F401 - registers its routes on bp
from app.api import consultation as _consultation  # noqa: E402,F401 - registers its routes
from app.api import exports as _exports  # noqa: E402,F401 - registers its routes
from app.api import publishing as _publishing  # noqa: E402,F401 - registers its routes
from app.api import search as _search  # noqa: E402,F401 - registers its routes
