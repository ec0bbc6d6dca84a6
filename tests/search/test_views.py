"""The search page, the header box, the API and the committee's round search."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

from tests.conftest import csrf_token
from tests.publishing.conftest import (  # noqa: F401 - shared fixtures
    adopted,
    ballot_on,
    published,
    voters,
)


def test_every_page_has_a_search_box_in_its_header(client):
    page = client.get("/").get_data(as_text=True)
    assert 'role="search"' in page and 'action="/search"' in page


def test_search_page_shows_highlighted_snippets_and_links_to_the_clause(client, world, apply):
    apply()
    response = client.get("/search?q=bauxit*")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    uid = world.clauses.residue.uid
    assert f'href="/standards/search-aluminium/versions/draft-2#{uid}"' in page
    assert "<mark>Bauxite</mark>" in page
    assert "zirconium" not in page


def test_facets_link_to_narrower_searches_and_filters_can_be_removed(client, world, apply):
    apply()
    page = client.get("/search?q=FPIC&what=comment").get_data(as_text=True)
    assert "?q=FPIC&amp;what=comment&amp;group=industry-upstream" in page
    narrowed = client.get("/search?q=FPIC&what=comment&group=industry-upstream")
    text = narrowed.get_data(as_text=True)
    assert "1 result" in text
    assert 'href="/search?q=FPIC&amp;what=comment"' in text  # remove the group filter


def test_user_text_is_escaped_everywhere(client, world, apply):
    apply()
    response = client.get('/search?q=<script>alert(1)</script> lining&what="><img src=x>')
    page = response.get_data(as_text=True)
    assert "<script>alert(1)" not in page and "<img src=x>" not in page
    assert "&lt;script&gt;" in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_bad_parameters_are_a_clear_400(client, engine):
    assert client.get("/search?q=x&page=zero").status_code == 400
    assert client.get("/search?q=" + "a" * 400).status_code == 400
    assert client.get("/api/v1/search?q=x&per_page=1000").status_code == 400
    assert client.get("/api/v1/search").status_code == 400


def test_did_you_mean_links_to_the_corrected_search(client, world, apply):
    apply()
    page = client.get("/search?q=bauxyte").get_data(as_text=True)
    assert 'href="/search?q=bauxite"' in page


def test_api_search_returns_hits_facets_and_highlight_offsets(client, world, apply):
    apply()
    body = client.get("/api/v1/search?q=fluoride&what=comment").get_json()
    assert body["total"] == 1
    hit = body["results"][0]
    assert hit["comment_id"] == world.comments.public.id
    proposed = next(s for s in hit["snippets"] if s["field"] == "proposed")
    start, end = proposed["highlights"][0]
    assert proposed["text"][start:end] == "fluoride"
    assert body["facets"]["group"] == [
        {
            "value": "civil-society",
            "label": body["facets"]["group"][0]["label"],
            "count": 1,
            "exact": True,
        }
    ]
    assert body["total_exact"] is True


def test_api_search_is_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    assert "/search" in document["paths"]


def test_round_dashboard_searches_that_rounds_comments_and_answers_them_together(
    client, auth, world, apply
):
    apply()
    auth.sign_in(world.member)
    round_id = world.rounds.live.id
    page = client.get(f"/committee/rounds/{round_id}?q=FPIC").get_data(as_text=True)
    selectable = set(re.findall(r'name="comment_ids" value="(\d+)"', page))
    assert selectable == {str(world.comments.public.id), str(world.comments.industry.id)}
    response = client.post(
        f"/committee/rounds/{round_id}/duplicates",
        data={
            "csrf_token": csrf_token(client, f"/committee/rounds/{round_id}"),
            "comment_ids": sorted(selectable),
            "original": str(world.comments.public.id),
            "response": "Answered together with the comment on spent pot lining.",
        },
    )
    assert response.status_code == 302
    followed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 comments answered as duplicates" in followed


def test_a_published_clause_links_to_the_publication_reader(
    client,
    make_standard,
    published,  # noqa: F811 - the fixture imported above
    apply,
):
    standard = make_standard(slug="search-published", clauses=2)
    published(standard, "9.0")
    apply()
    body = client.get("/api/v1/search?q=practicable").get_json()
    assert body["total"] == 2
    hit = body["results"][0]
    assert hit["edition"] == "9.0"
    assert hit["url"] == f"/standards/search-published/9.0/clauses/{hit['clause_uid']}"
    assert [f["label"] for f in body["facets"]["version"]] == ["search-published edition 9.0"]
    assert client.get(hit["url"]).status_code == 200


def test_past_the_cap_the_page_and_the_api_say_so(client, world, apply, app, monkeypatch):
    apply()
    page = client.get("/search?q=lining").get_data(as_text=True)
    assert "4 results" in page and "More than" not in page
    monkeypatch.setitem(app.config, "SEARCH_MATCH_CAP", 3)
    page = client.get("/search?q=lining").get_data(as_text=True)
    assert "3+ results" in page and "More than 3 match" in page
    assert re.search(r'class="count">\d+\+</span>', page)
    body = client.get("/api/v1/search?q=lining").get_json()
    assert body["total"] == 3 and body["total_exact"] is False
    assert all(f["exact"] is False for values in body["facets"].values() for f in values)
    exact = client.get("/api/v1/search?q=FPIC").get_json()
    assert exact["total_exact"] is True
    assert all(f["exact"] for values in exact["facets"].values() for f in values)
