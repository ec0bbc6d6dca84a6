"""The public record of the committee in the API: published synopses and closed ballots."""

from __future__ import annotations

from flask import jsonify, request, url_for
from flask_babel import gettext as _

from app.api import openapi
from app.api.views import bp
from app.committee import service
from app.consultation.iseal import flag_message
from app.consultation.names import public_submitter
from app.errors import NotFound
from app.extensions import db
from app.formatting import utc_iso


def _round_json(round_) -> dict:
    return {
        "id": round_.id,
        "number": round_.number,
        "title": round_.title,
        "standard": round_.standard.slug,
        "version": round_.version.label,
        "opens_at": utc_iso(round_.opens_at),
        "closes_at": utc_iso(round_.closes_at),
    }


def _entry_json(row) -> dict:
    comment, disposition = row.comment, row.disposition
    return {
        "comment": {
            "id": comment.id,
            "reference": service.comment_label(comment),
            "clause_uid": comment.clause.uid if comment.clause_id else None,
            "clause_number": comment.revision.number if comment.revision else None,
            "type": str(comment.comment_type),
            "body": comment.body,
            "proposed_change": comment.proposed_change,
            "quote": comment.anchor_exact,
            "submitter": public_submitter(row.submission),
            "stakeholder_group": row.stakeholder_group,
            "formal": row.is_formal,
        },
        "disposition": {
            "decision": str(disposition.decision),
            "response": disposition.response,
            "duplicate_of": disposition.duplicate_of_id,
            "addressed_by": (
                {
                    "clause_uid": disposition.addressed_by.clause.uid,
                    "revision": disposition.addressed_by.seq,
                }
                if disposition.addressed_by
                else None
            ),
            "agreed_at": utc_iso(disposition.created_at),
        },
    }


@bp.get("/rounds/<int:round_id>/synopsis")
def round_synopsis(round_id: int):
    round_ = service.get_round(db.session, round_id)
    synopsis = service.build_synopsis(
        db.session, round_, public=True, after=request.args.get("after")
    )
    if not synopsis.published:
        raise NotFound(
            _(
                "The synopsis of this round is not published yet (%(a)d of %(t)d "
                "comments have an agreed response).",
                a=synopsis.progress.agreed,
                t=synopsis.progress.total,
            )
        )
    return jsonify(
        round=_round_json(round_),
        published_at=utc_iso(synopsis.publication.published_at),
        counts={
            "by_decision": dict(synopsis.by_decision),
            "by_stakeholder_group": dict(synopsis.by_group),
        },
        entries=[_entry_json(row) for row in synopsis.entries],
        next=(
            url_for(
                "api.round_synopsis",
                round_id=round_.id,
                after=synopsis.page.next_cursor,
                _external=True,
            )
            if synopsis.page.has_next
            else None
        ),
    )


def _ballot_json(ballot, *, full: bool) -> dict:
    tally = dict(ballot.tally or {})
    roll = tally.pop("roll", [])
    out = {
        "id": ballot.id,
        "standard": ballot.standard.slug,
        "version": ballot.version.label,
        "question_kind": str(ballot.question_kind),
        "question": ballot.question,
        "opens_at": utc_iso(ballot.opens_at),
        "closes_at": utc_iso(ballot.closes_at),
        "closed_at": utc_iso(ballot.closed_at),
        "rules": {
            "quorum": tally.get("quorum"),
            "threshold": tally.get("threshold"),
            "abstentions_counted": False,
        },
        "outcome": str(ballot.outcome),
    }
    if full:
        out["tally"] = {
            k: tally.get(k)
            for k in (
                "eligible",
                "yes",
                "no",
                "abstain",
                "recused",
                "not_voted",
                "participation",
                "quorum_met",
                "threshold_met",
            )
        }
        out["roll"] = [
            {
                "name": r["name"],
                "choice": r["choice"],
                "reason": r["reason"],
                "cast_at": r["cast_at"] or None,
                "counted": r.get("counted", True),
            }
            for r in roll
        ]
        out["flags"] = [{"code": f["code"], "message": flag_message(f)} for f in ballot.flags or []]
    return out


@bp.get("/ballots")
def ballots():
    closed = service.list_ballots(db.session, closed_only=True)
    return jsonify(ballots=[_ballot_json(b, full=False) for b in closed])


@bp.get("/ballots/<int:ballot_id>")
def ballot(ballot_id: int):
    found = service.get_ballot(db.session, ballot_id)
    if found.closed_at is None:
        raise NotFound(
            _("Ballot %(id)s is still open; its record is published when it closes.", id=ballot_id)
        )
    return jsonify(ballot=_ballot_json(found, full=True))


_STR = {"type": "string"}
_NSTR = {"type": ["string", "null"]}
_INT = {"type": "integer"}
_ID = [{"name": "id", "in": "path", "required": True, "schema": _INT}]


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


openapi.add(
    {
        "/rounds/{id}/synopsis": {
            "get": {
                "summary": "Read a round's published synopsis",
                "description": "Every public comment of the round with the committee's agreed "
                "disposition, a page at a time in clause order: follow `next` for the rest. "
                "404 until the synopsis is published.",
                "parameters": [
                    *_ID,
                    {
                        "name": "after",
                        "in": "query",
                        "description": "page cursor: follow the document's `next` link",
                        "schema": {"type": "string"},
                    },
                ],
                "responses": {
                    "200": openapi.json_response("Synopsis"),
                    "404": {"$ref": "#/components/responses/NotFound"},
                },
            }
        },
        "/ballots": {
            "get": {
                "summary": "List closed ballots with their outcome",
                "responses": {"200": openapi.json_response("BallotList")},
            }
        },
        "/ballots/{id}": {
            "get": {
                "summary": "Read a closed ballot: question, rules, tally, outcome, roll of votes",
                "description": "404 while the ballot is open.",
                "parameters": _ID,
                "responses": {
                    "200": openapi.json_response("BallotDocument"),
                    "404": {"$ref": "#/components/responses/NotFound"},
                },
            }
        },
    },
    {
        "SynopsisEntry": {
            "type": "object",
            "properties": {
                "comment": {
                    "type": "object",
                    "properties": {
                        "id": _INT,
                        "reference": _STR,
                        "clause_uid": _NSTR,
                        "clause_number": _NSTR,
                        "type": {"enum": ["general", "technical", "editorial"]},
                        "body": _STR,
                        "proposed_change": _STR,
                        "quote": _NSTR,
                        "submitter": {
                            "type": ["string", "null"],
                            "description": "Only when the submitter consented",
                        },
                        "stakeholder_group": _STR,
                        "formal": {"type": "boolean"},
                    },
                },
                "disposition": {
                    "type": "object",
                    "properties": {
                        "decision": {
                            "enum": [
                                "accepted",
                                "accepted-in-principle",
                                "partially-accepted",
                                "rejected",
                                "noted",
                                "out-of-scope",
                                "duplicate",
                            ]
                        },
                        "response": {"type": "string", "description": "Markdown"},
                        "duplicate_of": {"type": ["integer", "null"]},
                        "addressed_by": {
                            "type": ["object", "null"],
                            "properties": {"clause_uid": _STR, "revision": _INT},
                        },
                        "agreed_at": {"type": "string", "format": "date-time"},
                    },
                },
            },
        },
        "Synopsis": {
            "type": "object",
            "properties": {
                "round": {
                    "type": "object",
                    "properties": {
                        "id": _INT,
                        "number": _INT,
                        "title": _STR,
                        "standard": _STR,
                        "version": _STR,
                        "opens_at": {"type": "string", "format": "date-time"},
                        "closes_at": {"type": "string", "format": "date-time"},
                    },
                },
                "published_at": {"type": "string", "format": "date-time"},
                "counts": {
                    "type": "object",
                    "properties": {
                        "by_decision": {"type": "object", "additionalProperties": _INT},
                        "by_stakeholder_group": {"type": "object", "additionalProperties": _INT},
                    },
                },
                "entries": {"type": "array", "items": _ref("SynopsisEntry")},
                "next": {"type": ["string", "null"], "description": "the next page, if any"},
            },
        },
        "Ballot": {
            "type": "object",
            "properties": {
                "id": _INT,
                "standard": _STR,
                "version": _STR,
                "question_kind": {"enum": ["adopt", "another-round", "other"]},
                "question": _STR,
                "opens_at": {"type": "string", "format": "date-time"},
                "closes_at": {"type": "string", "format": "date-time"},
                "closed_at": {"type": "string", "format": "date-time"},
                "rules": {
                    "type": "object",
                    "properties": {
                        "quorum": {"type": "string", "description": "Fraction such as 1/2"},
                        "threshold": {"type": "string", "description": "Fraction such as 2/3"},
                        "abstentions_counted": {"type": "boolean"},
                    },
                },
                "outcome": {"enum": ["carried", "failed", "no-quorum"]},
                "tally": {
                    "type": "object",
                    "properties": {
                        k: _INT
                        for k in (
                            "eligible",
                            "yes",
                            "no",
                            "abstain",
                            "recused",
                            "not_voted",
                            "participation",
                        )
                    },
                },
                "roll": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "name": _STR,
                            "choice": {"enum": ["yes", "no", "abstain", "recuse", None]},
                            "reason": _STR,
                            "cast_at": {"type": ["string", "null"], "format": "date-time"},
                            "counted": {
                                "type": "boolean",
                                "description": "False if the member left the committee "
                                "before the close; the vote was not counted",
                            },
                        },
                    },
                },
                "flags": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "code": {"enum": ["few-rounds", "short-round", "unanswered"]},
                            "message": _STR,
                        },
                    },
                },
            },
        },
        "BallotList": {
            "type": "object",
            "properties": {"ballots": {"type": "array", "items": _ref("Ballot")}},
        },
        "BallotDocument": {"type": "object", "properties": {"ballot": _ref("Ballot")}},
    },
)
