"""Publications and the history timeline in the JSON API and its OpenAPI document."""

from __future__ import annotations

import datetime as dt

from openapi_spec_validator import validate

from app.api.openapi import document


def test_publications_and_history_in_the_api(client, session, make_standard, published):
    standard = make_standard()
    published(standard, "1.0", dt.date(2020, 1, 1))
    published(standard, "2.0", dt.date(2021, 1, 1), notes="Second *edition*.")
    data = client.get(f"/api/v1/standards/{standard.slug}/publications").get_json()
    assert [(p["number"], p["status"]) for p in data["publications"]] == [
        ("2.0", "in-force"),
        ("1.0", "superseded"),
    ]
    latest = data["publications"][0]
    assert latest["notes_html"].strip() == "<p>Second <em>edition</em>.</p>"
    assert latest["pdf_url"].endswith(f"/standards/{standard.slug}/2.0.pdf")
    doc = client.get(f"/api/v1/standards/{standard.slug}/publications/1.0").get_json()
    assert [c["number"] for c in doc["clauses"]] == ["1", "1.1", "1.2", "1.3"]
    assert doc["publication"]["justification"].startswith("The test standard")
    missing = client.get(f"/api/v1/standards/{standard.slug}/publications/9.0")
    assert missing.status_code == 404 and missing.get_json()["error"]["status"] == 404
    events = client.get(f"/api/v1/standards/{standard.slug}/history").get_json()["events"]
    assert [e["kind"] for e in events].count("publication") == 2
    ballots = [e for e in events if e["kind"] == "ballot"]
    assert {e["outcome"] for e in ballots} == {"carried"}


def test_openapi_document_describes_publishing():
    doc = document()
    validate(doc)
    assert {
        "/standards/{slug}/publications",
        "/standards/{slug}/publications/{number}",
        "/standards/{slug}/history",
    } <= set(doc["paths"])
