"""The drafting pages and the read API through the HTTP client."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from app.auth.models import Role
from app.drafting import editing, service
from tests.conftest import csrf_token


def _first_criterion(session, standard):
    return next(n for n in service.working_draft(session, standard) if n.revision.number == "1.1")


def test_committee_edits_a_clause_and_sees_it_in_history(
    client, auth, make_user, make_standard, session
):
    standard = make_standard()
    auth.sign_in(make_user(Role.COMMITTEE, name="Maria Member"))
    node = _first_criterion(session, standard)
    path = f"/clauses/{node.uid}/edit"
    response = client.post(
        path,
        data={
            "kind": "criterion",
            "number": "1.1",
            "heading": "Criterion 1",
            "body": "The Entity shall report on topic 1 every quarter.",
            "message": "Tighter",
            "based_on": str(node.revision.id),
            "csrf_token": csrf_token(client, path),
        },
    )
    assert response.status_code == 302
    history = client.get(f"/clauses/{node.uid}").get_data(as_text=True)
    assert "r2" in history and "Tighter" in history and "Maria Member" in history
    compare = client.get(f"/clauses/{node.uid}/compare?a=1&b=2&mode=inline")
    text = compare.get_data(as_text=True)
    assert '<ins class="diff-ins">quarter</ins>' in text
    assert '<del class="diff-del">year, where practicable</del>' in text


def test_conflicting_save_shows_both_versions_and_keeps_the_typed_text(
    client, auth, make_user, make_standard, session
):
    standard = make_standard()
    other = make_user(Role.COMMITTEE, name="Other Member")
    node = _first_criterion(session, standard)
    editing.save_clause(
        session,
        other,
        node.revision.clause,
        based_on_id=node.revision.id,
        kind="criterion",
        number="1.1",
        heading="Criterion 1",
        body="The Entity shall report on topic 1 every month, where practicable.",
    )
    session.flush()
    auth.sign_in(make_user(Role.COMMITTEE))
    path = f"/clauses/{node.uid}/edit"
    mine = "The Entity shall report on topic 1 every week, where practicable."
    response = client.post(
        path,
        data={
            "kind": "criterion",
            "number": "1.1",
            "heading": "Criterion 1",
            "body": mine,
            "message": "",
            "based_on": str(node.revision.id),
            "csrf_token": csrf_token(client, path),
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else changed the same text" in page
    assert mine in page  # the textarea still holds what was typed
    assert "Other Member" in page
    assert len(service.clause_history(session, node.revision.clause)) == 2


def test_oversize_and_empty_input_is_refused(client, auth, make_user, make_standard, session, app):
    standard = make_standard()
    auth.sign_in(make_user(Role.COMMITTEE))
    node = _first_criterion(session, standard)
    path = f"/clauses/{node.uid}/edit"
    token = csrf_token(client, path)
    big = client.post(
        path,
        data={
            "kind": "criterion",
            "number": "1.1",
            "heading": "x",
            "body": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1),
            "based_on": str(node.revision.id),
            "csrf_token": token,
        },
    )
    assert big.status_code == 413 and "Too much text" in big.get_data(as_text=True)
    long = client.post(
        path,
        data={
            "kind": "criterion",
            "number": "1.1",
            "heading": "x",
            "body": "x" * 20_001,
            "based_on": str(node.revision.id),
            "csrf_token": token,
        },
    )
    assert long.status_code == 422 and "too long" in long.get_data(as_text=True)
    empty = client.post(
        f"/standards/{standard.slug}/clauses/new",
        data={
            "kind": "criterion",
            "number": "",
            "heading": "",
            "body": "",
            "parent": "",
            "csrf_token": token,
        },
    )
    assert empty.status_code == 422
    assert "number or a heading" in empty.get_data(as_text=True)
    assert len(service.clause_history(session, node.revision.clause)) == 1


def test_secretariat_creates_a_standard_and_duplicate_slug_is_refused(client, auth, make_user):
    auth.sign_in(make_user(Role.SECRETARIAT))
    data = {
        "title": "Chain of Custody",
        "slug": "chain-of-custody",
        "uid_prefix": "CC",
        "summary": "",
        "csrf_token": csrf_token(client, "/standards"),
    }
    assert client.post("/standards", data=data).status_code == 302
    again = client.post("/standards", data=data)
    assert again.status_code == 422 and "already exists" in again.get_data(as_text=True)
    empty = client.post("/standards", data={**data, "title": "", "slug": "other"})
    assert empty.status_code == 422


def test_public_cannot_create_standards_or_see_working_draft(
    client, auth, make_user, make_standard
):
    standard = make_standard()
    assert client.get(f"/standards/{standard.slug}/versions/working").status_code == 403
    auth.sign_in(make_user())
    response = client.post(
        "/standards",
        data={
            "title": "Nope",
            "slug": "nope",
            "uid_prefix": "NO",
            "csrf_token": csrf_token(client, "/standards"),
        },
    )
    assert response.status_code == 403
    assert client.get(f"/standards/{standard.slug}/versions/working").status_code == 403


def test_freeze_gives_a_permanent_page(client, auth, make_user, make_standard):
    standard = make_standard()
    auth.sign_in(make_user(Role.SECRETARIAT))
    path = f"/standards/{standard.slug}"
    response = client.post(
        f"{path}/freeze",
        data={"label": "1.0-draft-1", "note": "First", "csrf_token": csrf_token(client, path)},
    )
    assert response.status_code == 302
    auth.sign_out()
    page = client.get(f"{path}/versions/1.0-draft-1")
    assert page.status_code == 200 and "Criterion 3" in page.get_data(as_text=True)
    assert client.get(f"{path}/versions/nope").status_code == 404


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        "[click](javascript:alert(1))",
        '<img src=x onerror="alert(1)">',
        "[x](JaVaScRiPt:alert(1))",
    ],
)
def test_clause_markdown_is_rendered_safely(
    client, auth, make_user, make_standard, session, payload
):
    standard = make_standard()
    member = make_user(Role.COMMITTEE)
    node = _first_criterion(session, standard)
    editing.save_clause(
        session,
        member,
        node.revision.clause,
        based_on_id=node.revision.id,
        kind="criterion",
        number="1.1",
        heading="Criterion 1",
        body=payload,
    )
    session.flush()
    auth.sign_in(member)
    page = client.get(f"/standards/{standard.slug}/versions/working").get_data(as_text=True)
    assert "<script>alert" not in page and "<img" not in page
    assert 'href="javascript:' not in page.lower()


def test_api_lists_standards_and_versions(client, make_standard, make_user, session, auth):
    standard = make_standard()
    service.freeze(session, make_user(Role.SECRETARIAT), standard, label="v1")
    session.flush()
    listing = client.get("/api/v1/standards").get_json()
    entry = next(s for s in listing["standards"] if s["slug"] == standard.slug)
    assert entry["versions"][0]["label"] == "v1"
    doc = client.get(f"/api/v1/standards/{standard.slug}/versions/v1").get_json()
    assert [c["number"] for c in doc["clauses"]] == ["1", "1.1", "1.2", "1.3"]
    assert doc["clauses"][1]["parent_uid"] == doc["clauses"][0]["uid"]
    assert doc["clauses"][1]["kind"] == "criterion"
    working = client.get(f"/api/v1/standards/{standard.slug}/versions/working")
    assert working.status_code == 403 and working.get_json()["error"]["status"] == 403
    assert client.get("/api/v1/standards/none/versions/v1").status_code == 404
    auth.sign_in(make_user(Role.COMMITTEE))
    working = client.get(f"/api/v1/standards/{standard.slug}/versions/working").get_json()
    assert working["version"]["state"] == "working"


def test_openapi_document_is_valid(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    validate(doc)
    assert "/standards/{slug}/versions/{label}" in doc["paths"]


def test_security_headers(client):
    response = client.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_add_move_renumber_and_delete_through_the_pages(
    client, auth, make_user, make_standard, session
):
    standard = make_standard(clauses=2)
    auth.sign_in(make_user(Role.COMMITTEE))
    principle = service.working_draft(session, standard)[0].uid
    add = f"/standards/{standard.slug}/clauses/new"
    response = client.post(
        add,
        data={
            "parent": principle,
            "index": "1",
            "kind": "criterion",
            "number": "1.9",
            "heading": "Inserted first",
            "body": "New text.",
            "message": "Added in review",
            "csrf_token": csrf_token(client, add),
        },
    )
    assert response.status_code == 302
    new_uid = response.headers["Location"].rsplit("/", 1)[1]
    numbers = [n.revision.number for n in service.working_draft(session, standard)]
    assert numbers == ["1", "1.9", "1.1", "1.2"]
    unknown = client.post(
        add,
        data={
            "parent": "T1-ffff",
            "kind": "criterion",
            "number": "2",
            "heading": "Lost",
            "csrf_token": csrf_token(client, add),
        },
    )
    assert unknown.status_code == 422 and "not in this draft" in unknown.get_data(as_text=True)

    move = f"/clauses/{new_uid}/move"
    response = client.post(
        move,
        data={
            "parent": "",
            "index": "",
            "message": "Promoted",
            "csrf_token": csrf_token(client, move),
        },
    )
    assert response.status_code == 302
    renumber = f"/standards/{standard.slug}/renumber"
    assert (
        client.post(
            renumber,
            data={"csrf_token": csrf_token(client, f"/standards/{standard.slug}/versions/working")},
        ).status_code
        == 302
    )
    nodes = service.working_draft(session, standard)
    assert [(n.depth, n.revision.number) for n in nodes] == [
        (0, "1"),
        (1, "1.1"),
        (1, "1.2"),
        (0, "2"),
    ]
    delete = f"/clauses/{new_uid}/delete"
    response = client.post(
        delete,
        data={"message": "Not needed", "csrf_token": csrf_token(client, f"/clauses/{new_uid}")},
    )
    assert response.status_code == 302
    assert [n.revision.number for n in service.working_draft(session, standard)] == [
        "1",
        "1.1",
        "1.2",
    ]
    history = client.get(f"/clauses/{new_uid}").get_data(as_text=True)
    assert "deleted from the working draft" in history and "Not needed" in history


def test_clause_pages_are_for_the_committee(client, auth, make_user, make_standard, session):
    standard = make_standard()
    uid = service.working_draft(session, standard)[1].uid
    assert client.get(f"/clauses/{uid}").status_code == 404
    assert client.get(f"/clauses/{uid}/edit").status_code == 302  # to sign in
    auth.sign_in(make_user())
    assert client.get(f"/clauses/{uid}/edit").status_code == 403
    assert client.get(f"/clauses/{uid}/compare").status_code == 404
