"""Ballots: who may vote and when, one vote per voter, an outcome recorded once at close."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import Role
from app.committee import ballots, dispositions
from app.committee.models import BallotOutcome, BallotQuestion, Vote
from app.consultation import iseal
from app.database import utcnow
from app.errors import Conflict, Gone, PermissionDenied, ValidationError

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def members(make_user):
    return [make_user(Role.COMMITTEE, name=f"Member {i}") for i in range(4)]


@pytest.fixture
def version(make_standard, freeze):
    return freeze(make_standard(), "d1")


@pytest.fixture
def open_ballot(session, secretariat, members, version):
    def make(**rules):
        now = rules.pop("now", utcnow())
        # No rounds were held on the test standard: adoption needs the secretariat's reasons.
        rules.setdefault("justification", "Tests hold no consultation rounds.")
        return ballots.open_ballot(
            session,
            secretariat,
            version,
            question_kind=rules.pop("kind", "adopt"),
            question="Adopt d1?",
            closes_at=now + 24 * HOUR,
            now=now,
            **rules,
        )

    return make


def test_opening_fixes_the_roll(session, open_ballot, members, make_user, secretariat, version):
    ballot = open_ballot()
    assert {v.user_id for v in ballot.voters} == {m.id for m in members}
    assert (ballot.quorum, round(ballot.threshold, 4)) == (0.5, 0.6667)
    late = make_user(Role.COMMITTEE)
    with pytest.raises(PermissionDenied):
        ballots.cast_vote(session, late, ballot, choice="yes")
    with pytest.raises(Conflict):  # one open ballot per question and version
        open_ballot()
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "ballot.open"))


def test_who_may_open_and_with_what_rules(session, members, version, make_user, secretariat):
    now = utcnow()
    with pytest.raises(PermissionDenied):
        ballots.open_ballot(
            session, members[0], version, question_kind="adopt", question="Q", closes_at=now + HOUR
        )
    for bad in (
        {"closes_at": now - HOUR},
        {"question": " "},
        {"question_kind": "maybe"},
        {"quorum": "0"},
        {"threshold": "3/2"},
        {"quorum": "many"},
    ):
        args = {"question_kind": "adopt", "question": "Q", "closes_at": now + HOUR} | bad
        with pytest.raises(ValidationError):
            ballots.open_ballot(session, secretariat, version, now=now, **args)


def test_votes_reasons_and_changes(session, open_ballot, members):
    ballot = open_ballot()
    with pytest.raises(ValidationError) as err:
        ballots.cast_vote(session, members[0], ballot, choice="no")
    assert err.value.field == "reason"
    with pytest.raises(ValidationError):
        ballots.cast_vote(session, members[0], ballot, choice="recuse")
    with pytest.raises(ValidationError):
        ballots.cast_vote(session, members[0], ballot, choice="perhaps")
    ballots.cast_vote(session, members[0], ballot, choice="no", reason="Too weak on water.")
    ballots.cast_vote(session, members[0], ballot, choice="yes")  # changed their mind
    ballots.cast_vote(session, members[1], ballot, choice="recuse", reason="My employer.")
    same = ballots.cast_vote(session, members[1], ballot, choice="recuse", reason="My employer.")
    assert session.scalar(select(Vote).where(Vote.id == same.id)) is same
    assert len(session.scalars(select(Vote)).all()) == 3  # the repeat wrote nothing
    current = ballots.current_votes(session, ballot)
    assert current[members[0].id].choice == "yes"
    tally = ballots.count_votes(session, ballot)
    assert (tally.yes, tally.no, tally.recused, tally.eligible) == (1, 0, 1, 4)


def test_only_each_voters_latest_vote_counts_whatever_the_order(
    session, secretariat, members, version
):
    """Two ballots reach the same positions by different paths; they count the same."""
    now = utcnow()
    opened = [
        ballots.open_ballot(
            session,
            secretariat,
            version,
            question_kind=kind,
            question="Q",
            closes_at=now + HOUR,
            justification="A test of counting, not of the ISEAL expectations.",
        )
        for kind in ("adopt", "another-round")
    ]
    m = members
    paths = [
        [(m[0], "yes"), (m[1], "no"), (m[0], "no"), (m[1], "yes"), (m[2], "abstain")],
        [(m[2], "yes"), (m[1], "yes"), (m[2], "abstain"), (m[0], "no")],
    ]
    for ballot, path in zip(opened, paths, strict=True):
        for voter, choice in path:
            ballots.cast_vote(session, voter, ballot, choice=choice, reason="Because.")
    first, second = (ballots.count_votes(session, b) for b in opened)
    assert first == second
    assert (first.yes, first.no, first.abstain, first.not_voted) == (1, 1, 1, 1)


def test_no_vote_after_closing_time_and_outcome_recorded_once(session, open_ballot, members):
    start = utcnow() - 48 * HOUR
    ballot = open_ballot(now=start)
    ballots.cast_vote(session, members[0], ballot, choice="yes", now=start + HOUR)
    ballots.cast_vote(session, members[1], ballot, choice="yes", now=start + HOUR)
    ballots.cast_vote(
        session, members[2], ballot, choice="no", reason="Not ready.", now=start + HOUR
    )
    with pytest.raises(Gone):
        ballots.cast_vote(session, members[3], ballot, choice="no", reason="Late.")
    assert ballot.closed_at == ballot.closes_at
    assert ballot.outcome == BallotOutcome.CARRIED
    assert ballot.tally["yes"] == 2 and ballot.tally["not_voted"] == 1
    assert [r["choice"] for r in ballot.tally["roll"]] == ["yes", "yes", "no", None]
    assert ballots.close_due_ballots(session) == []  # already closed: nothing recomputed
    assert not ballots.close(session, ballot, utcnow())
    closes = session.scalars(select(AuditEvent).where(AuditEvent.action == "ballot.close"))
    assert len(closes.all()) == 1


def test_closed_ballot_cannot_be_altered(session, open_ballot, members):
    start = utcnow() - 48 * HOUR
    ballot = open_ballot(now=start)
    ballots.close_due_ballots(session)
    assert ballot.outcome == BallotOutcome.NO_QUORUM
    ballot.outcome = BallotOutcome.CARRIED
    with pytest.raises(Conflict):
        session.flush()
    session.rollback()


def test_rules_of_an_open_ballot_cannot_change(session, open_ballot):
    ballot = open_ballot()
    ballot.threshold = 0.5
    with pytest.raises(Conflict):
        session.flush()
    session.rollback()


def test_iseal_flags(
    session, make_standard, freeze, make_round, make_comment, clause_of, member, second_member
):
    standard = make_standard()
    version = freeze(standard, "d1")
    short = make_round(version, number=1, days=30)
    comment = make_comment(short, clause_of(standard, "1.1"))
    now = utcnow()
    flags = ballots.ballot_flags(session, standard, BallotQuestion.ADOPT, now)
    assert [f["code"] for f in flags] == ["few-rounds", "short-round", "unanswered"]
    assert "30" in iseal.flag_message(flags[1])
    other = ballots.ballot_flags(session, standard, BallotQuestion.ANOTHER_ROUND, now)
    assert [f["code"] for f in other] == ["short-round", "unanswered"]
    dispositions.draft(session, member, comment, decision="noted", response="Noted.")
    dispositions.agree(session, second_member, comment)
    make_round(freeze(standard, "d2"), number=2, days=60)
    assert [f["code"] for f in ballots.ballot_flags(session, standard, "adopt", now)] == [
        "short-round"
    ]


def test_close_records_flags(session, open_ballot):
    ballot = open_ballot(now=utcnow() - 48 * HOUR)
    ballots.close_due_ballots(session)
    assert [f["code"] for f in ballot.flags] == ["few-rounds"]


def test_cli_closes_due_ballots(session, open_ballot, runner):
    ballot = open_ballot(now=utcnow() - 48 * HOUR)
    session.commit()  # let the command's own session see the ballot
    result = runner.invoke(args=["ballots", "close-due"])
    assert result.exit_code == 0, result.output
    assert f"ballot {ballot.id}: no-quorum" in result.output
    assert runner.invoke(args=["ballots", "close-due"]).output.strip() == "0 ballots closed"
