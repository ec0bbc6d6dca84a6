"""ISEAL rules per standard: the secretariat sets them, every flag reads them from the standard."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import Role
from app.committee import ballots
from app.consultation import iseal
from app.drafting import service as drafting
from app.errors import PermissionDenied, ValidationError
from tests.conftest import csrf_token


def test_a_new_standard_expects_the_iseal_code(make_standard):
    standard = make_standard()
    assert (standard.iseal_min_round_days, standard.iseal_min_rounds) == (60, 2)


def test_every_flag_reads_the_standards_own_rules(session, make_round, make_standard, secretariat):
    standard = make_standard()
    round_ = make_round(standard, days=30)
    assert [f["code"] for f in iseal.round_flags(session, round_)] == [
        iseal.SHORT_ROUND,
        iseal.FEW_ROUNDS,
    ]
    now = round_.opens_at
    assert [f["code"] for f in ballots.ballot_flags(session, standard, "adopt", now)] == [
        iseal.FEW_ROUNDS,
        iseal.SHORT_ROUND,
    ]
    drafting.update_iseal_rules(session, secretariat, standard, min_round_days=30, min_rounds=1)
    assert iseal.round_flags(session, round_) == []
    assert ballots.ballot_flags(session, standard, "adopt", now) == []
    drafting.update_iseal_rules(session, secretariat, standard, min_round_days=31, min_rounds=1)
    (flag,) = iseal.round_flags(session, round_)
    assert flag["minimum"] == 31 and "31 days" in iseal.flag_message(flag)


def test_changing_the_rules_is_the_secretariats_and_audited(
    session, make_standard, make_user, secretariat
):
    standard = make_standard()
    with pytest.raises(PermissionDenied):
        drafting.update_iseal_rules(
            session, make_user(Role.COMMITTEE), standard, min_round_days=30, min_rounds=1
        )
    for days, rounds in ((0, 2), (60, 0), ("sixty", 2), (366, 2), (60, 11), ("6.5", 2)):
        with pytest.raises(ValidationError):
            drafting.update_iseal_rules(
                session, secretariat, standard, min_round_days=days, min_rounds=rounds
            )
    drafting.update_iseal_rules(session, secretariat, standard, min_round_days="90", min_rounds=3)
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "standard.settings").order_by(AuditEvent.id)
    )
    assert event.actor_id == secretariat.id and event.object_id == str(standard.id)
    assert event.details == {
        "before": {"iseal_min_round_days": 60, "iseal_min_rounds": 2},
        "after": {"iseal_min_round_days": 90, "iseal_min_rounds": 3},
    }


def test_settings_form(client, auth, session, make_standard, make_user, secretariat):
    standard = make_standard()
    path = f"/standards/{standard.slug}/settings"
    auth.sign_in(make_user(Role.COMMITTEE))
    assert client.get(path).status_code == 403
    assert path not in client.get(f"/standards/{standard.slug}").get_data(as_text=True)
    auth.sign_out()
    auth.sign_in(secretariat)
    assert path in client.get(f"/standards/{standard.slug}").get_data(as_text=True)
    bad = client.post(
        path,
        data={"min_round_days": "0", "min_rounds": "2", "csrf_token": csrf_token(client, path)},
    )
    assert bad.status_code == 422 and "whole number from 1 to 365" in bad.get_data(as_text=True)
    good = client.post(
        path,
        data={"min_round_days": "45", "min_rounds": "3", "csrf_token": csrf_token(client, path)},
    )
    assert good.status_code == 302
    session.refresh(standard)
    assert (standard.iseal_min_round_days, standard.iseal_min_rounds) == (45, 3)
    page = client.get(f"/standards/{standard.slug}").get_data(as_text=True)
    assert "at least 45 days, at least 3 rounds" in page
