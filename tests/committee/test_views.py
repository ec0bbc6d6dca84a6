"""The committee pages and the public record API through the HTTP client."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.auth.models import Role
from app.committee import ballots, dispositions, synopsis
from app.committee.models import Disposition
from app.database import utcnow
from app.drafting.models import ClauseRevision
from tests.conftest import csrf_token


def _two_drafts(make_standard, freeze, clause_of, edit):
    standard = make_standard()
    freeze(standard, "d1")
    edit(clause_of(standard, "1.2"), "The Entity shall report on topic 2 every quarter.")
    freeze(standard, "d2")
    return standard


def test_public_compares_frozen_versions(client, make_standard, freeze, clause_of, edit):
    standard = _two_drafts(make_standard, freeze, clause_of, edit)
    page = client.get(f"/standards/{standard.slug}").get_data(as_text=True)
    assert 'id="compare-form"' in page and 'name="from"' in page and 'name="to"' in page
    response = client.get(f"/standards/{standard.slug}/compare?from=d1&to=d2&mode=inline")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<ins class="diff-ins">quarter</ins>' in text
    assert 'data-count="changed">1<' in text
    assert client.get(f"/standards/{standard.slug}/compare?from=d1&to=working").status_code == 404
    assert client.get(f"/standards/{standard.slug}/compare?from=d1&to=nope").status_code == 404


def test_committee_compares_with_the_working_draft(
    client, auth, member, make_standard, freeze, clause_of, edit
):
    standard = _two_drafts(make_standard, freeze, clause_of, edit)
    edit(clause_of(standard, "1.3"), "Rewritten in the working draft.")
    auth.sign_in(member)
    text = client.get(f"/standards/{standard.slug}/compare?from=d2&to=working").get_data(
        as_text=True
    )
    assert "Rewritten" in text and 'data-count="changed">1<' in text


def test_member_answers_a_comment_and_agrees(
    client,
    auth,
    session,
    member,
    second_member,
    make_standard,
    freeze,
    make_round,
    make_comment,
    clause_of,
):
    standard = make_standard()
    round_ = make_round(freeze(standard, "d1"), number=1)
    comment = make_comment(round_, clause_of(standard, "1.1"), quote="every year")
    auth.sign_in(member)
    path = f"/committee/comments/{comment.id}"
    page = client.get(path).get_data(as_text=True)
    assert 'id="disposition-form"' in page and 'data-status="anchored"' in page
    response = client.post(
        path, data={"decision": "accepted", "response": "", "csrf_token": csrf_token(client, path)}
    )
    assert response.status_code == 422
    assert "Write the response" in response.get_data(as_text=True)
    response = client.post(
        path,
        data={
            "decision": "accepted",
            "response": "Done in d2.",
            "csrf_token": csrf_token(client, path),
        },
    )
    assert response.status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert 'id="agree-form"' not in page and 'id="agree-hint"' in page
    response = client.post(f"{path}/agree", data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 409
    assert not dispositions.current(session, comment).agreed
    auth.sign_out()
    auth.sign_in(second_member)
    assert 'id="agree-form"' in client.get(path).get_data(as_text=True)
    response = client.post(f"{path}/agree", data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 302
    current = dispositions.current(session, comment)
    assert current.agreed and current.response == "Done in d2."
    dashboard = client.get(f"/committee/rounds/{round_.id}").get_data(as_text=True)
    assert 'data-count="lacking">0<' in dashboard
    assert client.get("/committee").status_code == 200
    clause_page = client.get(f"/committee/clauses/{comment.clause.uid}/comments")
    assert "Done in d2." in clause_page.get_data(as_text=True)


def test_committee_pages_are_closed_to_the_public(
    client, auth, make_user, make_standard, freeze, make_round, make_comment
):
    round_ = make_round(freeze(make_standard(), "d1"))
    comment = make_comment(round_, None)
    assert client.get("/committee").status_code == 302  # to sign in
    auth.sign_in(make_user())
    assert client.get(f"/committee/comments/{comment.id}").status_code == 403
    assert client.get(f"/committee/rounds/{round_.id}").status_code == 403


def test_revise_clause_and_link_the_disposition_in_one_step(
    client, auth, session, member, make_standard, freeze, make_round, make_comment, clause_of
):
    standard = make_standard()
    round_ = make_round(freeze(standard, "d1"), number=1)
    clause = clause_of(standard, "1.1")
    comment = make_comment(round_, clause, quote="every year")
    auth.sign_in(member)
    path = f"/committee/comments/{comment.id}/revise"
    response = client.post(
        path,
        data={
            "kind": "criterion",
            "number": "1.1",
            "heading": "Criterion 1",
            "body": "The Entity shall report on topic 1 every quarter.",
            "message": "Per comment",
            "based_on": str(clause.head_revision_id),
            "decision": "accepted",
            "response": "Now quarterly.",
            "csrf_token": csrf_token(client, path),
        },
    )
    assert response.status_code == 302
    session.expire_all()
    row = session.scalar(select(Disposition).where(Disposition.comment_id == comment.id))
    head = session.get(ClauseRevision, clause.head_revision_id)
    assert row.addressed_by_revision_id == head.id and head.seq == 2
    missing = client.post(
        path,
        data={
            "kind": "criterion",
            "number": "1.1",
            "heading": "Criterion 1",
            "body": "Other text.",
            "based_on": str(head.id),
            "decision": "accepted",
            "response": "",
            "csrf_token": csrf_token(client, path),
        },
    )
    assert missing.status_code == 422
    session.expire_all()
    # nothing saved when the answer is incomplete
    assert session.get(ClauseRevision, clause.head_revision_id).seq == 2


def test_bulk_duplicates_then_a_meeting_agrees_them(
    client, auth, session, member, make_standard, freeze, make_round, make_comment, clause_of
):
    standard = make_standard()
    round_ = make_round(freeze(standard, "d1"), number=1)
    clause = clause_of(standard, "1.1")
    original, a, b = (make_comment(round_, clause) for _ in range(3))
    auth.sign_in(member)
    path = f"/committee/rounds/{round_.id}"
    response = client.post(
        f"{path}/duplicates",
        data={
            "original": original.id,
            "response": "See the first comment.",
            "comment_ids": [str(a.id), str(b.id)],
            "csrf_token": csrf_token(client, path),
        },
    )
    assert response.status_code == 302
    assert not any(dispositions.current(session, c).agreed for c in (a, b))
    form = {"comment_ids": [str(a.id), str(b.id)], "minutes_ref": "SC-2027-03, item 4"}
    response = client.post(
        f"{path}/agreements", data={**form, "csrf_token": csrf_token(client, path)}
    )
    assert response.status_code == 302
    assert "Give the date of the committee meeting." in client.get(path).get_data(as_text=True)
    assert not any(dispositions.current(session, c).agreed for c in (a, b))
    held_on = utcnow().date().isoformat()
    response = client.post(
        f"{path}/agreements",
        data={**form, "meeting_on": held_on, "csrf_token": csrf_token(client, path)},
    )
    assert response.status_code == 302
    assert "2 dispositions recorded as agreed" in client.get(path).get_data(as_text=True)
    assert all(dispositions.current(session, c).agreed for c in (a, b))
    page = client.get(f"/committee/comments/{a.id}").get_data(as_text=True)
    assert 'id="meeting-record"' in page and "SC-2027-03, item 4" in page


def test_synopsis_page_and_api(
    client,
    auth,
    session,
    member,
    secretariat,
    make_standard,
    freeze,
    make_round,
    make_comment,
    clause_of,
    second_member,
):
    standard = make_standard()
    round_ = make_round(freeze(standard, "d1"), number=1)
    comment = make_comment(round_, clause_of(standard, "1.1"), body="Please say quarterly.")
    page = client.get(f"/consultations/{round_.id}/synopsis").get_data(as_text=True)
    assert 'data-published="false"' in page and "0 of 1 comments" in page
    assert client.get(f"/api/v1/rounds/{round_.id}/synopsis").status_code == 404
    dispositions.draft(session, member, comment, decision="accepted", response="Quarterly now.")
    dispositions.agree(session, second_member, comment)
    auth.sign_in(secretariat)
    path = f"/consultations/{round_.id}/synopsis"
    response = client.post(f"{path}/publish", data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 302
    auth.sign_out()
    page = client.get(path).get_data(as_text=True)
    assert 'data-published="true"' in page and "Quarterly now." in page
    data = client.get(f"/api/v1/rounds/{round_.id}/synopsis").get_json()
    assert data["entries"][0]["disposition"]["response"] == "Quarterly now."
    assert data["entries"][0]["comment"]["body"] == "Please say quarterly."
    assert data["counts"]["by_decision"] == {"accepted": 1}


def test_vote_through_the_form_and_closed_ballot_in_api(
    client, auth, session, secretariat, make_user, make_standard, freeze
):
    voters = [make_user(Role.COMMITTEE) for _ in range(2)]
    version = freeze(make_standard(), "d1")
    ballot = ballots.open_ballot(
        session,
        secretariat,
        version,
        question_kind="another-round",
        question="Another round?",
        closes_at=utcnow() + dt.timedelta(hours=1),
    )
    auth.sign_in(voters[0])
    path = f"/ballots/{ballot.id}"
    page = client.get(path).get_data(as_text=True)
    assert 'id="vote-form"' in page and 'name="choice"' in page and 'name="reason"' in page
    response = client.post(
        f"{path}/vote", data={"choice": "no", "reason": "", "csrf_token": csrf_token(client, path)}
    )
    assert response.status_code == 422
    response = client.post(
        f"{path}/vote", data={"choice": "yes", "reason": "", "csrf_token": csrf_token(client, path)}
    )
    assert response.status_code == 302
    assert 'id="my-vote"' in client.get(path).get_data(as_text=True)
    assert client.get(f"/api/v1/ballots/{ballot.id}").status_code == 404  # still open
    ballots.close(session, ballot, ballot.closes_at)
    session.flush()
    page = client.get(path).get_data(as_text=True)
    assert 'data-outcome="carried"' in page and 'id="vote-form"' not in page
    data = client.get(f"/api/v1/ballots/{ballot.id}").get_json()["ballot"]
    assert data["outcome"] == "carried" and data["tally"]["yes"] == 1
    assert data["rules"] == {"quorum": "1/2", "threshold": "2/3", "abstentions_counted": False}
    assert sorted(r["choice"] or "-" for r in data["roll"]) == ["-", "yes"]
    assert [b["id"] for b in client.get("/api/v1/ballots").get_json()["ballots"]] == [ballot.id]


def test_secretariat_opens_a_ballot_through_the_form(
    client, auth, session, secretariat, member, make_standard, freeze
):
    version = freeze(make_standard(), "d1")
    auth.sign_in(secretariat)
    path = f"/ballots/new?version={version.id}"
    page = client.get(path).get_data(as_text=True)
    assert 'id="adoption-flags"' in page and "flag-few-rounds" in page
    closes = (utcnow() + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "version": str(version.id),
        "question_kind": "adopt",
        "question": "Adopt d1?",
        "closes_at": closes,
        "quorum": "1/2",
        "threshold": "2/3",
        "csrf_token": csrf_token(client, path),
    }
    response = client.post(path, data=data)
    assert response.status_code == 422
    assert 'id="justification-error"' in response.get_data(as_text=True)
    data["justification"] = "The earlier edition's rounds were held on paper."
    response = client.post(path, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="justification"' in page and "held on paper" in page
    assert client.get("/ballots").status_code == 200


def test_openapi_lists_the_public_record():
    from app.api.openapi import document

    paths = document()["paths"]
    assert {"/rounds/{id}/synopsis", "/ballots", "/ballots/{id}"} <= set(paths)


def test_responses_for_author_only_after_publication(
    session, member, secretariat, make_standard, freeze, make_round, make_comment, second_member
):
    round_ = make_round(freeze(make_standard(), "d1"))
    comment = make_comment(round_, None)
    dispositions.draft(session, member, comment, decision="noted", response="Thanks.")
    dispositions.agree(session, second_member, comment)
    author = comment.submission.author
    assert synopsis.responses_for_author(session, author) == {}
    synopsis.publish(session, secretariat, round_)
    assert set(synopsis.responses_for_author(session, author)) == {comment.id}


def test_a_due_ballot_reads_as_closed_without_a_write(
    client, session, secretariat, make_user, make_standard, freeze, runner
):
    from sqlalchemy import event

    from app.committee.models import Ballot
    from app.extensions import db as database

    make_user(Role.COMMITTEE)
    version = freeze(make_standard(), "d1")
    opened = utcnow() - dt.timedelta(days=2)
    ballot = ballots.open_ballot(
        session,
        secretariat,
        version,
        question_kind="another-round",
        question="Another round?",
        closes_at=opened + dt.timedelta(days=1),
        now=opened,
    )
    session.commit()
    writes: list[str] = []

    def listen(conn, cursor, statement, *args):
        if statement.lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            writes.append(statement)

    event.listen(database.engine, "before_cursor_execute", listen)
    try:
        page = client.get(f"/ballots/{ballot.id}").get_data(as_text=True)
        listing = client.get("/api/v1/ballots").get_json()["ballots"]
        record = client.get(f"/api/v1/ballots/{ballot.id}").get_json()["ballot"]
    finally:
        event.remove(database.engine, "before_cursor_execute", listen)
    assert 'data-outcome="no-quorum"' in page and 'id="vote-form"' not in page
    assert [b["id"] for b in listing] == [ballot.id]
    assert record["outcome"] == "no-quorum"
    assert writes == []
    session.expire_all()
    assert session.get(Ballot, ballot.id).closed_at is None
    result = runner.invoke(args=["ballots", "close-due"])
    assert f"ballot {ballot.id}: no-quorum" in result.output
    session.expire_all()
    assert session.get(Ballot, ballot.id).closed_at == ballot.closes_at


def test_comments_follow_a_replaced_clause_to_its_successor_page(
    client, auth, session, member, make_standard, freeze, make_round, make_comment, clause_of
):
    from app.auth.permissions import SYSTEM
    from app.drafting import editing
    from app.loading import ensure_loaded

    standard = make_standard()
    round_ = make_round(freeze(standard, "d1"), number=1)
    old = clause_of(standard, "1.2")
    moved_passage = make_comment(round_, clause_of(standard, "1.1"), quote="topic 1 every year")
    on_old = make_comment(round_, old)
    text = ensure_loaded(session, old, "head").head.body
    editing.delete_clause(session, SYSTEM, old)
    new = editing.add_clause(
        session, SYSTEM, standard, kind="criterion", number="1.2", heading="Reporting", body=text
    )
    editing.save_clause(
        session,
        SYSTEM,
        clause_of(standard, "1.1"),
        based_on_id=clause_of(standard, "1.1").head_revision_id,
        kind="criterion",
        number="1.1",
        heading="Criterion 1",
        body="This clause now says something else.",
    )
    third = clause_of(standard, "1.3")
    editing.save_clause(
        session,
        SYSTEM,
        third,
        based_on_id=third.head_revision_id,
        kind="criterion",
        number="1.3",
        heading="Criterion 3",
        body="The Entity shall report on topic 3, and on topic 1 every year.",
    )
    session.flush()
    auth.sign_in(member)
    page = client.get(f"/committee/clauses/{new.clause.uid}/comments").get_data(as_text=True)
    assert 'id="arrivals"' in page
    assert f'id="comment-{on_old.id}"' in page and "made on 1.2 Criterion 2" in page
    third_page = client.get(f"/committee/clauses/{third.uid}/comments").get_data(as_text=True)
    assert (
        f'id="comment-{moved_passage.id}"' in third_page and "made on 1.1 Criterion 1" in third_page
    )
    assert f'id="comment-{on_old.id}"' not in third_page
    comment_page = client.get(f"/committee/comments/{on_old.id}").get_data(as_text=True)
    assert "replaced by a new clause with the same text" in comment_page
    assert "1.2 Reporting" in comment_page
    old_page = client.get(f"/committee/clauses/{old.uid}/comments").get_data(as_text=True)
    assert f'id="comment-{on_old.id}"' in old_page and 'id="arrivals"' not in old_page
