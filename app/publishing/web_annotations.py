"""A round's public record as W3C Web Annotations (JSON-LD), streamed from the export rows."""

from __future__ import annotations

import json
from collections.abc import Iterator

from sqlalchemy.orm import Session

from app.consultation.models import ConsultationRound
from app.publishing.exports import ExportRow, count, require_public, rows

ANNOTATION_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
ANNOTATION_MEDIA_TYPE = f'application/ld+json; profile="{ANNOTATION_CONTEXT}"'


def annotation(row: ExportRow, *, record_url: str, version_url: str) -> dict:
    """Return one comment as a W3C Web Annotation on the draft it was made on."""
    bodies = [
        {
            "type": "TextualBody",
            "value": row.comment,
            "format": "text/markdown",
            "purpose": "commenting",
        }
    ]
    if row.proposed_change:
        bodies.append(
            {
                "type": "TextualBody",
                "value": row.proposed_change,
                "format": "text/markdown",
                "purpose": "editing",
            }
        )
    if row.observations:
        bodies.append(
            {
                "type": "TextualBody",
                "value": row.observations,
                "format": "text/markdown",
                "purpose": "replying",
            }
        )
    source = f"{version_url}#clause-{row.clause_uid}" if row.clause_uid else version_url
    target: dict = {"source": source}
    if row.passage:
        selectors: list[dict] = [
            {
                "type": "TextQuoteSelector",
                "exact": row.passage,
                "prefix": row.anchor_prefix,
                "suffix": row.anchor_suffix,
            }
        ]
        if row.anchor_start is not None and row.anchor_end is not None:
            selectors.append(
                {"type": "TextPositionSelector", "start": row.anchor_start, "end": row.anchor_end}
            )
        target["selector"] = selectors
    return {
        "id": f"{record_url}#comment-{row.comment_id}",
        "type": "Annotation",
        "motivation": "commenting",
        "created": row.created_at,
        "creator": {"type": "Agent", "name": row.commenter},
        "body": bodies,
        "target": target,
    }


def annotation_chunks(
    session: Session,
    round_: ConsultationRound,
    *,
    collection_url: str,
    record_url: str,
    version_url: str,
) -> Iterator[str]:
    """Yield an AnnotationCollection (one embedded AnnotationPage) as JSON-LD text."""
    require_public(round_)
    head = {
        "@context": ANNOTATION_CONTEXT,
        "id": collection_url,
        "type": "AnnotationCollection",
        "label": round_.title,
        "total": count(session, round_),
    }
    page_head = {"id": f"{collection_url}#page-1", "type": "AnnotationPage", "startIndex": 0}
    yield json.dumps(head)[:-1] + ', "first": ' + json.dumps(page_head)[:-1] + ', "items": ['
    for n, row in enumerate(rows(session, round_)):
        item = annotation(row, record_url=record_url, version_url=version_url)
        yield ("," if n else "") + json.dumps(item, ensure_ascii=False)
    yield "]}}"
