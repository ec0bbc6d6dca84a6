"""Atom feeds: valid for a real feed parser, newest first, bounded, per standard."""

from __future__ import annotations

import datetime as dt

import feedparser
import pytest

from app.committee import dispositions, synopsis
from app.database import utcnow
from app.publishing import feeds


@pytest.fixture
def record(
    session,
    make_standard,
    freeze,
    make_round,
    clause_of,
    make_comment,
    published,
    member,
    second_member,
    secretariat,
):
    """A standard with a closed round and its published synopsis, a ballot and a publication."""
    standard = make_standard(title="Feed Standard")
    opens_at = utcnow() - 100 * dt.timedelta(days=1)
    round_ = make_round(
        freeze(standard, "d1"), number=1, title="First round", opens_at=opens_at, days=30
    )
    comment = make_comment(round_, clause_of(standard, "1.1"))
    dispositions.draft(session, member, comment, decision="noted", response="Thanks.")
    dispositions.agree(session, second_member, comment)
    synopsis.publish(session, secretariat, round_)
    publication = published(standard, "2.0")
    session.flush()
    return standard, round_, publication


def _parse(client, path: str):
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    parsed = feedparser.parse(response.data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_standard_feed_lists_every_kind_of_event_newest_first(client, record):
    standard, round_, publication = record
    parsed = _parse(client, f"/standards/{standard.slug}/feed.atom")
    assert parsed.feed.title == "Feed Standard: publications, consultations and results"
    kinds = [entry.tags[0].term for entry in parsed.entries]
    assert sorted(kinds) == sorted(
        ["publication", "round-opened", "round-closed", "synopsis", "ballot"]
    )
    times = [entry.updated_parsed for entry in parsed.entries]
    assert times == sorted(times, reverse=True)
    first = parsed.entries[0]
    assert first.title == "Feed Standard 2.0 published"
    assert first.link.endswith(f"/standards/{standard.slug}/2.0")
    synopsis_entry = next(e for e in parsed.entries if e.tags[0].term == "synopsis")
    assert synopsis_entry.link.endswith(f"/consultations/{round_.id}/synopsis")


def test_site_feed_covers_every_standard_and_is_bounded(
    session, client, record, make_standard, freeze, make_round
):
    standard, _round, _publication = record
    other = make_standard(title="Other Standard")
    make_round(freeze(other, "o1"), number=1, title="Other round")
    parsed = _parse(client, "/feed.atom")
    titles = [e.title for e in parsed.entries]
    assert "Consultation opened: Other round" in titles
    assert "Feed Standard 2.0 published" in titles
    assert len(feeds.entries(session, limit=3)) == 3
    only_feed_standard = _parse(client, f"/standards/{standard.slug}/feed.atom")
    assert "Consultation opened: Other round" not in [e.title for e in only_feed_standard.entries]


def test_feed_of_an_unknown_standard_is_404(client):
    assert client.get("/standards/no-such-standard/feed.atom").status_code == 404


def test_pages_link_their_feeds_in_the_head(client, record):
    standard, _round, _publication = record
    html = client.get(f"/standards/{standard.slug}").get_data(as_text=True)
    head = html.split("</head>")[0]
    assert 'rel="alternate" type="application/atom+xml"' in head
    assert 'href="/feed.atom"' in head
    assert f'href="/standards/{standard.slug}/feed.atom"' in head
    home = client.get("/").get_data(as_text=True).split("</head>")[0]
    assert 'href="/feed.atom"' in home and "/standards/" not in home.split("feed.atom")[0][-80:]
