"""A round's calendar: extended or closed early with a reason, audited, announced."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text, update

from app.audit.models import AuditEvent
from app.auth.permissions import SYSTEM
from app.consultation import service
from app.consultation.models import RoundChange, RoundState
from app.consultation.schedule import _notify
from app.database import utcnow
from app.errors import Conflict, PermissionDenied, RecordFrozen, ValidationError
from app.jobs.models import Job
from tests.conftest import csrf_token


def _mail_to(session) -> list[str]:
    jobs = session.scalars(select(Job).where(Job.kind == "mail")).all()
    return sorted(
        j.payload["to"]
        for j in jobs
        if "extended" in j.payload["subject"] or "closed early" in j.payload["subject"]
    )


def _run_notices(session) -> None:
    for job in session.scalars(select(Job).where(Job.kind == "round.change-notice")).all():
        _notify(session, job.payload)


def test_extend_a_round_with_a_reason_tells_every_commenter(
    session, make_round, commenter, make_user, file_comment
):
    round_ = make_round(days=60)
    file_comment(commenter, round_)
    other = make_user(name="Olu Other")
    file_comment(other, round_)
    old_close = round_.closes_at
    with pytest.raises(ValidationError, match="reason"):
        service.extend_round(session, SYSTEM, round_, old_close + dt.timedelta(days=14), " ")
    with pytest.raises(ValidationError, match="after its current close"):
        service.extend_round(session, SYSTEM, round_, old_close - dt.timedelta(days=1), "Why")
    with pytest.raises(PermissionDenied):
        service.extend_round(session, commenter, round_, old_close + dt.timedelta(days=1), "x")
    change = service.extend_round(
        session, SYSTEM, round_, old_close + dt.timedelta(days=14), "The Forum asked for time."
    )
    assert round_.closes_at == old_close + dt.timedelta(days=14)
    assert (change.old_closes_at, change.new_closes_at) == (old_close, round_.closes_at)
    assert service.changes_of(session, round_) == [change]
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "round.extend")).one()
    assert "The Forum asked for time." in str(event.details)
    _run_notices(session)
    assert _mail_to(session) == sorted([commenter.email, other.email])


def test_close_early_only_an_open_round_and_never_reopen(session, make_round):
    round_ = make_round(days=60)
    now = utcnow()
    service.close_round_early(session, SYSTEM, round_, "The draft is withdrawn.", now=now)
    assert round_.closes_at == now and round_.state_at(now) == RoundState.CLOSED
    with pytest.raises(Conflict):
        service.close_round_early(session, SYSTEM, round_, "Again.", now=now)
    with pytest.raises(Conflict, match="not reopened"):
        service.extend_round(session, SYSTEM, round_, now + dt.timedelta(days=5), "Reopen", now=now)


def test_extension_may_not_run_into_the_next_round_on_the_draft(session, make_round):
    first = make_round(days=60)
    fields = service.clean_round(
        session,
        standard_slug=first.standard.slug,
        version_label=first.version.label,
        title="Second round on the same draft",
        opens_at=first.closes_at,
        closes_at=first.closes_at + dt.timedelta(days=60),
    )
    second = service.create_round(session, SYSTEM, fields)
    assert second.number == 2
    with pytest.raises(ValidationError, match="overlaps round 2"):
        service.extend_round(session, SYSTEM, first, first.closes_at + dt.timedelta(days=3), "x")


def test_round_changes_are_append_only_in_the_database(session, make_round):
    round_ = make_round(days=60)
    change = service.extend_round(
        session, SYSTEM, round_, round_.closes_at + dt.timedelta(days=1), "Holiday."
    )
    session.flush()
    with pytest.raises(RecordFrozen), session.begin_nested():
        session.execute(
            update(RoundChange).where(RoundChange.id == change.id).values(reason="Edited")
        )
    with pytest.raises(RecordFrozen), session.begin_nested():
        session.execute(text("DELETE FROM round_change"))
    assert session.scalar(select(func.count()).select_from(RoundChange)) == 1


def test_secretariat_extends_from_the_round_page(client, auth, make_user, make_round, session):
    from app.auth.models import Role

    secretariat = make_user(Role.SECRETARIAT, name="Sam Secretariat")
    round_ = make_round(days=60)
    path = f"/consultations/{round_.id}"
    assert 'id="schedule-form"' not in client.get(path).get_data(as_text=True)
    auth.sign_in(secretariat)
    page = client.get(path).get_data(as_text=True)
    assert 'id="schedule-form"' in page
    new_close = (round_.closes_at + dt.timedelta(days=10)).astimezone(dt.UTC)
    response = client.post(
        f"{path}/schedule",
        data={
            "action": "extend",
            "closes_at": new_close.strftime("%Y-%m-%dT%H:%M"),
            "reason": "Requested by the Forum.",
            "csrf_token": csrf_token(client, path),
        },
    )
    assert response.status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert 'id="round-changes"' in page and "Requested by the Forum." in page
    session.refresh(round_)
    assert round_.closes_at.replace(second=0, microsecond=0) == new_close.replace(
        second=0, microsecond=0
    )
