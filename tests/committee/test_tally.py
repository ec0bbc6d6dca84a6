"""The ballot arithmetic, with properties checked over many random ballots."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.committee.models import BallotOutcome, VoteChoice
from app.committee.tally import as_fraction, count

Y, N, A, R = VoteChoice.YES, VoteChoice.NO, VoteChoice.ABSTAIN, VoteChoice.RECUSE


@pytest.mark.parametrize(
    ("eligible", "votes", "outcome"),
    [
        (4, [Y, Y, N], BallotOutcome.CARRIED),  # exactly two thirds carries
        (4, [Y, N], BallotOutcome.FAILED),  # quorum of 2 of 4 met, half is not two thirds
        (4, [Y], BallotOutcome.NO_QUORUM),
        (4, [Y, A], BallotOutcome.CARRIED),  # abstentions count for quorum, not threshold
        (4, [A, A, A], BallotOutcome.FAILED),  # nobody said yes
        (4, [R, R, R, Y], BallotOutcome.CARRIED),  # recusals leave the roll: 1 of 1 took part
        (4, [R, R, R, R], BallotOutcome.NO_QUORUM),
        (0, [], BallotOutcome.NO_QUORUM),
        (9, [Y, Y, Y, Y, Y, Y, N, N, N], BallotOutcome.CARRIED),
        (9, [Y, Y, Y, Y, Y, N, N, N, N], BallotOutcome.FAILED),
    ],
)
def test_default_rules(eligible, votes, outcome):
    assert count(eligible, votes).outcome == outcome


def test_rules_stored_as_floats_keep_their_fraction():
    assert as_fraction(2 / 3) == Fraction(2, 3)
    assert count(3, [Y, Y, N], threshold=2 / 3).outcome == BallotOutcome.CARRIED
    assert count(4, [Y, Y, Y, N], quorum=1.0, threshold=0.75).outcome == BallotOutcome.CARRIED
    assert count(4, [Y, Y, Y], quorum=1.0).outcome == BallotOutcome.NO_QUORUM


def test_more_votes_than_voters_is_refused():
    with pytest.raises(ValueError):
        count(1, [Y, N])


fractions = st.sampled_from(
    [Fraction(1, 2), Fraction(2, 3), Fraction(3, 4), Fraction(1, 3), Fraction(3, 5), Fraction(1)]
)


@st.composite
def ballots(draw):
    eligible = draw(st.integers(0, 40))
    votes = draw(st.lists(st.sampled_from(list(VoteChoice)), max_size=eligible))
    return eligible, votes, draw(fractions), draw(fractions)


@given(ballots())
def test_counts_add_up(ballot):
    eligible, votes, quorum, threshold = ballot
    t = count(eligible, votes, quorum=quorum, threshold=threshold)
    assert t.yes + t.no + t.abstain + t.recused + t.not_voted == eligible
    assert t.participation == len(votes) - t.recused
    assert t.not_voted >= 0


@pytest.mark.parametrize(
    ("eligible", "votes", "quorum", "threshold", "outcome"),
    [
        # 6 of 10 took part (quorum 5); 4 yes of 6 yes-or-no is exactly 2/3: carried.
        (10, [Y, Y, Y, Y, N, N], "1/2", "2/3", BallotOutcome.CARRIED),
        # 5 of 10 took part (quorum met exactly); 3 of 5 is 0.6, under 2/3.
        (10, [Y, Y, Y, N, N], "1/2", "2/3", BallotOutcome.FAILED),
        # 4 of 10 is under half: no quorum, however unanimous.
        (10, [Y, Y, Y, Y], "1/2", "2/3", BallotOutcome.NO_QUORUM),
        # 4 recusals leave a roll of 4; 3 of 4 is the 3/4 quorum; 3 yes of 3.
        (8, [R, R, R, R, Y, Y, Y], "3/4", "2/3", BallotOutcome.CARRIED),
        # A simple majority rule carries on a tie: 2 of 4 is 1/2.
        (6, [Y, Y, N, N], "1/2", "1/2", BallotOutcome.CARRIED),
        # The abstention counts for quorum (5 of 5) but not for the threshold: 3 of 4.
        (5, [Y, Y, Y, N, A], "1/2", "3/4", BallotOutcome.CARRIED),
        (7, [Y, Y, Y, N, A, A, A], "1/2", "3/4", BallotOutcome.CARRIED),
        # Unanimity: one no is enough to fail.
        (3, [Y, Y, N], "1/2", "1", BallotOutcome.FAILED),
        # Everyone must take part under a quorum of 1.
        (3, [Y, Y], "1", "1/2", BallotOutcome.NO_QUORUM),
        # Only abstentions: quorum met, nobody said yes.
        (5, [A, A, A], "1/2", "1/2", BallotOutcome.FAILED),
    ],
)
def test_worked_examples_under_other_rules(eligible, votes, quorum, threshold, outcome):
    t = count(eligible, votes, quorum=Fraction(quorum), threshold=Fraction(threshold))
    assert t.outcome == outcome


@given(ballots())
def test_abstaining_never_changes_a_carried_outcome(ballot):
    eligible, votes, quorum, threshold = ballot
    t = count(eligible, votes, quorum=quorum, threshold=threshold)
    if t.outcome == BallotOutcome.CARRIED and t.not_voted:
        more = count(eligible, [*votes, A], quorum=quorum, threshold=threshold)
        assert more.outcome == BallotOutcome.CARRIED


@given(ballots())
def test_one_more_yes_never_turns_carried_into_failed(ballot):
    eligible, votes, quorum, threshold = ballot
    t = count(eligible, votes, quorum=quorum, threshold=threshold)
    if t.not_voted:
        more = count(eligible, [*votes, Y], quorum=quorum, threshold=threshold)
        if t.outcome == BallotOutcome.CARRIED:
            assert more.outcome == BallotOutcome.CARRIED
        assert more.yes == t.yes + 1


@given(ballots())
def test_record_is_plain_json(ballot):
    eligible, votes, quorum, threshold = ballot
    record = count(eligible, votes, quorum=quorum, threshold=threshold).as_record()
    assert record["outcome"] in {o.value for o in BallotOutcome}
    assert record["quorum"] == str(quorum) and record["threshold"] == str(threshold)
