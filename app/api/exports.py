"""A round's export rows in the API: the CSV's data as JSON, one keyset page at a time."""

from __future__ import annotations

from dataclasses import asdict

from flask import jsonify, url_for

from app.api import openapi
from app.api.views import bp
from app.consultation import service as consultation
from app.extensions import db
from app.publishing import exports
from app.request_guard import int_arg

PAGE_SIZE = 200


def _row_json(row: exports.ExportRow) -> dict:
    return asdict(row)


@bp.get("/rounds/<int:round_id>/export", endpoint="round_export")
def round_export(round_id: int):
    round_ = consultation.get_round(db.session, round_id)
    exports.require_public(round_)
    after = int_arg("after", 0, minimum=0)
    limit = int_arg("limit", PAGE_SIZE, maximum=PAGE_SIZE)
    found = list(exports.rows(db.session, round_, batch=limit + 1, after=after, limit=limit + 1))
    page, more = found[:limit], len(found) > limit
    data = {
        "round_id": round_.id,
        "columns": exports.columns(),
        "total": exports.count(db.session, round_),
        "rows": [_row_json(r) for r in page],
        "next": url_for(
            "api.round_export",
            round_id=round_id,
            after=page[-1].comment_id,
            limit=limit,
            _external=True,
        )
        if more
        else None,
        "downloads": {
            "csv": url_for("exports.comments_csv", round_id=round_id, _external=True),
            "xlsx": url_for("exports.comments_xlsx", round_id=round_id, _external=True),
            "annotations": url_for("exports.annotations", round_id=round_id, _external=True),
        },
    }
    return jsonify(data)


_STR = {"type": "string"}
_INT_OR_NULL = {"type": ["integer", "null"]}

openapi.add(
    {
        "/rounds/{round_id}/export": {
            "get": {
                "summary": "A round's public comments with published responses, as export rows",
                "description": "The data of the CSV, XLSX and Web Annotation downloads "
                "(ISO commenting template columns, then decision, stakeholder group, receipt "
                "and anchor state). Names only with consent; hidden comments and withdrawn "
                "submissions left out; responses only once the synopsis is published. "
                "Paged by comment id: follow `next`.",
                "parameters": [
                    {
                        "name": "round_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                    },
                    {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": PAGE_SIZE},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "One page of export rows",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/RoundExport"}
                            }
                        },
                    },
                    "404": {"$ref": "#/components/responses/NotFound"},
                },
            }
        }
    },
    {
        "ExportRow": {
            "type": "object",
            "required": ["comment_id", "commenter", "comment", "receipt", "anchor_state"],
            "properties": {
                "comment_id": {"type": "integer"},
                "commenter": _STR,
                "clause_uid": {"type": ["string", "null"]},
                "clause": _STR,
                "passage": _STR,
                "comment_type": {"enum": ["ge", "te", "ed"]},
                "comment": _STR,
                "proposed_change": _STR,
                "observations": _STR,
                "decision": _STR,
                "stakeholder_group": _STR,
                "receipt": _STR,
                "anchor_state": {"enum": ["anchored", "moved", "orphaned"]},
                "created_at": _STR,
                "anchor_prefix": _STR,
                "anchor_suffix": _STR,
                "anchor_start": _INT_OR_NULL,
                "anchor_end": _INT_OR_NULL,
            },
        },
        "RoundExport": {
            "type": "object",
            "properties": {
                "round_id": {"type": "integer"},
                "columns": {"type": "array", "items": _STR},
                "total": {"type": "integer"},
                "rows": {"type": "array", "items": {"$ref": "#/components/schemas/ExportRow"}},
                "next": {"type": ["string", "null"]},
                "downloads": {"type": "object", "additionalProperties": _STR},
            },
        },
    },
)
