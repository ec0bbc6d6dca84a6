"""The read-only consultation API: rounds and public comments as W3C Web Annotations."""

from __future__ import annotations

from openapi_spec_validator import validate

from app.consultation import moderation, service


def test_rounds_are_listed_with_their_flags(client, make_round):
    round_ = make_round(days=30)
    listing = client.get("/api/v1/rounds").get_json()
    assert [r["id"] for r in listing["rounds"]] == [round_.id]
    detail = client.get(f"/api/v1/rounds/{round_.id}").get_json()
    assert detail["status"] == "open" and detail["visibility"] == "live"
    assert detail["closes_at"].endswith("+00:00")
    assert len(detail["iseal_flags"]) == 2
    assert client.get("/api/v1/rounds/999999").status_code == 404


def test_public_comments_are_web_annotations(
    client, session, make_round, commenter, file_comment, uid_of, make_user, secretariat
):
    round_ = make_round()
    uid = uid_of(round_, "1.1")
    anchored = file_comment(
        commenter,
        round_,
        clause_uid=uid,
        passage="topic 1",
        comment_type="technical",
        body="Name the topic.",
    )
    file_comment(commenter, round_, body="On everything.")
    hidden = file_comment(make_user(), round_, body="Abuse.")
    moderation.moderate(session, secretariat, hidden, hidden=True, reason="Abusive")
    withdrawn = file_comment(make_user(), round_, body="Withdrawn.")
    service.withdraw(session, withdrawn.submission.author, withdrawn.submission)
    session.flush()
    doc = client.get(f"/api/v1/rounds/{round_.id}/comments").get_json()
    assert doc["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert doc["type"] == "AnnotationCollection" and doc["total"] == 2
    items = doc["first"]["items"]
    first = next(a for a in items if a["comment_type"] == "technical")
    assert first["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert first["type"] == "Annotation"
    assert first["body"][0] == {
        "type": "TextualBody",
        "value": "Name the topic.",
        "format": "text/markdown",
        "purpose": "commenting",
    }
    assert first["target"]["source"].endswith(f"#{uid}")
    quote, position = first["target"]["selector"]
    assert quote == {
        "type": "TextQuoteSelector",
        "exact": "topic 1",
        "prefix": anchored.anchor_prefix,
        "suffix": anchored.anchor_suffix,
    }
    assert position == {
        "type": "TextPositionSelector",
        "start": anchored.anchor_start,
        "end": anchored.anchor_end,
    }
    # No consent: the stakeholder group, never the name.
    assert first["creator"]["name"] == "Civil society"
    assert "Cora" not in str(doc)
    whole = next(a for a in items if a["comment_type"] == "general")
    assert isinstance(whole["target"], str) and "#" not in whole["target"]
    only_tech = client.get(f"/api/v1/rounds/{round_.id}/comments?type=technical").get_json()
    assert only_tech["total"] == 1


def test_comments_of_an_after_close_round_are_not_served_while_open(
    client, make_round, commenter, file_comment
):
    round_ = make_round(visibility="after-close")
    file_comment(commenter, round_)
    response = client.get(f"/api/v1/rounds/{round_.id}/comments")
    assert response.status_code == 403
    assert "published when it closes" in response.get_json()["error"]["message"]


def test_openapi_document_describes_the_consultation_api(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    validate(doc)
    assert {"/rounds", "/rounds/{round_id}", "/rounds/{round_id}/comments"} <= set(doc["paths"])
    assert "Annotation" in doc["components"]["schemas"]
