"""Download a round's public record: CSV, XLSX and Web Annotations, streamed."""

from __future__ import annotations

from flask import Blueprint, Response, stream_with_context, url_for

from app.consultation import service as consultation
from app.extensions import db
from app.publishing import exports, web_annotations

bp = Blueprint("exports", __name__)


def _filename(round_, extension: str) -> str:
    return f"{round_.standard.slug}-round-{round_.number}-comments.{extension}"


def _download(body, mimetype: str, filename: str) -> Response:
    response = Response(stream_with_context(body), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-cache"
    return response


def _public_round(round_id: int):
    round_ = consultation.get_round(db.session, round_id)
    exports.require_public(round_)
    return round_


@bp.get("/consultations/<int:round_id>/comments.csv")
def comments_csv(round_id: int):
    round_ = _public_round(round_id)
    body = exports.csv_chunks(db.session, round_)
    return _download(body, "text/csv", _filename(round_, "csv"))


@bp.get("/consultations/<int:round_id>/comments.xlsx")
def comments_xlsx(round_id: int):
    round_ = _public_round(round_id)
    spool = exports.xlsx_file(db.session, round_)
    return _download(exports.file_chunks(spool), exports.XLSX_MEDIA_TYPE, _filename(round_, "xlsx"))


def annotation_urls(round_) -> dict[str, str]:
    """Return the addresses an annotation collection names: itself, the record, the draft."""
    return {
        "collection_url": url_for("exports.annotations", round_id=round_.id, _external=True),
        "record_url": url_for("consultation.round_page", round_id=round_.id, _external=True),
        "version_url": url_for(
            "drafting.version",
            slug=round_.standard.slug,
            label=round_.version.label,
            _external=True,
        ),
    }


@bp.get("/consultations/<int:round_id>/annotations.jsonld")
def annotations(round_id: int):
    round_ = _public_round(round_id)
    body = web_annotations.annotation_chunks(db.session, round_, **annotation_urls(round_))
    response = Response(stream_with_context(body), mimetype="application/ld+json")
    response.headers["Content-Type"] = web_annotations.ANNOTATION_MEDIA_TYPE
    response.headers["Cache-Control"] = "no-cache"
    return response
