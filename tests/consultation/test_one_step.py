"""The one-step post's Core path writes exactly what the two-step path writes, and shows it."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import StakeholderGroup
from app.committee import state as committee_state
from app.consultation import service, state
from app.consultation.models import Comment, CommentState, Submission, SubmissionStatus
from app.consultation.one_step import SentSubmission
from app.jobs.models import Job
from app.mail import sent_in_process
from app.search import indexer
from app.search.engines import get_engine
from app.search.query import SearchRequest
from app.search.service import search
from tests.conftest import csrf_token

PASSAGE = "report on topic 1 every year"
DAY = dt.timedelta(days=1)


def _people(make_user, n: int = 2):
    return [
        make_user(
            name=f"Twin {i}",
            stakeholder_group=StakeholderGroup.CIVIL_SOCIETY,
            organisation="Rivers Watch",
        )
        for i in range(n)
    ]


def _comment(uid: str) -> dict:
    return {
        "clause_uid": uid,
        "comment_type": "technical",
        "body": "The **requirement** is too vague to audit.",
        "proposed_change": "Say *what* is reported.",
        "anchor": service.AnchorInput(passage=PASSAGE),
        "language": "en",
    }


def _row(obj, *skip: str) -> dict:
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns if c.key not in {"id", *skip}}


def _written(session, submission_id: int):
    submission = session.get(Submission, submission_id)
    (comment,) = session.scalars(select(Comment).where(Comment.submission_id == submission_id))
    (comment_row,) = session.scalars(
        select(CommentState).where(CommentState.comment_id == comment.id)
    )
    audit = session.scalars(
        select(AuditEvent)
        .where(
            (
                (AuditEvent.object_type == "submission")
                & (AuditEvent.object_id == str(submission_id))
            )
            | ((AuditEvent.object_type == "comment") & (AuditEvent.object_id == str(comment.id)))
        )
        .order_by(AuditEvent.id)
    ).all()
    return submission, comment, comment_row, audit


def test_one_step_writes_what_adding_and_submitting_write(
    session, make_round, make_user, uid_of, app
):
    round_ = make_round()
    uid = uid_of(round_, "1.1")
    two_step, one_step = _people(make_user)
    now = round_.opens_at + DAY
    prefix = f"{round_.standard.uid_prefix}-R{round_.number}-"
    jobs_before = session.scalar(select(Job.id).order_by(Job.id.desc()).limit(1)) or 0

    added = service.add_comment(session, two_step, round_, now=now, **_comment(uid))
    submitted = service.submit(session, two_step, added.submission, now=now)
    sent = service.send_comment(session, one_step, round_, now=now, **_comment(uid))
    assert isinstance(sent, SentSubmission)
    session.flush()
    session.expire_all()

    a_sub, a_comment, a_state, a_audit = _written(session, submitted.id)
    b_sub, b_comment, b_state, b_audit = _written(session, sent.id)
    assert _row(b_sub, "author_id", "receipt") == _row(a_sub, "author_id", "receipt")
    assert b_sub.status == SubmissionStatus.SUBMITTED
    assert (a_sub.receipt, b_sub.receipt) == (f"{prefix}0001", f"{prefix}0002")
    assert sent.receipt == b_sub.receipt
    assert _row(b_comment, "submission_id") == _row(a_comment, "submission_id")
    assert b_comment.anchor_exact == PASSAGE and "<strong>" in b_comment.body_html
    receipt_order = ("comment_id", "submission_id", "submitted_at")  # each submission's own
    assert _row(b_state, *receipt_order) == _row(a_state, *receipt_order)
    assert (b_state.submission_id, b_state.submitted_at) == (b_sub.id, b_sub.submitted_at)

    def trail(events, sub, comment):
        return [
            (
                e.action,
                e.object_type,
                e.summary.replace(f"submission {sub.id}", "submission S").replace(sub.receipt, "R"),
                {k: (v if v not in (sub.receipt,) else "R") for k, v in e.details.items()},
            )
            for e in events
        ]

    assert [e.action for e in a_audit] == ["submission.start", "comment.draft", "submission.submit"]
    assert trail(b_audit, b_sub, b_comment) == trail(a_audit, a_sub, a_comment)
    assert {e.actor_id for e in b_audit} == {one_step.id}

    jobs = session.scalars(select(Job).where(Job.id > jobs_before).order_by(Job.id)).all()
    by_kind = {}
    for job in jobs:
        by_kind.setdefault(job.kind, []).append(job.payload)
    searched = [p for p in by_kind["search"] if p["target"] == "submission"]
    assert {p["id"] for p in searched} == {a_sub.id, b_sub.id}
    mails = {p["to"]: p for p in by_kind["mail"]}
    a_mail, b_mail = mails[two_step.email], mails[one_step.email]
    assert b_mail["subject"] == a_mail["subject"].replace(a_sub.receipt, b_sub.receipt)
    assert b_mail["body"] == a_mail["body"].replace(a_sub.receipt, b_sub.receipt)


def test_the_read_model_and_the_search_index_stay_equal_to_their_rebuilds(
    session, db, make_round, make_user, uid_of, app, tmp_path
):
    round_ = make_round()
    people = _people(make_user, 3)
    now = round_.opens_at + DAY
    for n, person in enumerate(people):
        comment = _comment(uid_of(round_, f"1.{n + 1}")) | {"anchor": None}
        comment["body"] = f"Molybdenum residue, point {n}."
        assert isinstance(
            service.send_comment(session, person, round_, now=now, **comment), SentSubmission
        )
    assert committee_state.differences(session, round_.id) == 0
    incremental = sorted(session.execute(state.stored(round_.id)).all())
    assert len(incremental) == 3
    assert committee_state.rebuild(session, round_.id) == 3
    assert sorted(session.execute(state.stored(round_.id)).all()) == incremental

    saved = {k: app.config.get(k) for k in ("SEARCH_ENGINE", "SEARCH_INDEX_DIR")}
    app.config.update(SEARCH_ENGINE="whoosh", SEARCH_INDEX_DIR=str(tmp_path / "index"))
    try:
        session.flush()
        engine = get_engine(app)
        indexer.apply_pending(db, engine)
        assert search(session, None, SearchRequest(text="molybdenum")).total == 3
        incremental_index = engine.dump(session)
        indexer.rebuild(db, engine)
        assert engine.dump(session) == incremental_index
    finally:
        app.config.update(saved)


def _main(page: str) -> str:
    body = page[page.index("<main") : page.index("</main>")]
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", body)


def test_the_receipt_shown_at_once_is_the_receipt_page(client, auth, make_round, make_user, uid_of):
    round_ = make_round()
    (person,) = _people(make_user, 1)
    auth.sign_in(person)
    path = f"/consultations/{round_.id}/comment"
    data = {
        "clause_uid": uid_of(round_, "1.1"),
        "comment_type": "technical",
        "body": "The **requirement** is too vague.",
        "proposed_change": "Say *what*.",
        "passage": PASSAGE,
        "language": "en",
        "send_now": "1",
        "csrf_token": csrf_token(client, path),
    }
    sent_in_process.clear()
    response = client.post(path, data=data)
    assert response.status_code == 201
    shown = response.get_data(as_text=True)
    receipt = re.search(r'id="receipt">([^<]+)<', shown).group(1)
    # Its jobs ran after the response (JOBS_AFTER_RESPONSE, as in development): the mail went.
    assert [m["To"] for m in sent_in_process] == [person.email]
    assert receipt in sent_in_process[0].get_content()
    stored = client.get(f"/submissions/{receipt}")
    assert stored.status_code == 200
    assert _main(shown) == _main(stored.get_data(as_text=True))
    assert '<mark class="anchor">' + PASSAGE in shown and "<strong>requirement</strong>" in shown


def _send_now(client, round_, body: str):
    """The comment form's "Send now" for a whole-draft comment."""
    path = f"/consultations/{round_.id}/comment"
    data = {"clause_uid": "", "comment_type": "general", "body": body, "send_now": "1"}
    return client.post(path, data={**data, "csrf_token": csrf_token(client, path)})


def test_an_unconfirmed_address_is_refused_as_before_and_nothing_is_kept(
    client, auth, session, make_round, make_user
):
    round_ = make_round()
    person = make_user(verified=False)
    auth.sign_in(person)
    response = _send_now(client, round_, "One point.")
    assert response.status_code == 422
    assert "Confirm your email address" in response.get_data(as_text=True)
    assert not session.scalars(select(Submission).where(Submission.author_id == person.id)).all()


def test_an_empty_draft_is_the_one_sent(session, make_round, make_user):
    round_ = make_round()
    (person,) = _people(make_user, 1)
    now = round_.opens_at + DAY
    draft = service.start_submission(session, person, round_, now=now)
    sent = service.send_comment(
        session, person, round_, now=now, body="Whole draft.", clause_uid=None
    )
    assert sent.id == draft.id and sent.status == SubmissionStatus.SUBMITTED
    assert sent.receipt


def test_bad_input_is_refused_before_anything_is_written(session, make_round, make_user):
    round_ = make_round()
    (person,) = _people(make_user, 1)
    for bad in ({"clause_uid": "no-such-clause"}, {"body": "  "}, {"comment_type": "rant"}):
        values = {"body": "A point.", "clause_uid": None} | bad
        try:
            service.send_comment(session, person, round_, **values)
        except service.ValidationError:
            pass
        else:
            raise AssertionError(f"accepted {bad}")
    assert not session.scalars(select(Submission).where(Submission.author_id == person.id)).all()


def test_a_postgresql_deadlock_answers_503_and_keeps_nothing(
    client, auth, session, make_round, make_user, monkeypatch
):
    """PostgreSQL aborts one of two transactions that wait on each other (the counters'
    rows are the likely place). That request gets the busy page (503, resend), not a 500,
    and whatever it had written is rolled back."""
    import psycopg
    from sqlalchemy.exc import OperationalError

    round_ = make_round()
    (person,) = _people(make_user, 1)
    auth.sign_in(person)
    original = service.send_comment

    def deadlocked(*args, **kwargs):
        original(*args, **kwargs)  # every row written, then the abort
        raise OperationalError(
            "UPDATE comment_tally …", {}, psycopg.errors.DeadlockDetected("deadlock detected")
        )

    monkeypatch.setattr(service, "send_comment", deadlocked)
    response = _send_now(client, round_, "Sent into a deadlock.")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "Nothing was saved: send it again in a moment." in page
    assert int(response.headers["Retry-After"]) >= 1
    assert not session.scalars(select(Submission).where(Submission.author_id == person.id)).all()
    assert not session.scalars(select(Comment).where(Comment.body == "Sent into a deadlock.")).all()
