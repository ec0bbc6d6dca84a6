"""The outbox: jobs run once, retry on failure.

That a failed request leaves no job and sends no mail is tested through a real
request: tests/consultation/test_intake.py::test_a_failed_request_queues_no_mail.
"""

from __future__ import annotations

from sqlalchemy import select

from app.jobs import service as jobs
from app.jobs.models import Job
from tests.conftest import csrf_token

calls: list[dict] = []


@jobs.handler("test-flaky")
def _flaky(session, payload):
    calls.append(payload)
    if len(calls) == 1:
        raise RuntimeError("mail server down")


def test_failed_job_is_kept_and_retried_then_done_once(db, session):
    calls.clear()
    job = jobs.enqueue(session, "test-flaky", n=1)
    session.commit()
    assert jobs.run_pending(db) == 0
    session.expire_all()
    failed = session.get(Job, job.id)
    assert failed.done_at is None and "mail server down" in failed.last_error
    assert failed.attempts == 1
    assert jobs.run_pending(db) == 1
    assert jobs.run_pending(db) == 0  # done jobs never run again
    assert calls == [{"n": 1}, {"n": 1}]


def test_cli_runs_queued_jobs(runner, db, session):
    calls.clear()
    calls.append({"already": "failed once"})  # the next call succeeds
    jobs.enqueue(session, "test-flaky", n=3)
    session.commit()
    result = runner.invoke(args=["jobs", "run"])
    assert result.exit_code == 0 and "1 jobs done" in result.output


def _statements_during(db, fn) -> list[str]:
    from sqlalchemy import event

    seen: list[str] = []

    def listen(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    return seen


def test_a_read_never_touches_the_job_queue(client, db):
    statements = _statements_during(db, lambda: client.get("/"))
    assert statements
    assert not [s for s in statements if " job" in s.lower()]


def test_a_request_that_queues_a_job_runs_it_after_the_response(client, db, session, make_user):
    from app import mail

    user = make_user()
    session.commit()
    mail.sent_in_process.clear()
    response = client.post(
        "/password/forgot",
        data={"email": user.email, "csrf_token": csrf_token(client, "/password/forgot")},
    )
    assert response.status_code == 302
    assert [m["To"] for m in mail.sent_in_process] == [user.email]
    queued = session.scalars(select(Job).where(Job.kind == "mail")).all()
    assert [j.done_at is not None for j in queued] == [True]
