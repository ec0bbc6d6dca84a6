"""A member whose committee role is withdrawn during a ballot leaves its roll (issue 10, item 8)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.auth import service as accounts
from app.auth.models import Role
from app.auth.permissions import SYSTEM
from app.committee import ballots
from app.committee.models import BallotOutcome
from app.database import utcnow
from app.errors import PermissionDenied
from tests.conftest import csrf_token

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def members(make_user):
    return [make_user(Role.COMMITTEE, name=f"Member {i}") for i in range(4)]


@pytest.fixture
def ballot(session, secretariat, members, make_standard, freeze):
    start = utcnow() - 2 * HOUR
    return ballots.open_ballot(
        session,
        secretariat,
        freeze(make_standard(), "d1"),
        question_kind="another-round",
        question="Hold another round on d1?",
        closes_at=start + 24 * HOUR,
        now=start,
    )


def _vote(session, member, ballot, choice, reason=""):
    ballots.cast_vote(session, member, ballot, choice=choice, reason=reason, now=utcnow())


def test_vote_of_a_member_removed_before_the_close_is_not_counted(session, members, ballot):
    _vote(session, members[0], ballot, "yes")
    _vote(session, members[1], ballot, "no", "Not ready.")
    _vote(session, members[2], ballot, "no", "Weak on water.")
    # Member 2 is removed from the committee (say for an undeclared conflict).
    accounts.revoke_role(session, SYSTEM, members[2], Role.COMMITTEE)
    tally = ballots.count_votes(session, ballot)
    assert (tally.eligible, tally.yes, tally.no) == (3, 1, 1)
    ballots.close(session, ballot, ballot.closes_at)
    assert ballot.tally["eligible"] == 3 and ballot.tally["no"] == 1
    standing = {r["name"]: r["counted"] for r in ballot.tally["roll"]}
    assert standing == {"Member 0": True, "Member 1": True, "Member 2": False, "Member 3": True}
    assert ballot.outcome == BallotOutcome.FAILED  # 1 yes of 2 counted is under 2/3


def test_removal_can_change_the_outcome(session, members, ballot):
    _vote(session, members[0], ballot, "yes")
    _vote(session, members[1], ballot, "yes")
    _vote(session, members[2], ballot, "no", "No.")
    _vote(session, members[3], ballot, "no", "No.")
    assert ballots.count_votes(session, ballot).outcome == BallotOutcome.FAILED
    accounts.revoke_role(session, SYSTEM, members[3], Role.COMMITTEE)
    ballots.close(session, ballot, ballot.closes_at)
    assert ballot.outcome == BallotOutcome.CARRIED


def test_removed_member_can_no_longer_vote_and_new_member_is_not_added(
    session, members, ballot, make_user
):
    accounts.revoke_role(session, SYSTEM, members[3], Role.COMMITTEE)
    with pytest.raises(PermissionDenied):
        _vote(session, members[3], ballot, "yes")
    newcomer = make_user(Role.COMMITTEE)
    with pytest.raises(PermissionDenied):
        _vote(session, newcomer, ballot, "yes")
    assert ballots.count_votes(session, ballot).eligible == 3


def test_member_restored_before_the_close_counts_again(session, members, ballot):
    _vote(session, members[0], ballot, "yes")
    accounts.revoke_role(session, SYSTEM, members[0], Role.COMMITTEE)
    accounts.grant_role(session, SYSTEM, members[0], Role.COMMITTEE)
    assert ballots.count_votes(session, ballot).yes == 1


def test_ballot_page_states_the_rule_and_who_left(client, auth, session, members, ballot):
    _vote(session, members[1], ballot, "yes")
    accounts.revoke_role(session, SYSTEM, members[1], Role.COMMITTEE)
    session.flush()
    auth.sign_in(members[0])
    page = client.get(f"/ballots/{ballot.id}").get_data(as_text=True)
    assert 'id="roll-rule"' in page
    assert "0 of 3 eligible voters have voted" in page
    assert 'id="left-roll"' in page and "Member 1" in page
    ballots.close(session, ballot, ballot.closes_at)
    session.flush()
    page = client.get(f"/ballots/{ballot.id}").get_data(as_text=True)
    assert 'data-counted="false"' in page and page.count('data-counted="true"') == 3
    roll = client.get(f"/api/v1/ballots/{ballot.id}").get_json()["ballot"]["roll"]
    assert sorted(r["counted"] for r in roll) == [False, True, True, True]


def test_removed_member_is_told_they_no_longer_vote(client, auth, session, members, ballot):
    accounts.revoke_role(session, SYSTEM, members[2], Role.COMMITTEE)
    session.flush()
    auth.sign_in(members[2])
    path = f"/ballots/{ballot.id}"
    page = client.get(path).get_data(as_text=True)
    assert 'id="vote-form"' not in page
    response = client.post(
        f"{path}/vote", data={"choice": "yes", "reason": "", "csrf_token": csrf_token(client, path)}
    )
    assert response.status_code == 403
