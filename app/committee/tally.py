"""The arithmetic of a ballot: pure functions, no database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from fractions import Fraction

from app.committee.models import BallotOutcome, VoteChoice

DEFAULT_QUORUM = Fraction(1, 2)
DEFAULT_THRESHOLD = Fraction(2, 3)


def as_fraction(value: float | Fraction | str) -> Fraction:
    """Read a rule stored as a float (2/3 ≈ 0.6667) back as the fraction it stands for."""
    return Fraction(value).limit_denominator(1000)


@dataclass(frozen=True)
class Tally:
    """Counts and outcome of a ballot.

    Recused members leave the roll they were counted on: quorum is measured
    against the eligible voters who did not recuse. Abstentions count towards
    quorum (the member took part) but not towards the threshold, which is the
    share of yes among yes and no.
    """

    eligible: int
    yes: int
    no: int
    abstain: int
    recused: int
    quorum: Fraction
    threshold: Fraction

    @property
    def not_voted(self) -> int:
        return self.eligible - self.yes - self.no - self.abstain - self.recused

    @property
    def voting_members(self) -> int:
        return self.eligible - self.recused

    @property
    def participation(self) -> int:
        return self.yes + self.no + self.abstain

    @property
    def counted(self) -> int:
        return self.yes + self.no

    @property
    def quorum_met(self) -> bool:
        return self.participation > 0 and (self.participation >= self.quorum * self.voting_members)

    @property
    def threshold_met(self) -> bool:
        return self.counted > 0 and self.yes >= self.threshold * self.counted

    @property
    def outcome(self) -> BallotOutcome:
        if not self.quorum_met:
            return BallotOutcome.NO_QUORUM
        return BallotOutcome.CARRIED if self.threshold_met else BallotOutcome.FAILED

    def as_record(self) -> dict:
        values = asdict(self)
        values["quorum"] = str(self.quorum)
        values["threshold"] = str(self.threshold)
        values.update(
            not_voted=self.not_voted,
            participation=self.participation,
            quorum_met=self.quorum_met,
            threshold_met=self.threshold_met,
            outcome=str(self.outcome),
        )
        return values


def count(
    eligible: int,
    choices: Iterable[VoteChoice | str],
    *,
    quorum: float | Fraction = DEFAULT_QUORUM,
    threshold: float | Fraction = DEFAULT_THRESHOLD,
) -> Tally:
    """Tally one current choice per voter who voted, out of the eligible voters."""
    counts = dict.fromkeys(VoteChoice, 0)
    total = 0
    for choice in choices:
        counts[VoteChoice(choice)] += 1
        total += 1
    if total > eligible:
        raise ValueError("more votes than eligible voters")
    return Tally(
        eligible=eligible,
        yes=counts[VoteChoice.YES],
        no=counts[VoteChoice.NO],
        abstain=counts[VoteChoice.ABSTAIN],
        recused=counts[VoteChoice.RECUSE],
        quorum=as_fraction(quorum),
        threshold=as_fraction(threshold),
    )
