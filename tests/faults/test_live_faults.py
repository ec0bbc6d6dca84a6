"""Issue 12 item 6 on a real server: gunicorn in a subprocess, on its own SQLite file.

The server always runs on SQLite (the embedded default, and the engine whose write lock
the busy-timeout case is about), so these tests run unchanged in the PostgreSQL run too.

- A worker killed with SIGKILL in the middle of a one-step submission leaves it whole
  or absent, never half: stopped (by a test-only hook, tests/faults/site.py) after the
  statement that marks it submitted but before the commit, nothing of it is stored;
  stopped right after the commit, all of it is (submitted, its comment, its receipt,
  its acknowledgement in the outbox).
- SQLite locked by another process for longer than the busy timeout (300 ms here):
  every kind of write answers a clear 503 with a retry message within about one busy
  timeout (not two: the limiter's key and the error page touch no database), reads
  still answer (WAL), nothing accepted is lost and the writes go through afterwards.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time

from tests.faults.http import Browser
from tests.faults.site import PASSWORD


def _rows(site, sql: str, *params) -> list[tuple]:
    connection = sqlite3.connect(site.db_path, timeout=10)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


def _commenter(site, n: int) -> Browser:
    browser = Browser(site.base)
    browser.sign_in(site.facts["commenters"][n], PASSWORD)
    return browser


def _one_step(browser: Browser, site, body: str, headers: dict | None = None, timeout=30):
    path = f"/consultations/{site.facts['round_id']}/comment"
    return browser.open(
        path,
        {
            "csrf_token": browser.token(path),
            "clause_uid": site.facts["clause_uid"],
            "comment_type": "technical",
            "body": body,
            "send_now": "1",
        },
        headers=headers,
        timeout=timeout,
    )


def _kill_when_paused(site) -> int:
    marker = site.pause_dir / "paused"
    deadline = time.monotonic() + 30
    while not marker.exists():
        assert time.monotonic() < deadline, "the worker never reached the pause point"
        time.sleep(0.02)
    pid = int(marker.read_text())
    marker.unlink()
    os.kill(pid, signal.SIGKILL)
    return pid


def _post_and_kill(site, browser: Browser, body: str, point: str) -> None:
    answers: list = []
    thread = threading.Thread(
        target=lambda: answers.append(
            _safe(lambda: _one_step(browser, site, body, {"X-Fault-Pause": point}))
        )
    )
    thread.start()
    _kill_when_paused(site)
    thread.join(timeout=30)
    assert answers and isinstance(answers[0], OSError), f"a killed worker answered {answers}"


def _safe(fn):
    try:
        return fn()
    except OSError as exc:  # the connection dies with the worker
        return exc


def _submission_of(site, body: str) -> list[tuple]:
    return _rows(
        site,
        "SELECT s.id, s.status, s.receipt, (SELECT count(*) FROM comment c2 "
        "WHERE c2.submission_id = s.id) FROM comment c JOIN submission s "
        "ON s.id = c.submission_id WHERE c.body = ?",
        body,
    )


def test_a_worker_killed_before_the_commit_leaves_nothing_of_the_submission(live_site):
    browser = _commenter(live_site, 0)
    body = "Killed before the commit: this comment must not exist."
    _post_and_kill(live_site, browser, body, "before-commit")
    assert _submission_of(live_site, body) == []
    drafts = _rows(
        live_site,
        "SELECT count(*) FROM submission s JOIN user_account u ON u.id = s.author_id "
        "WHERE u.email = ?",
        live_site.facts["commenters"][0],
    )
    assert drafts == [(0,)], "not even an empty draft is left"
    # gunicorn starts a new worker; the same person sends the comment again, whole.
    answer = _one_step(browser, live_site, body)
    assert answer.status == 201, answer.status
    assert [row[1:] for row in _submission_of(live_site, body)] == [
        ("submitted", _receipt(answer.body), 1)
    ]


def test_a_worker_killed_after_the_commit_leaves_the_whole_submission(live_site):
    browser = _commenter(live_site, 1)
    body = "Killed after the commit: this comment is on record, whole."
    _post_and_kill(live_site, browser, body, "after-commit")
    found = _submission_of(live_site, body)
    assert len(found) == 1, _rows(live_site, "SELECT id, status, receipt FROM submission")
    ((submission_id, status, receipt, comments),) = found
    assert (status, comments) == ("submitted", 1) and receipt
    mails = _rows(
        live_site,
        "SELECT count(*) FROM job WHERE kind = 'mail' AND payload LIKE ?",
        f"%{receipt}%",
    )
    assert mails == [(1,)], "its acknowledgement waits in the outbox"
    # The person's receipt page shows it: accepted means committed.
    assert browser.open(f"/submissions/{receipt}").status == 200


def test_the_one_step_receipt_is_rendered_after_the_write_lock_is_released(live_site):
    """The one-step post holds SQLite's write lock for its writes only.

    It used to take the lock with its first read (the signed-in user) and keep it
    through validation and the receipt page, so every post queued behind another's
    whole request. Stopped as the receipt starts to render, the post has committed and
    another process can take the write lock at once.
    """
    browser = _commenter(live_site, 4)
    body = "Rendered after the lock was released."
    answers: list = []
    thread = threading.Thread(
        target=lambda: answers.append(
            _one_step(browser, live_site, body, {"X-Fault-Pause": "rendering"})
        )
    )
    thread.start()
    marker = live_site.pause_dir / "paused"
    deadline = time.monotonic() + 30
    while not marker.exists():
        assert time.monotonic() < deadline, "the worker never started the receipt"
        time.sleep(0.02)
    marker.unlink()
    try:
        other = sqlite3.connect(live_site.db_path, isolation_level=None, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")  # "database is locked" if the post still held it
            other.execute("ROLLBACK")
        finally:
            other.close()
        committed = _submission_of(live_site, body)  # already stored, before its page exists
    finally:
        (live_site.pause_dir / "go").write_text("")
        thread.join(timeout=30)
    assert answers and answers[0].status == 201
    assert [row[1:] for row in committed] == [("submitted", _receipt(answers[0].body), 1)]


def _receipt(page: str) -> str:
    import re

    found = re.search(r'id="receipt">([^<]+)<', page)
    assert found, "no receipt on the page"
    return found.group(1)


class WriteLock:
    """Another process's write transaction on the site's SQLite file."""

    def __init__(self, path) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None, timeout=10)
        self.connection.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.connection.execute("ROLLBACK")
        self.connection.close()


def _assert_busy(answer, elapsed: float, *, write: bool) -> None:
    assert answer.status == 503, (answer.status, answer.body[-500:])
    assert int(answer.headers.get("Retry-After", "0")) >= 5  # the limiter may raise it
    assert "Busy, please retry" in answer.body
    if write:
        assert "Nothing was saved: send it again in a moment." in answer.body
    else:
        assert "Reload the page in a moment." in answer.body
    # One busy timeout (0.3 s) and the request's own work, with room for a loaded machine;
    # the 11.6 s of issue 12 was two waits. That the page itself waits on nothing is
    # tested statement by statement in test_busy_page.py.
    assert elapsed < 5, elapsed


def _timed(fn):
    started = time.monotonic()
    answer = fn()
    return answer, time.monotonic() - started


def test_writes_during_a_long_lock_answer_503_quickly_and_nothing_is_lost(live_site):
    browser = _commenter(live_site, 2)
    form = f"/consultations/{live_site.facts['round_id']}/comment"
    token = browser.token(form)
    stranger = Browser(live_site.base)
    sign_in_token = stranger.token("/sign-in")
    register_token = stranger.token("/register")
    before = _rows(live_site, "SELECT count(*) FROM comment")
    lock = WriteLock(live_site.db_path)
    try:
        writes = {
            "one-step comment": lambda: browser.open(
                form,
                {
                    "csrf_token": token,
                    "clause_uid": live_site.facts["clause_uid"],
                    "comment_type": "technical",
                    "body": "Sent while the database is locked.",
                    "send_now": "1",
                },
            ),
            "draft comment": lambda: browser.open(
                form,
                {
                    "csrf_token": token,
                    "clause_uid": live_site.facts["clause_uid"],
                    "comment_type": "general",
                    "body": "Drafted while the database is locked.",
                },
            ),
            "sign-in": lambda: stranger.open(
                "/sign-in",
                {
                    "csrf_token": sign_in_token,
                    "email": live_site.facts["commenters"][3],
                    "password": PASSWORD,
                },
            ),
            "registration": lambda: stranger.open(
                "/register",
                {
                    "csrf_token": register_token,
                    "email": "locked-out@faults.example",
                    "password": "a perfectly long passphrase for a locked out person",
                    "confirm": "a perfectly long passphrase for a locked out person",
                    "name": "Locked Out",
                    "stakeholder_group": "individual",
                    "timezone": "UTC",
                    "accept_terms": "y",
                },
            ),
        }
        for name, write in writes.items():
            answer, elapsed = _timed(write)
            try:
                _assert_busy(answer, elapsed, write=True)
            except AssertionError as exc:
                raise AssertionError(f"{name}: {exc}") from None
        # Reads are not blocked by a writer (WAL): signed-in pages answer. (A read that
        # does meet a lock answers 503 too: tests/faults/test_busy_page.py.)
        for path in [f"/consultations/{live_site.facts['round_id']}", "/"]:
            assert browser.open(path).status == 200
    finally:
        lock.release()
    assert _rows(live_site, "SELECT count(*) FROM comment") == before  # 503: not taken
    assert _rows(live_site, "SELECT count(*) FROM user_account WHERE email LIKE 'locked-out%'") == [
        (0,)
    ]
    # Once the lock is gone the same writes go through: nothing was half-done.
    answer = _one_step(browser, live_site, "Sent again after the lock.")
    assert answer.status == 201
    assert [row[1:] for row in _submission_of(live_site, "Sent again after the lock.")] == [
        ("submitted", _receipt(answer.body), 1)
    ]
