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


def test_with_a_jobs_worker_the_request_leaves_its_mail_in_the_outbox(
    app, client, db, session, make_user, runner, monkeypatch
):
    """JOBS_AFTER_RESPONSE off: the web worker only commits the job; `flask jobs work` sends it."""
    from app import mail

    monkeypatch.setitem(app.config, "JOBS_AFTER_RESPONSE", False)
    user = make_user()
    session.commit()
    mail.sent_in_process.clear()
    response = client.post(
        "/password/forgot",
        data={"email": user.email, "csrf_token": csrf_token(client, "/password/forgot")},
    )
    assert response.status_code == 302
    assert mail.sent_in_process == []  # not sent by the web worker
    queued = session.scalars(select(Job).where(Job.kind == "mail", Job.done_at.is_(None))).all()
    assert len(queued) == 1
    result = runner.invoke(args=["jobs", "work", "--until-idle", "--interval", "0.01"])
    assert result.exit_code == 0, result.output
    assert "1 jobs done" in result.output
    assert [m["To"] for m in mail.sent_in_process] == [user.email]
    session.expire_all()
    assert session.get(Job, queued[0].id).done_at is not None


sends: list[dict] = []


@jobs.handler("test-send", writes=False)
def _send_or_fail(session, payload):
    assert session is None  # a send never writes through the session
    if payload.get("fail"):
        raise RuntimeError("refused by the server")
    sends.append(payload)


def test_sends_are_claimed_and_ended_together_and_a_failed_one_is_retried(db, session):
    """Three sends: one UPDATE claims them, one UPDATE ends the two that went out."""
    sends.clear()
    queued = [jobs.enqueue(session, "test-send", n=n, fail=n == 1) for n in range(3)]
    session.commit()
    statements = _statements_during(db, lambda: jobs.run_pending(db))
    writes = [s for s in statements if s.lstrip().upper().startswith("UPDATE")]
    assert len(writes) == 3, writes  # the claim, the failed one's release, both ends at once
    assert [p["n"] for p in sends] == [0, 2]
    session.expire_all()
    done = {j.id: j.done_at is not None for j in session.scalars(select(Job))}
    assert done == {queued[0].id: True, queued[1].id: False, queued[2].id: True}
    failed = session.get(Job, queued[1].id)
    assert failed.claimed_at is None and "refused" in failed.last_error
    failed.payload = {"n": 1}
    session.commit()
    assert jobs.run_pending(db) == 1
    assert jobs.run_pending(db) == 0  # done jobs never run again
    assert [p["n"] for p in sends] == [0, 2, 1]


def test_the_worker_can_run_below_the_web_workers_priority(runner, monkeypatch):
    from app.jobs import worker

    lowered: list[int] = []
    monkeypatch.setattr(worker.os, "nice", lowered.append)
    result = runner.invoke(args=["jobs", "work", "--until-idle", "--nice", "10"])
    assert result.exit_code == 0, result.output
    assert lowered == [10]
    result = runner.invoke(args=["jobs", "work", "--until-idle"])
    assert lowered == [10]  # not lowered unless asked
    assert runner.invoke(args=["jobs", "work", "--nice", "40"]).exit_code == 2  # bad input


def test_waiting_jobs_are_found_without_walking_the_done_ones(session):
    """The indexer's poll and /healthz's lag read the partial index of waiting jobs."""
    from sqlalchemy import text

    from app.search import indexer

    dialect = session.get_bind().dialect.name
    statement = indexer.status_query().compile(
        dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}
    )
    if dialect == "sqlite":
        plan = " ".join(
            str(row[-1]) for row in session.execute(text(f"EXPLAIN QUERY PLAN {statement}"))
        )
    else:
        session.execute(text("SET LOCAL enable_seqscan = off"))
        session.execute(text("SET LOCAL enable_bitmapscan = off"))
        plan = " ".join(row[0] for row in session.execute(text(f"EXPLAIN {statement}")))
    assert "ix_job_waiting" in plan, plan


def test_a_failing_batch_kind_backs_off_instead_of_retrying_at_once(db, monkeypatch):
    """A batch pass that fails (an index it cannot write) waits longer after each failure.

    The indexer thread polls ten times a second; a pass failing the same way every time
    redid all its work at that rate and kept a core busy. Success ends the back-off.
    """
    calls: list[str] = []
    outcome = {"fail": True}

    def flaky(database):
        calls.append("try")
        if outcome["fail"]:
            raise RuntimeError("cannot write the index")
        return 3

    clock = {"now": 1000.0}
    monkeypatch.setattr(jobs.time, "monotonic", lambda: clock["now"])
    monkeypatch.setitem(jobs._batch_handlers, "flaky-test", flaky)
    for kind in list(jobs._batch_handlers):
        if kind != "flaky-test":
            monkeypatch.delitem(jobs._batch_handlers, kind)
    assert jobs.run_batches(db) == 0 and calls == ["try"]
    assert jobs.run_batches(db) == 0 and calls == ["try"]  # within the first wait: skipped
    clock["now"] += jobs.BATCH_RETRY_FIRST
    assert jobs.run_batches(db) == 0 and calls == ["try", "try"]  # tried again, failed again
    clock["now"] += jobs.BATCH_RETRY_FIRST  # the second wait is twice as long
    assert jobs.run_batches(db) == 0 and calls == ["try", "try"]
    clock["now"] += jobs.BATCH_RETRY_FIRST
    outcome["fail"] = False
    assert jobs.run_batches(db) == 3 and len(calls) == 3
    assert jobs.run_batches(db) == 3 and len(calls) == 4  # success: no waiting any more
    for _ in range(12):  # the wait never grows past its ceiling
        outcome["fail"] = True
        clock["now"] += jobs.BATCH_RETRY_MOST
        jobs.run_batches(db)
    assert jobs._batch_failures["flaky-test"][1] - clock["now"] == jobs.BATCH_RETRY_MOST
