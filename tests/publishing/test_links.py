"""The dead ends fixed: rounds link their synopsis, drafts under consultation lead to the round,
ballots lead to what they adopted, and the home and standard pages to the edition in force."""

from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader

from app.auth.permissions import SYSTEM
from app.committee import dispositions
from app.committee.synopsis import publish as publish_synopsis
from app.drafting import service as drafting
from app.publishing import service as publishing

DAY = dt.timedelta(days=1)


def test_closed_round_links_its_published_synopsis_and_its_pdf(
    client, session, member, secretariat, make_standard, make_round, make_comment, second_member
):
    standard = make_standard()
    version = drafting.freeze(session, SYSTEM, standard, label="d1")
    round_ = make_round(version, number=1)
    comment = make_comment(round_, None, body="The scope is too narrow for smelters.")
    path = f"/consultations/{round_.id}"
    assert 'id="synopsis-link"' not in client.get(path).get_data(as_text=True)
    assert client.get(f"{path}/synopsis.pdf").status_code == 404
    dispositions.draft(session, member, comment, decision="noted", response="We widen it.")
    dispositions.agree(session, second_member, comment)
    publish_synopsis(session, secretariat, round_)
    page = client.get(path).get_data(as_text=True)
    assert 'id="synopsis-link"' in page and f'href="{path}/synopsis"' in page
    standard_page = client.get(f"/standards/{standard.slug}").get_data(as_text=True)
    assert f'href="{path}/synopsis"' in standard_page
    response = client.get(f"{path}/synopsis.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "The scope is too narrow for smelters." in text and "We widen it." in text


def test_draft_under_consultation_leads_to_the_open_round(
    client, session, make_standard, make_round
):
    standard = make_standard()
    version = drafting.freeze(session, SYSTEM, standard, label="d1")
    path = f"/standards/{standard.slug}/versions/d1"
    assert 'id="consultation-banner"' not in client.get(path).get_data(as_text=True)
    round_ = make_round(version, number=1, closed=False)
    page = client.get(path).get_data(as_text=True)
    assert 'id="consultation-banner"' in page
    assert f'href="/consultations/{round_.id}/comment" id="comment-on-draft"' in page


def test_ballot_standard_and_home_lead_to_the_edition(
    client, auth, session, secretariat, make_standard, ballot_on
):
    standard = make_standard(title="Responsible Widgets")
    version = drafting.freeze(session, SYSTEM, standard, label="1.0-final")
    ballot_path = f"/ballots/{ballot_on(version).id}"
    auth.sign_in(secretariat)
    page = client.get(ballot_path).get_data(as_text=True)
    assert "waits to be published" in page
    assert f'href="/standards/{standard.slug}/publish?version=1.0-final"' in page
    auth.sign_out()
    publishing.publish(
        session, secretariat, version, number="1.0", effective_on=dt.date(2020, 1, 1)
    )
    page = client.get(ballot_path).get_data(as_text=True)
    assert f'href="/standards/{standard.slug}/1.0"' in page
    page = client.get(f"/standards/{standard.slug}").get_data(as_text=True)
    assert 'id="in-force-link"' in page and f'href="{ballot_path}"' in page
    assert 'id="history-link"' in page
    home = client.get("/").get_data(as_text=True)
    assert f'href="/standards/{standard.slug}/1.0" class="in-force-link"' in home
