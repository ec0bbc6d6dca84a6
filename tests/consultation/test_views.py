"""The consultation pages through the HTTP client: reading, commenting, submitting, moderating."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import event, select

from app.auth.models import Role
from app.auth.permissions import SYSTEM
from app.consultation import service
from app.consultation.models import Comment, Submission, SubmissionStatus
from app.database import utcnow
from app.drafting.models import Clause, ClauseRevision, Standard, Version, VersionEntry
from app.extensions import db as database
from app.extensions import limiter
from tests.conftest import csrf_token


def _post_comment(client, round_, **data):
    path = f"/consultations/{round_.id}/comment"
    values = {
        "clause_uid": "",
        "comment_type": "general",
        "body": "A comment.",
        "proposed_change": "",
        "passage": "",
        "anchor_exact": "",
        "anchor_prefix": "",
        "anchor_suffix": "",
        "anchor_start": "",
        "anchor_end": "",
    }
    values.update(data)
    values.setdefault("csrf_token", csrf_token(client, f"/consultations/{round_.id}/comment"))
    return client.post(path, data=values)


def test_anyone_reads_the_draft_with_contents_counts_and_how_to_take_part(
    client, session, make_round, commenter, file_comment, uid_of
):
    round_ = make_round(days=30)
    uid = uid_of(round_, "1.1")
    file_comment(commenter, round_, clause_uid=uid)
    page = client.get(f"/consultations/{round_.id}").get_data(as_text=True)
    assert '<nav class="toc"' in page
    assert f'data-clause-uid="{uid}">' in page
    assert "1 comment" in page
    assert "29 days left" in page or "30 days left" in page
    assert "How to take part" in page
    assert "shorter than the 60 days" in page
    assert 'id="comment-form"' not in page  # anonymous: sign in first
    assert "/sign-in?next=" in page


def test_clause_body_markup_matches_the_plain_text_offsets(
    client, session, make_round, tricky_standard, uid_of, auth, commenter
):
    """The body element holds only the rendered Markdown, so its textContent is plain_text."""
    round_ = make_round(tricky_standard)
    uid = uid_of(round_, "1.3")
    auth.sign_in(commenter)
    page = client.get(f"/consultations/{round_.id}").get_data(as_text=True)
    rendered = re.search(
        rf'<div class="clause-body" data-clause-uid="{uid}">(.*?)</div>\n', page, re.S
    ).group(1)
    from app.text.markdown import render_markdown

    assert rendered == str(render_markdown(service.version_clause(session, round_, uid).body))
    for name in ("anchor_exact", "anchor_prefix", "anchor_suffix", "anchor_start", "anchor_end"):
        assert f'name="{name}"' in page
    assert re.search(r"<select[^>]*id=\"clause_uid\"[^>]*name=\"clause_uid\"", page)
    assert "js/annotate.js" in page


def test_comment_submit_receipt_flow(client, session, make_round, auth, commenter, uid_of):
    round_ = make_round()
    uid = uid_of(round_, "1.2")
    auth.sign_in(commenter)
    text = "The Entity shall report on topic 2 every year, where practicable.\n"
    start = text.index("every year")
    response = _post_comment(
        client,
        round_,
        clause_uid=uid,
        body="Say *when* in the year.",
        comment_type="technical",
        proposed_change="by 31 March",
        anchor_exact="every year",
        anchor_prefix=text[:start],
        anchor_suffix=text[start + 10 :],
        anchor_start=str(start),
        anchor_end=str(start + 10),
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/consultations/{round_.id}/submission")
    draft_page = client.get(f"/consultations/{round_.id}/submission").get_data(as_text=True)
    assert "Say <em>when</em> in the year." in draft_page
    assert '<mark class="anchor">every year</mark>' in draft_page
    path = f"/consultations/{round_.id}/submission"
    response = client.post(
        path,
        data={
            "kind": "organisation",
            "organisation": "Rivers Watch",
            "consent_publish_name": "y",
            "csrf_token": csrf_token(client, path),
        },
    )
    assert response.status_code == 302
    response = client.post(
        f"/consultations/{round_.id}/submission/submit",
        data={"csrf_token": csrf_token(client, path)},
    )
    assert response.status_code == 302
    receipt = f"{round_.standard.uid_prefix}-R{round_.number}-0001"
    assert response.headers["Location"].endswith(f"/submissions/{receipt}")
    page = client.get(f"/submissions/{receipt}").get_data(as_text=True)
    assert f'id="receipt">{receipt}<' in page
    assert "Cora Commenter on behalf of Rivers Watch" in page
    mine = client.get("/my/submissions").get_data(as_text=True)
    assert receipt in mine
    public = client.get(f"/consultations/{round_.id}/comments").get_data(as_text=True)
    assert "Cora Commenter on behalf of Rivers Watch" in public
    response = client.post(
        f"/submissions/{receipt}/withdraw",
        data={
            "reason": "Changed my mind",
            "csrf_token": csrf_token(client, f"/submissions/{receipt}"),
        },
    )
    assert response.status_code == 302
    assert "on behalf of Rivers Watch" not in client.get(
        f"/consultations/{round_.id}/comments"
    ).get_data(as_text=True)
    submission = session.scalar(select(Submission).where(Submission.receipt == receipt))
    session.refresh(submission)
    assert submission.status == SubmissionStatus.WITHDRAWN


def test_keyboard_path_pastes_the_passage(client, session, make_round, auth, commenter, uid_of):
    round_ = make_round()
    uid = uid_of(round_, "1.1")
    auth.sign_in(commenter)
    form = client.get(f"/consultations/{round_.id}/comment?clause={uid}").get_data(as_text=True)
    assert f'data-clause-uid="{uid}"' in form
    assert f'<option selected value="{uid}">' in form
    response = _post_comment(client, round_, clause_uid=uid, passage="topic 1 every year")
    assert response.status_code == 302
    comment = session.scalar(select(Comment).order_by(Comment.id.desc()))
    assert (comment.anchor_exact, comment.anchor_start) == ("topic 1 every year", 27)
    missing = _post_comment(client, round_, clause_uid=uid, passage="not in the clause")
    assert missing.status_code == 422
    assert "We could not find this passage" in missing.get_data(as_text=True)


def test_server_refuses_comments_after_closing_whatever_the_client_sends(
    client, session, make_round, auth, commenter
):
    round_ = make_round(days=10, opened=dt.timedelta(days=20))
    auth.sign_in(commenter)
    token = csrf_token(client, f"/consultations/{round_.id}")
    response = _post_comment(client, round_, csrf_token=token)
    assert response.status_code == 409
    assert "closed on" in response.get_data(as_text=True)
    response = client.post(
        f"/consultations/{round_.id}/submission/submit", data={"csrf_token": token}
    )
    assert response.status_code == 409
    assert session.scalar(select(Comment.id)) is None


def test_forms_without_csrf_token_are_refused(client, session, make_round, auth, commenter):
    round_ = make_round()
    auth.sign_in(commenter)
    response = _post_comment(client, round_, csrf_token="")
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert session.scalar(select(Comment.id)) is None


XSS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "[click](javascript:alert(1))",
    "<svg/onload=alert(1)>",
]


@pytest.mark.parametrize("payload", XSS)
def test_xss_payloads_in_every_text_field_are_inert(
    client, session, make_round, auth, make_user, uid_of, payload, secretariat
):
    round_ = make_round()
    uid = uid_of(round_, "1.1")
    ipaf = make_user(Role.IPAF, name=payload)
    auth.sign_in(ipaf)
    assert (
        _post_comment(
            client, round_, clause_uid=uid, body=payload, proposed_change=payload, passage="topic 1"
        ).status_code
        == 302
    )
    not_found = _post_comment(client, round_, clause_uid=uid, body="x", passage=payload)
    assert not_found.status_code == 422
    path = f"/consultations/{round_.id}/submission"
    client.post(
        path,
        data={
            "kind": "formal",
            "organisation": payload,
            "cover_statement": payload,
            "consent_publish_name": "y",
            "csrf_token": csrf_token(client, path),
        },
    )
    response = client.post(f"{path}/submit", data={"csrf_token": csrf_token(client, path)})
    receipt = response.headers["Location"].rsplit("/", 1)[1]
    client.post(
        f"/submissions/{receipt}/withdraw",
        data={"reason": payload, "csrf_token": csrf_token(client, f"/submissions/{receipt}")},
    )
    pages = [not_found.get_data(as_text=True)]
    for url in (
        path,
        f"/submissions/{receipt}",
        "/my/submissions",
        f"/consultations/{round_.id}/comments",
    ):
        pages.append(client.get(url).get_data(as_text=True))
    auth.sign_out()
    auth.sign_in(secretariat)
    comment = session.scalar(select(Comment).where(Comment.body == payload))
    moderate = f"/consultations/{round_.id}/comments/{comment.id}/moderate"
    client.post(
        moderate,
        data={
            "action": "hide",
            "reason": payload,
            "csrf_token": csrf_token(client, f"/consultations/{round_.id}/comments"),
        },
    )
    pages.append(client.get(f"/consultations/{round_.id}/comments").get_data(as_text=True))
    for page in pages:
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "<svg/onload" not in page
        assert 'href="javascript:' not in page


def test_xss_in_round_title_and_summary_is_inert(client, make_round, make_standard, session):
    round_ = make_round(title='<script>alert("t")</script>')
    round_.summary = "<img src=x onerror=alert(1)> [x](javascript:alert(1))"
    session.flush()
    for url in ("/", "/consultations", f"/consultations/{round_.id}"):
        page = client.get(url).get_data(as_text=True)
        assert '<script>alert("t")' not in page and "<img src=x" not in page
        assert 'href="javascript:' not in page


def test_secretariat_opens_a_round_from_the_form_and_sees_the_flags(
    client, session, make_standard, auth, secretariat, commenter
):
    standard = make_standard()
    from app.drafting import service as drafting

    drafting.freeze(session, SYSTEM, standard, label="v1")
    session.flush()
    auth.sign_in(commenter)
    assert client.get("/consultations/new").status_code == 403
    auth.sign_out()
    auth.sign_in(secretariat)
    response = client.post(
        "/consultations/new",
        data={
            "version": f"{standard.slug}|v1",
            "title": "First round",
            "summary": "Read it.",
            "opens_at": "2030-03-01T09:00",
            "closes_at": "2030-03-31T09:00",
            "timezone": "Europe/Paris",
            "visibility": "after-close",
            "audiences": "",
            "csrf_token": csrf_token(client, "/consultations/new"),
        },
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Round 1 is set up." in page
    assert "shorter than the 60 days" in page
    round_ = service.rounds_for_standard(session, standard)[0]
    assert round_.opens_at == dt.datetime(2030, 3, 1, 8, 0, tzinfo=dt.UTC)
    bad = client.post(
        "/consultations/new",
        data={
            "version": f"{standard.slug}|v1",
            "title": "Backwards",
            "opens_at": "2030-03-31T09:00",
            "closes_at": "2030-03-01T09:00",
            "timezone": "UTC",
            "visibility": "live",
            "csrf_token": csrf_token(client, "/consultations/new"),
        },
    )
    assert bad.status_code == 422
    assert "must close after it opens" in bad.get_data(as_text=True)


def test_receipt_pages_are_private(
    client, session, make_round, commenter, file_comment, auth, make_user, member
):
    round_ = make_round()
    receipt = file_comment(commenter, round_).submission.receipt
    assert client.get(f"/submissions/{receipt}").status_code == 302  # sign in first
    auth.sign_in(make_user())
    assert client.get(f"/submissions/{receipt}").status_code == 404
    auth.sign_out()
    auth.sign_in(member)
    assert client.get(f"/submissions/{receipt}").status_code == 200


def test_moderation_through_the_record_page(
    client, session, make_round, commenter, file_comment, auth, secretariat, make_user
):
    round_ = make_round()
    comment = file_comment(commenter, round_, body="Phone 0123 456789")
    url = f"/consultations/{round_.id}/comments/{comment.id}/moderate"
    record = f"/consultations/{round_.id}/comments"
    auth.sign_in(make_user())
    assert (
        client.post(url, data={"reason": "x", "csrf_token": csrf_token(client, record)}).status_code
        == 403
    )
    auth.sign_out()
    auth.sign_in(secretariat)
    empty = client.post(
        url, data={"action": "hide", "reason": "", "csrf_token": csrf_token(client, record)}
    )
    assert empty.status_code == 422
    assert "Give the reason" in empty.get_data(as_text=True)
    response = client.post(
        url,
        data={
            "action": "hide",
            "reason": "Personal data",
            "csrf_token": csrf_token(client, record),
        },
    )
    assert response.status_code == 302
    staff_page = client.get(record).get_data(as_text=True)
    assert "Hidden from the public:" in staff_page and "Personal data" in staff_page
    auth.sign_out()
    assert "Phone 0123" not in client.get(record).get_data(as_text=True)


def test_write_rate_limit_answers_429_with_a_message(
    client, app, session, make_round, auth, commenter, monkeypatch
):
    round_ = make_round()
    auth.sign_in(commenter)
    token = csrf_token(client, f"/consultations/{round_.id}")
    monkeypatch.setitem(app.config, "RATE_LIMIT_PUBLIC_WRITE", "2 per minute")
    limiter.enabled = True
    limiter.reset()
    try:
        statuses = [_post_comment(client, round_, csrf_token=token).status_code for _ in range(3)]
        limited = _post_comment(client, round_, csrf_token=token)
    finally:
        limiter.reset()
        limiter.enabled = False
    assert statuses == [302, 302, 429]
    assert limited.status_code == 429
    assert "too many requests" in limited.get_data(as_text=True)
    assert client.get(f"/consultations/{round_.id}").status_code == 200


def test_oversized_requests_and_fields_are_refused_clearly(
    client, app, session, make_round, auth, commenter, monkeypatch
):
    round_ = make_round()
    auth.sign_in(commenter)
    token = csrf_token(client, f"/consultations/{round_.id}")
    monkeypatch.setitem(app.config, "MAX_COMMENT_CHARS", 100)
    too_long = _post_comment(client, round_, body="x" * 101, csrf_token=token)
    assert too_long.status_code == 422
    assert "101 characters, 100 at most" in too_long.get_data(as_text=True)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    huge = _post_comment(client, round_, body="x" * 5000, csrf_token=token)
    assert huge.status_code == 413
    assert "larger than we accept" in huge.get_data(as_text=True)
    assert session.scalar(select(Comment.id)) is None


def test_a_600_clause_draft_renders_with_a_bounded_number_of_queries(
    client, session, make_user, commenter, file_comment
):
    standard = Standard(slug="big-standard", title="Big", uid_prefix="BG")
    session.add(standard)
    session.flush()
    version = Version(standard_id=standard.id, label="v1", title="Big", summary="")
    session.add(version)
    session.flush()
    parent = None
    for i in range(600):
        clause = Clause(uid=f"BG-{i:04x}", standard_id=standard.id)
        session.add(clause)
        session.flush()
        depth = 0 if i % 20 == 0 else 1
        parent = clause if depth == 0 else parent
        rev = ClauseRevision(
            clause_id=clause.id,
            seq=1,
            kind="criterion" if depth else "principle",
            number=str(i),
            heading=f"Clause {i}",
            body=f"The Entity shall do **thing {i}** where practicable.",
            parent_clause_id=None if depth == 0 else parent.id,
            position=float(i),
        )
        session.add(rev)
        session.flush()
        session.add(
            VersionEntry(
                version_id=version.id,
                ordinal=i,
                depth=depth,
                clause_id=clause.id,
                revision_id=rev.id,
            )
        )
    session.flush()
    now = utcnow()
    round_ = service.create_round(
        session,
        SYSTEM,
        service.clean_round(
            session,
            standard_slug="big-standard",
            version_label="v1",
            title="Big round",
            opens_at=now - dt.timedelta(days=1),
            closes_at=now + dt.timedelta(days=60),
        ),
    )
    file_comment(commenter, round_, clause_uid="BG-0010", passage="thing 16")
    session.flush()
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        page = client.get(f"/consultations/{round_.id}").get_data(as_text=True)
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    assert page.count('class="clause-body"') == 600
    assert "1 comment" in page
    # The page's own queries: not the outbox, nor the search indexer's advisory lock.
    queries = [
        s
        for s in statements
        if s.startswith("SELECT") and "FROM job" not in s and "advisory" not in s
    ]
    # A few per page (one says which translations of the text exist), none per clause.
    assert len(queries) <= 8, queries


def test_one_step_comment_returns_the_receipt(client, session, make_round, auth, commenter, uid_of):
    from sqlalchemy import event

    from app.consultation.models import Submission, SubmissionStatus
    from app.extensions import db as database

    round_ = make_round()
    uid = uid_of(round_, "1.1")
    auth.sign_in(commenter)
    form = client.get(f"/consultations/{round_.id}/comment").get_data(as_text=True)
    assert 'id="send-now"' in form
    data = {
        "clause_uid": uid,
        "comment_type": "general",
        "body": "One point.",
        "send_now": "1",
        "csrf_token": csrf_token(client, f"/consultations/{round_.id}/comment"),
    }
    statements: list[str] = []

    def listen(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(database.engine, "before_cursor_execute", listen)
    try:
        response = client.post(f"/consultations/{round_.id}/comment", data=data)
    finally:
        event.remove(database.engine, "before_cursor_execute", listen)
    assert response.status_code == 201
    page = response.get_data(as_text=True)
    receipt = f"{round_.standard.uid_prefix}-R{round_.number}-0001"
    assert receipt in page and "One point." in page
    # The POST never builds the form's clause list (every entry of the version).
    assert not [s for s in statements if "ORDER BY version_entry.ordinal" in s]
    session.expire_all()
    sent = session.scalars(select(Submission).where(Submission.author_id == commenter.id)).all()
    assert [(s.status, s.receipt) for s in sent] == [(SubmissionStatus.SUBMITTED, receipt)]


def test_one_step_joins_an_existing_draft_without_sending_it(
    client, session, make_round, auth, commenter
):
    from app.consultation.models import Submission, SubmissionStatus

    round_ = make_round()
    auth.sign_in(commenter)
    assert _post_comment(client, round_, body="First.").status_code == 302
    form = client.get(f"/consultations/{round_.id}/comment").get_data(as_text=True)
    assert 'id="send-now"' not in form
    response = _post_comment(client, round_, body="Second.", send_now="1")
    assert response.status_code == 302
    session.expire_all()
    (draft,) = session.scalars(select(Submission).where(Submission.author_id == commenter.id))
    assert draft.status == SubmissionStatus.DRAFT
