"""The OpenAPI document: a base plus the paths and schemas each area adds."""

from __future__ import annotations

import copy

BASE = {
    "openapi": "3.1.0",
    "info": {
        "title": "Clausewise API",
        "version": "1",
        "description": "Read-only access to standards, versions, consultation rounds, public "
        "comments (as W3C Web Annotations), synopses and ballots.",
    },
    "servers": [{"url": "/api/v1"}],
    "paths": {},
    "components": {
        "schemas": {
            "Error": {
                "type": "object",
                "properties": {
                    "error": {
                        "type": "object",
                        "properties": {
                            "status": {"type": "integer"},
                            "title": {"type": "string"},
                            "message": {"type": "string"},
                        },
                    }
                },
            },
        },
        "responses": {
            "NotFound": {
                "description": "No such object",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
            "Forbidden": {
                "description": "Not open to this reader",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
        },
    },
}

_parts: list[tuple[dict, dict]] = []


def add(paths: dict, schemas: dict | None = None) -> None:
    """Add an area's paths and schemas to the document."""
    _parts.append((paths, schemas or {}))


def document() -> dict:
    doc = copy.deepcopy(BASE)
    for paths, schemas in _parts:
        doc["paths"].update(paths)
        doc["components"]["schemas"].update(schemas)
    return doc


def json_response(schema: str, description: str = "OK") -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }
