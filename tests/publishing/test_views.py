"""Publication pages over HTTP: reader, permalinks, change log, PDF, history, publishing form."""

from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader

from app.auth.permissions import SYSTEM
from app.drafting import editing
from app.drafting import service as drafting
from tests.conftest import csrf_token


def _renumbered(session, standard):
    """Insert a clause before criterion 1.1, renumber, and drop criterion 1.3."""
    nodes = drafting.working_draft(session, standard)
    principle = nodes[0].revision.clause
    editing.add_clause(
        session,
        SYSTEM,
        standard,
        kind="requirement",
        number="",
        heading="Scope first",
        body="The Entity shall define its scope.",
        parent_uid=principle.uid,
        index=0,
    )
    third = next(n for n in nodes if n.revision.number == "1.3").revision.clause
    editing.delete_clause(session, SYSTEM, third, message="Merged into 1.2")
    editing.renumber(session, SYSTEM, standard)
    return nodes


def test_reader_latest_and_superseded_banner(client, session, make_standard, published):
    standard = make_standard()
    first = published(standard, "1.0", dt.date(2020, 1, 1), notes="First *edition*.")
    slug = standard.slug
    response = client.get(f"/standards/{slug}/latest")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/{slug}/1.0")
    page = client.get(f"/standards/{slug}/1.0").get_data(as_text=True)
    assert "standing-in-force" in page and "<em>edition</em>" in page
    assert f'id="{first.version.label}"' not in page  # ids are clause uids, not labels
    assert 'class="heading-link"' in page and 'class="toc"' in page
    published(standard, "2.0", dt.date(2021, 1, 1))
    page = client.get(f"/standards/{slug}/1.0").get_data(as_text=True)
    assert (
        "standing-superseded" in page and f'href="/standards/{slug}/2.0" id="current-link"' in page
    )
    assert client.get(f"/standards/{slug}/latest").headers["Location"].endswith("/2.0")
    assert client.get(f"/standards/{slug}/9.9").status_code == 404
    assert client.get(f"/standards/{slug}/compare").status_code == 200  # older pages still work


def test_clause_permalink_survives_renumbering(client, session, make_standard, published):
    standard = make_standard()
    published(standard, "1.0")
    old = {n.revision.number: n.uid for n in _renumbered(session, standard)}
    published(standard, "2.0")
    slug = standard.slug
    page = client.get(f"/standards/{slug}/1.0/clauses/{old['1.1']}").get_data(as_text=True)
    link = f'href="/standards/{slug}/2.0/clauses/{old["1.1"]}" id="current-clause-link"'
    assert link in page and "(1.2)" in page  # 1.1 is now 1.2
    page = client.get(f"/standards/{slug}/1.0/clauses/{old['1.3']}").get_data(as_text=True)
    assert 'id="clause-removed"' in page and "removed in edition 2.0" in page
    page = client.get(f"/standards/{slug}/2.0/clauses/{old['1.1']}").get_data(as_text=True)
    assert 'id="clause-trail"' not in page and 'id="in-context-link"' in page
    latest = client.get(f"/standards/{slug}/latest/clauses/{old['1.1']}")
    assert latest.headers["Location"].endswith(f"/2.0/clauses/{old['1.1']}")
    assert client.get(f"/standards/{slug}/1.0/clauses/NOPE-0000").status_code == 404


def test_change_log_lists_clause_changes(client, session, make_standard, published):
    standard = make_standard()
    published(standard, "1.0")
    old = {n.revision.number: n.uid for n in _renumbered(session, standard)}
    published(standard, "2.0")
    page = client.get(f"/standards/{standard.slug}/2.0/changes").get_data(as_text=True)
    assert 'data-count="added">1<' in page and 'data-count="removed">1<' in page
    assert f'id="change-{old["1.3"]}"' in page and "Renumbered from 1.1 to 1.2" in page
    first = client.get(f"/standards/{standard.slug}/1.0/changes").get_data(as_text=True)
    assert 'id="first-edition"' in first


def test_etag_and_not_modified(client, session, make_standard, published):
    standard = make_standard()
    published(standard, "1.0")
    path = f"/standards/{standard.slug}/1.0"
    response = client.get(path)
    etag = response.headers["ETag"]
    assert response.headers["Last-Modified"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    published(standard, "2.0")  # the banner changes, so must the tag
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 200


def test_pdf_holds_the_clauses_and_is_cached(client, session, make_standard, published, pdf_cache):
    standard = make_standard()
    publication = published(standard, "1.0", notes="Release notes for the PDF.")
    path = f"/standards/{standard.slug}/1.0.pdf"
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    for number in ("1.1", "1.2", "1.3"):
        assert f"Criterion {number[-1]}" in text
    assert "The Entity shall report on topic 2 every year" in text
    assert "Release notes for the PDF." in text and "Edition 1.0" in text
    etag = response.headers["ETag"]
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert list(pdf_cache.glob(f"publication-{publication.id}-*.pdf"))


def test_history_timeline(client, session, make_standard, published):
    standard = make_standard()
    published(standard, "1.0")
    page = client.get(f"/standards/{standard.slug}/history").get_data(as_text=True)
    kinds = [k for k in ("draft", "ballot", "publication") if f'data-kind="{k}"' in page]
    assert kinds == ["draft", "ballot", "publication"]
    assert page.index('data-kind="draft"') < page.index('data-kind="publication"')
    assert 'data-outcome="carried"' in page


def test_secretariat_publishes_through_the_form(
    client, auth, session, secretariat, member, make_standard, adopted
):
    standard = make_standard()
    version = adopted(standard, "1.0-final")
    frozen = drafting.freeze(session, SYSTEM, standard, label="1.1-draft")
    path = f"/standards/{standard.slug}/publish"
    auth.sign_in(member)
    assert client.get(path).status_code == 403
    auth.sign_out()
    auth.sign_in(secretariat)
    data = {
        "version": frozen.label,
        "number": "1.0",
        "effective_on": "2027-03-01",
        "notes": "First edition.",
        "corrects": "",
        "csrf_token": csrf_token(client, path),
    }
    response = client.post(path, data=data)
    assert response.status_code == 409
    assert "no adoption ballot on it has carried" in response.get_data(as_text=True)
    data["version"] = version.label
    response = client.post(path, data=data)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "standing-upcoming" in page and "First edition." in page
    assert "Publish a correction" in page
    auth.sign_out()
    assert "Publish a correction" not in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
