"""Following a standard: the button, one announcement job per event, batched mail, unfollow."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from app.committee import dispositions, synopsis
from app.database import utcnow
from app.errors import PermissionDenied
from app.jobs.models import Job
from app.publishing import following
from tests.conftest import csrf_token

UNFOLLOW_LINK = re.compile(r"https?://\S+/unfollow/\S+")


def _jobs(session, kind: str, after: int) -> list[Job]:
    return list(
        session.scalars(select(Job).where(Job.kind == kind, Job.id > after).order_by(Job.id))
    )


def _last_job(session) -> int:
    return session.scalar(select(func.max(Job.id))) or 0


def _run_announcements(session, after: int, ran: set[int] | None = None) -> list[Job]:
    """Run the queued announcement jobs (and the batches they queue); return the mail jobs."""
    ran = ran if ran is not None else set()
    while pending := [j for j in _jobs(session, following.JOB, after) if j.id not in ran]:
        for job in pending:
            following._fan_out(session, job.payload)
            ran.add(job.id)
        session.flush()
    return _jobs(session, "mail", after)


def test_signed_in_person_follows_and_unfollows_with_the_button(
    session, client, auth, make_standard, make_user
):
    standard = make_standard()
    reader = make_user()
    page = f"/standards/{standard.slug}"
    assert "Follow this standard" not in client.get(page).get_data(as_text=True)
    assert client.post(f"{page}/follow").status_code in (302, 400)  # no sign-in: no follow
    assert not following.is_following(session, reader, standard)
    auth.sign_in(reader)
    assert "Follow this standard" in client.get(page).get_data(as_text=True)
    assert client.post(f"{page}/follow").status_code == 400  # no CSRF token
    response = client.post(f"{page}/follow", data={"csrf_token": csrf_token(client, page)})
    assert response.status_code == 302
    assert following.is_following(session, reader, standard)
    assert "Stop following this standard" in client.get(page).get_data(as_text=True)
    client.post(f"{page}/unfollow", data={"csrf_token": csrf_token(client, page)})
    assert not following.is_following(session, reader, standard)


def test_following_needs_a_person(session, make_standard):
    with pytest.raises(PermissionDenied):
        following.follow(session, None, make_standard())


def test_a_round_opening_mails_every_follower_with_an_unfollow_link(
    session, client, make_standard, make_user, freeze, make_round
):
    standard = make_standard(title="Followed Standard")
    fans = [make_user(email=f"fan{i}@example.org") for i in range(2)]
    stranger = make_user(email="stranger@example.org")
    for fan in fans:
        following.follow(session, fan, standard)
    before = _last_job(session)
    round_ = make_round(freeze(standard, "d1"), closed=False, title="Open round")
    assert len(_jobs(session, following.JOB, before)) == 1  # one job per event, no mail yet
    assert _jobs(session, "mail", before) == []
    mails = _run_announcements(session, before)
    assert sorted(m.payload["to"] for m in mails) == ["fan0@example.org", "fan1@example.org"]
    assert stranger.email not in [m.payload["to"] for m in mails]
    body = mails[0].payload["body"]
    assert "Open round" in mails[0].payload["subject"]
    assert f"/consultations/{round_.id}" in body
    unfollowed = next(f for f in fans if f.email == mails[0].payload["to"])
    path = UNFOLLOW_LINK.search(body).group(0).split("clausewise.test", 1)[-1]
    page = client.get(path)
    assert page.status_code == 200 and "Stop following" in page.get_data(as_text=True)
    assert following.is_following(session, unfollowed, standard)  # no write on GET
    done = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert done.status_code == 200 and "no more mail" in done.get_data(as_text=True)
    assert not following.is_following(session, unfollowed, standard)
    assert following.is_following(session, next(f for f in fans if f is not unfollowed), standard)
    assert client.get("/unfollow/not-a-token").status_code == 404


def test_fan_out_sends_in_batches(
    session, make_standard, make_user, freeze, make_round, monkeypatch
):
    monkeypatch.setattr(following, "BATCH", 2)
    standard = make_standard()
    for i in range(5):
        following.follow(session, make_user(email=f"many{i}@example.org"), standard)
    before = _last_job(session)
    make_round(freeze(standard, "d1"), closed=False)
    [first] = _jobs(session, following.JOB, before)
    following._fan_out(session, first.payload)
    session.flush()
    assert len(_jobs(session, "mail", before)) == 2  # one batch per job
    assert len(_jobs(session, following.JOB, before)) == 2  # the next batch is its own job
    assert len(_run_announcements(session, before, ran={first.id})) == 5


def test_synopsis_ballot_and_publication_are_announced(
    session,
    make_standard,
    make_user,
    freeze,
    make_round,
    clause_of,
    make_comment,
    published,
    member,
    second_member,
    secretariat,
):
    standard = make_standard(title="Busy Standard")
    fan = make_user(email="busy@example.org")
    following.follow(session, fan, standard)
    opens_at = utcnow() - 100 * dt.timedelta(days=1)
    round_ = make_round(freeze(standard, "d1"), number=1, opens_at=opens_at, days=30)
    comment = make_comment(round_, clause_of(standard, "1.1"))
    dispositions.draft(session, member, comment, decision="noted", response="Thanks.")
    dispositions.agree(session, second_member, comment)
    before = _last_job(session)
    synopsis.publish(session, secretariat, round_)
    published(standard, "2.0")  # holds and closes the adoption ballot, then publishes
    subjects = [
        m.payload["subject"]
        for m in _run_announcements(session, before)
        if m.payload["to"] == "busy@example.org"
    ]
    assert "Responses published: " + round_.title in subjects
    assert any(s.startswith("Ballot result on Busy Standard") for s in subjects)
    assert "Busy Standard 2.0 is published" in subjects


def test_an_event_on_a_standard_nobody_follows_queues_nothing(
    session, make_standard, freeze, make_round
):
    before = _last_job(session)
    make_round(freeze(make_standard(), "d1"), closed=False)
    assert _jobs(session, following.JOB, before) == []
