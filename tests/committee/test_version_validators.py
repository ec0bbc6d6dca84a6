"""Frozen versions answer conditional GETs with 304; the working draft never gets a validator."""

from __future__ import annotations

from werkzeug.http import http_date


def _frozen(make_standard, freeze):
    standard = make_standard()
    return standard, freeze(standard, "d1")


def test_version_page_revalidates_with_etag_and_last_modified(client, make_standard, freeze):
    standard, version = _frozen(make_standard, freeze)
    path = f"/standards/{standard.slug}/versions/d1"
    first = client.get(path)
    assert first.status_code == 200
    etag = first.headers["ETag"].strip('"')
    assert first.headers["Cache-Control"] == "public, no-cache"
    assert first.last_modified is not None
    assert first.last_modified.replace(microsecond=0) == version.created_at.replace(microsecond=0)
    again = client.get(path, headers={"If-None-Match": f'"{etag}"'})
    assert again.status_code == 304 and again.get_data() == b""
    since = client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304 and since.get_data() == b""
    other = client.get(path, headers={"If-None-Match": '"0123"'})
    assert other.status_code == 200 and b"Criterion 1" in other.get_data()
    french = client.get(path, headers={"If-None-Match": f'"{etag}"', "Accept-Language": "fr"})
    assert french.status_code == 200  # another language is another page


def test_version_tag_changes_when_what_the_page_shows_changes(
    client, session, make_standard, freeze, make_round
):
    standard, version = _frozen(make_standard, freeze)
    path = f"/standards/{standard.slug}/versions/d1"
    etag = client.get(path).headers["ETag"]
    make_round(version, number=1, closed=False)  # the page now shows the open round
    response = client.get(path, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert b'id="consultation-banner"' in response.get_data()
    assert response.headers["ETag"] != etag
    tag = response.headers["ETag"]
    standard.title = "Renamed Standard"  # as a later import of the source does
    session.flush()
    renamed = client.get(path, headers={"If-None-Match": tag})
    assert renamed.status_code == 200 and b"Renamed Standard" in renamed.get_data()


def test_working_draft_never_gets_a_validator(client, auth, member, make_standard, freeze):
    standard, _ = _frozen(make_standard, freeze)
    auth.sign_in(member)
    path = f"/standards/{standard.slug}/versions/working"
    response = client.get(path)
    assert response.status_code == 200
    assert "ETag" not in response.headers and "Last-Modified" not in response.headers
    assert client.get(path, headers={"If-Modified-Since": http_date(4102444800)}).status_code == 200
    api = client.get(f"/api/v1/standards/{standard.slug}/versions/working")
    assert api.status_code == 200 and "ETag" not in api.headers


def test_signed_in_readers_get_no_validator_on_the_page(
    client, auth, member, make_standard, freeze
):
    standard, _ = _frozen(make_standard, freeze)
    auth.sign_in(member)
    response = client.get(f"/standards/{standard.slug}/versions/d1")
    assert response.status_code == 200 and "ETag" not in response.headers


def test_version_export_revalidates(client, session, make_standard, freeze):
    standard, version = _frozen(make_standard, freeze)
    path = f"/api/v1/standards/{standard.slug}/versions/d1"
    first = client.get(path)
    assert first.status_code == 200 and first.json["version"]["label"] == "d1"
    etag = first.headers["ETag"]
    assert first.last_modified is not None
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    version.note = "Superseded."  # a version's note may change; its text never
    session.flush()
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.json["version"]["note"] == "Superseded."


def test_version_tag_follows_the_text_language_and_translations(
    client, session, secretariat, make_standard, freeze, clause_of
):
    from app.translation import service as translations

    standard, version = _frozen(make_standard, freeze)
    path = f"/standards/{standard.slug}/versions/d1"
    plain = client.get(path).headers["ETag"]
    translations.save_clause(
        session,
        secretariat,
        version,
        "fr",
        clause_of(standard, "1.1").uid,
        heading="Critère 1",
        body="L'Entité *rend compte*.",
    )
    session.flush()
    again = client.get(path, headers={"If-None-Match": plain})
    assert again.status_code == 200  # the text switch now offers French
    french = client.get(f"{path}?text=fr", headers={"If-None-Match": again.headers["ETag"]})
    assert french.status_code == 200 and "<em>rend compte</em>" in french.get_data(as_text=True)
    tag = french.headers["ETag"]
    assert client.get(f"{path}?text=fr", headers={"If-None-Match": tag}).status_code == 304
