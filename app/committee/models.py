from __future__ import annotations

import datetime as dt
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import immutability
from app.database import Base, StoredHTML, UTCDateTime, enum_check, utcnow
from app.text.markdown import RENDERER_VERSION


class Decision(StrEnum):
    ACCEPTED = "accepted"
    ACCEPTED_IN_PRINCIPLE = "accepted-in-principle"
    PARTIALLY_ACCEPTED = "partially-accepted"
    REJECTED = "rejected"
    NOTED = "noted"
    OUT_OF_SCOPE = "out-of-scope"
    DUPLICATE = "duplicate"


DECISION_LABELS = {
    Decision.ACCEPTED: _l("Accepted"),
    Decision.ACCEPTED_IN_PRINCIPLE: _l("Accepted in principle"),
    Decision.PARTIALLY_ACCEPTED: _l("Partially accepted"),
    Decision.REJECTED: _l("Rejected"),
    Decision.NOTED: _l("Noted"),
    Decision.OUT_OF_SCOPE: _l("Out of scope"),
    Decision.DUPLICATE: _l("Duplicate"),
}


class Disposition(Base):
    """The committee's answer to a comment; appended, the latest row per comment counts."""

    __tablename__ = "disposition"
    __table_args__ = (
        UniqueConstraint("comment_id", "seq"),
        enum_check("decision", Decision),
        # A duplicate names its original, and only a duplicate does.
        CheckConstraint(
            "(decision = 'duplicate' AND duplicate_of_id IS NOT NULL "
            "AND duplicate_of_id <> comment_id) "
            "OR (decision <> 'duplicate' AND duplicate_of_id IS NULL)",
            name="duplicate_names_original",
        ),
        CheckConstraint("seq >= 1", name="seq_positive"),
        # Agreement is the committee's: a second member, or a committee meeting on record.
        CheckConstraint(
            "NOT agreed OR (meeting_on IS NOT NULL AND minutes_ref IS NOT NULL) "
            "OR (drafted_by_id IS NOT NULL AND author_id <> drafted_by_id)",
            name="agreed_by_the_committee",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    decision: Mapped[Decision] = mapped_column(String(32))
    response: Mapped[str] = mapped_column(Text, default="")
    response_html: Mapped[str] = mapped_column(StoredHTML, default="")
    rendered_with: Mapped[int] = mapped_column(Integer, default=RENDERER_VERSION)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"))
    addressed_by_revision_id: Mapped[int | None] = mapped_column(ForeignKey("clause_revision.id"))
    agreed: Mapped[bool] = mapped_column(Boolean, default=False)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # Who wrote the proposal this row carries: its own author for a proposal, the
    # proposer for an agreement (who may not agree their own proposal alone).
    drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # An agreement recorded as a decision of a committee meeting.
    meeting_on: Mapped[dt.date | None] = mapped_column(Date)
    minutes_ref: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    comment = relationship("Comment", foreign_keys=[comment_id], lazy="raise")
    duplicate_of = relationship("Comment", foreign_keys=[duplicate_of_id], lazy="raise")
    addressed_by = relationship("ClauseRevision", lazy="raise")
    author = relationship("User", foreign_keys=[author_id], lazy="raise")


class SynopsisPublication(Base):
    __tablename__ = "synopsis_publication"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("consultation_round.id"), unique=True)
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # The round's counts when published, over every submitted comment (hidden ones
    # included): {"decision": {decision: n}, "group": {stakeholder group: n}}. Afterwards
    # only moderation changes what the public counts (dispositions are final, a closed
    # round takes no submission or withdrawal), so the public synopsis subtracts the few
    # hidden comments instead of counting the round (app.committee.synopsis).
    # NULL: published before these were kept; the page counts the round.
    counts: Mapped[dict | None] = mapped_column(JSON, default=None)

    round = relationship("ConsultationRound", lazy="raise")


class BallotQuestion(StrEnum):
    ADOPT = "adopt"
    ANOTHER_ROUND = "another-round"
    OTHER = "other"


class BallotOutcome(StrEnum):
    CARRIED = "carried"
    FAILED = "failed"
    NO_QUORUM = "no-quorum"


class VoteChoice(StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"
    RECUSE = "recuse"


class Ballot(Base):
    __tablename__ = "ballot"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        CheckConstraint("quorum > 0 AND quorum <= 1", name="quorum_fraction"),
        CheckConstraint("threshold > 0 AND threshold <= 1", name="threshold_fraction"),
        enum_check("question_kind", BallotQuestion),
        enum_check("outcome", BallotOutcome),
        CheckConstraint("(closed_at IS NULL) = (outcome IS NULL)", name="outcome_at_close"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("standard.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"), index=True)
    question_kind: Mapped[BallotQuestion] = mapped_column(String(16))
    question: Mapped[str] = mapped_column(Text)
    opens_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    quorum: Mapped[float] = mapped_column(Float, default=0.5)
    threshold: Mapped[float] = mapped_column(Float, default=2 / 3)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # Set once, at close.
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[BallotOutcome | None] = mapped_column(String(16))
    tally: Mapped[dict | None] = mapped_column(JSON)
    flags: Mapped[list | None] = mapped_column(JSON)
    # The secretariat's reasons for putting adoption to the vote although ISEAL
    # expectations were not met when it opened (see ballots.open_ballot).
    justification: Mapped[str] = mapped_column(Text, default="")

    standard = relationship("Standard", lazy="raise")
    version = relationship("Version", lazy="raise")
    # The roll is small (the committee) and read with every ballot: always loaded.
    voters: Mapped[list[BallotVoter]] = relationship(back_populates="ballot", lazy="selectin")


class BallotVoter(Base):
    """The roll of eligible voters, fixed when the ballot opens."""

    __tablename__ = "ballot_voter"
    __table_args__ = (UniqueConstraint("ballot_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballot.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    ballot: Mapped[Ballot] = relationship(back_populates="voters", lazy="raise")
    user = relationship("User", lazy="raise")


class Vote(Base):
    """A voter's position; appended, the latest row per voter counts."""

    __tablename__ = "vote"
    __table_args__ = (
        enum_check("choice", VoteChoice),
        CheckConstraint(
            "choice NOT IN ('no', 'recuse') OR trim(reason) <> ''", name="reason_for_no"
        ),
        # Only someone on the ballot's roll can vote in it.
        ForeignKeyConstraint(
            ["ballot_id", "voter_id"],
            ["ballot_voter.ballot_id", "ballot_voter.user_id"],
            name="fk_vote_on_the_roll",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballot.id"), index=True)
    voter_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    choice: Mapped[VoteChoice] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    cast_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    voter = relationship("User", lazy="raise")


# A ballot's question and rules are fixed at opening; its outcome is set once, at
# close, and from then on nothing of it changes.
immutability.register(Ballot, "closed_at", "outcome", "tally", "flags")
immutability.register(Ballot, applies=lambda stored: stored("closed_at") is not None)
