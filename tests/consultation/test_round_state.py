"""Whether a round is scheduled, open or closed: one rule, the same in Python and in SQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.consultation import service
from app.consultation.models import ConsultationRound, RoundState
from app.database import utcnow
from app.errors import Gone

SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def window(make_round):
    opens_at = utcnow().replace(microsecond=0) + dt.timedelta(days=3)
    return make_round(opens_at=opens_at, days=10)


def _moments(round_):
    return [
        (round_.opens_at - SECOND, RoundState.SCHEDULED),
        (round_.opens_at, RoundState.OPEN),
        (round_.closes_at - SECOND, RoundState.OPEN),
        (round_.closes_at, RoundState.CLOSED),
    ]


def test_state_changes_at_the_round_boundaries(window):
    for now, expected in _moments(window):
        assert window.state_at(now) == expected, now


def test_sql_condition_agrees_with_the_python_rule(session, window):
    for now, expected in _moments(window):
        for state in RoundState:
            found = session.scalar(
                select(ConsultationRound.id).where(
                    ConsultationRound.id == window.id, ConsultationRound.in_state(now, state)
                )
            )
            assert (found is not None) == (state == expected), (now, state)


def test_intake_public_record_and_withdrawal_follow_the_state(session, window, commenter):
    person = commenter
    early, opening, _, closing = (now for now, _ in _moments(window))
    with pytest.raises(Gone):
        service.add_comment(session, person, window, body="Too early", now=early)
    assert not service.comments_public(window, early)
    comment = service.add_comment(session, person, window, body="Just in time", now=opening)
    assert service.comments_public(window, opening)  # live visibility
    service.submit(session, person, comment.submission, now=opening)
    with pytest.raises(Gone):
        service.withdraw(session, person, comment.submission, now=closing)
    with pytest.raises(Gone):
        service.add_comment(session, person, window, body="Too late", now=closing)
