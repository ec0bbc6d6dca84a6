from __future__ import annotations

import datetime as dt
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    or_,
    text,
)
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship, selectinload
from sqlalchemy.sql.elements import ColumnElement

from app.auth.models import StakeholderGroup
from app.database import Base, StoredHTML, UTCDateTime, enum_check, utcnow
from app.text.markdown import RENDERER_VERSION


class RoundState(StrEnum):
    """Where a round stands at a given moment; see ConsultationRound.state_at."""

    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"


ROUND_STATE_LABELS = {
    RoundState.SCHEDULED: _l("scheduled"),
    RoundState.OPEN: _l("open"),
    RoundState.CLOSED: _l("closed"),
}


class CommentVisibility(StrEnum):
    LIVE = "live"  # public as soon as submitted
    AFTER_CLOSE = "after-close"


class SubmissionKind(StrEnum):
    INDIVIDUAL = "individual"
    ORGANISATION = "organisation"
    FORMAL = "formal"  # formal submission of the Indigenous Peoples Advisory Forum


SUBMISSION_KIND_LABELS = {
    SubmissionKind.INDIVIDUAL: _l("As an individual"),
    SubmissionKind.ORGANISATION: _l("On behalf of an organisation"),
    SubmissionKind.FORMAL: _l("Formal submission of the Indigenous Peoples Advisory Forum"),
}


class SubmissionStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"


class CommentType(StrEnum):
    GENERAL = "general"
    TECHNICAL = "technical"
    EDITORIAL = "editorial"


COMMENT_TYPE_LABELS = {
    CommentType.GENERAL: _l("General"),
    CommentType.TECHNICAL: _l("Technical"),
    CommentType.EDITORIAL: _l("Editorial"),
}


class ConsultationRound(Base):
    __tablename__ = "consultation_round"
    __table_args__ = (
        UniqueConstraint("standard_id", "number"),
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        CheckConstraint("number >= 1", name="number_positive"),
        enum_check("visibility", CommentVisibility),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("standard.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    summary_html: Mapped[str] = mapped_column(StoredHTML, default="")
    rendered_with: Mapped[int] = mapped_column(Integer, default=RENDERER_VERSION)
    opens_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    visibility: Mapped[CommentVisibility] = mapped_column(
        String(16), default=CommentVisibility.LIVE
    )
    audiences: Mapped[str] = mapped_column(String(500), default="")
    receipt_counter: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    standard = relationship("Standard", lazy="raise")
    version = relationship("Version", lazy="raise")

    def state_at(self, now: dt.datetime) -> RoundState:
        """Say whether the round is scheduled, open or closed at this moment.

        The one rule: a round takes comments from opens_at (included) until
        closes_at (excluded). Everything that asks reads it from here, and
        queries use its SQL twin, in_state.
        """
        if now < self.opens_at:
            return RoundState.SCHEDULED
        if now < self.closes_at:
            return RoundState.OPEN
        return RoundState.CLOSED

    @classmethod
    def in_state(cls, now: dt.datetime, *states: RoundState) -> ColumnElement[bool]:
        """Return a WHERE condition: the round is in one of these states at this moment."""
        conditions = {
            RoundState.SCHEDULED: cls.opens_at > now,
            RoundState.OPEN: and_(cls.opens_at <= now, cls.closes_at > now),
            RoundState.CLOSED: cls.closes_at <= now,
        }
        return or_(*(conditions[RoundState(state)] for state in states))

    @property
    def length_days(self) -> float:
        return (self.closes_at - self.opens_at).total_seconds() / 86400


class Submission(Base):
    """What one person or organisation sends in a round; immutable once submitted."""

    __tablename__ = "submission"
    __table_args__ = (
        # Receipt order within a round: the committee's pages walk this index.
        Index("ix_submission_round_order", "round_id", "status", "submitted_at", "id"),
        enum_check("kind", SubmissionKind),
        enum_check("status", SubmissionStatus),
        enum_check("stakeholder_group", StakeholderGroup, ""),
        CheckConstraint(
            "status = 'draft' OR (receipt IS NOT NULL AND submitted_at IS NOT NULL)",
            name="submitted_has_receipt",
        ),
        CheckConstraint(
            "status <> 'withdrawn' OR withdrawn_at IS NOT NULL", name="withdrawn_has_time"
        ),
        # The record's formal submissions (a few per round among tens of thousands).
        Index(
            "ix_submission_formal",
            "round_id",
            "status",
            "submitted_at",
            sqlite_where=text("kind = 'formal'"),
            postgresql_where=text("kind = 'formal'"),
        ),
        # One draft per person per round: two tabs adding a first comment at once
        # must end in one draft (the loser of the race joins the winner's draft).
        Index(
            "uq_submission_one_draft",
            "round_id",
            "author_id",
            unique=True,
            sqlite_where=text("status = 'draft'"),
            postgresql_where=text("status = 'draft'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("consultation_round.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[SubmissionKind] = mapped_column(String(16), default=SubmissionKind.INDIVIDUAL)
    organisation: Mapped[str] = mapped_column(String(200), default="")
    cover_statement: Mapped[str] = mapped_column(Text, default="")
    cover_statement_html: Mapped[str] = mapped_column(StoredHTML, default="")
    rendered_with: Mapped[int] = mapped_column(Integer, default=RENDERER_VERSION)
    consent_publish_name: Mapped[bool] = mapped_column(Boolean, default=False)
    # The author's stakeholder group when submitting, kept even if the profile changes.
    stakeholder_group: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[SubmissionStatus] = mapped_column(String(16), default=SubmissionStatus.DRAFT)
    receipt: Mapped[str | None] = mapped_column(String(40), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    withdraw_reason: Mapped[str] = mapped_column(String(500), default="")

    round: Mapped[ConsultationRound] = relationship(lazy="raise")
    author = relationship("User", lazy="raise")
    comments: Mapped[list[Comment]] = relationship(
        back_populates="submission", order_by="Comment.ordinal", lazy="raise"
    )


class Comment(Base):
    __tablename__ = "comment"
    __table_args__ = (
        UniqueConstraint("submission_id", "ordinal"),
        CheckConstraint(
            "(anchor_start IS NULL AND anchor_end IS NULL) OR "
            "(anchor_start >= 0 AND anchor_end > anchor_start)",
            name="anchor_range",
        ),
        enum_check("comment_type", CommentType),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    # None: a comment on the whole draft.
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("clause.id"), index=True)
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("clause_revision.id"))
    comment_type: Mapped[CommentType] = mapped_column(String(16), default=CommentType.GENERAL)
    body: Mapped[str] = mapped_column(Text)
    proposed_change: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(StoredHTML, default="")
    proposed_change_html: Mapped[str] = mapped_column(StoredHTML, default="")
    rendered_with: Mapped[int] = mapped_column(Integer, default=RENDERER_VERSION)
    # The language the comment is written in (a BCP 47 code such as "fr").
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    # W3C Web Annotation selectors, on the clause's plain text.
    anchor_exact: Mapped[str | None] = mapped_column(Text)
    anchor_prefix: Mapped[str | None] = mapped_column(String(64))
    anchor_suffix: Mapped[str | None] = mapped_column(String(64))
    anchor_start: Mapped[int | None] = mapped_column(Integer)
    anchor_end: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="comments", lazy="raise")
    clause = relationship("Clause", lazy="raise")
    revision = relationship("ClauseRevision", lazy="raise")

    @staticmethod
    def anchor_columns(anchor) -> dict:
        """Map an app.text.anchoring.Anchor (or None) to the anchor_* columns."""
        return {
            "anchor_exact": anchor.exact if anchor else None,
            "anchor_prefix": anchor.prefix if anchor else None,
            "anchor_suffix": anchor.suffix if anchor else None,
            "anchor_start": anchor.start if anchor else None,
            "anchor_end": anchor.end if anchor else None,
        }

    @property
    def is_anchored(self) -> bool:
        return self.anchor_exact is not None


class Moderation(Base):
    """A secretariat decision to hide or show a comment; the latest row counts."""

    __tablename__ = "moderation"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"), index=True)
    hidden: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(500))
    moderator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    moderator = relationship("User", lazy="raise")


class CommentState(Base):
    """Read model: one row per submitted comment with what the counts group by.

    Derived, not history: written in the same transaction as each submit, withdrawal,
    moderation and disposition (app.consultation.state), rebuilt from the append-only
    rows by `flask comment-state rebuild`. Counts are index-only GROUP BYs on it.
    """

    __tablename__ = "comment_state"
    __table_args__ = (
        # Round progress with its open-by-type and -group breakdown, decision and group
        # counts: each a GROUP BY in this index's order (no sort), summed in Python.
        Index(
            "ix_comment_state_progress",
            "round_id",
            "agreed",
            "comment_type",
            "stakeholder_group",
            "decision",
            "formal",
            "hidden",
        ),
        # The committee's open-by-clause breakdown.
        Index("ix_comment_state_open_clause", "round_id", "agreed", "clause_id"),
        # The committee dashboard's pages in receipt order, whatever the filters: the
        # walk reads this index alone (every filter column is in it) and stops at the
        # page's end; also the filtered counts. Not `hidden`: no dashboard filter reads
        # it, and a covering index with it would draw the public counts (round, hidden)
        # away from ix_comment_state_public.
        Index(
            "ix_comment_state_receipt",
            "round_id",
            "submitted_at",
            "submission_id",
            "ordinal",
            "agreed",
            "decision",
            "comment_type",
            "stakeholder_group",
            "clause_id",
            "language",
            "formal",
            "comment_id",
        ),
        # Every comment on a clause across rounds (the committee's clause page), its count,
        # and the anchored comments of a (clause, round) that may have moved elsewhere.
        Index(
            "ix_comment_state_clause",
            "clause_id",
            "round_id",
            "submitted_at",
            "submission_id",
            "ordinal",
            "anchored",
        ),
        # The public record and synopsis in clause order, then comment id: each clause's
        # segment is a range of this index in page order (app.consultation.clause_order).
        Index("ix_comment_state_record", "clause_id", "round_id", "hidden", "comment_id"),
        # The languages of a round (a loose index scan: one probe per language).
        Index("ix_comment_state_language", "round_id", "language"),
        # Public counts: per clause (the round page) and per group (the synopsis); with
        # agreed and decision it covers the published synopsis's hidden rows, so SQLite
        # takes it (round, hidden: a few rows) over the covering progress index (the round).
        Index(
            "ix_comment_state_public",
            "round_id",
            "hidden",
            "clause_id",
            "stakeholder_group",
            "agreed",
            "decision",
        ),
        enum_check("comment_type", CommentType),
    )

    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("consultation_round.id"))
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("clause.id"))
    comment_type: Mapped[CommentType] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8), default="en")
    stakeholder_group: Mapped[str] = mapped_column(String(32), default="")
    formal: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    # Receipt order, the committee dashboard's: (submitted_at, submission id, ordinal).
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    submission_id: Mapped[int] = mapped_column(Integer)
    ordinal: Mapped[int] = mapped_column(Integer)
    # Anchored to a passage (comment.anchor_exact is set): may have moved to another clause.
    anchored: Mapped[bool] = mapped_column(Boolean, default=False)
    # The latest moderation row (by id) and disposition row (by seq) applied: an
    # update only lands if it is newer, so commit order cannot make the state drift.
    moderation_id: Mapped[int | None] = mapped_column(Integer)
    disposition_id: Mapped[int | None] = mapped_column(Integer)
    disposition_seq: Mapped[int | None] = mapped_column(Integer)
    decision: Mapped[str | None] = mapped_column(String(32))
    agreed: Mapped[bool] = mapped_column(Boolean, default=False)


class RoundChangeKind(StrEnum):
    EXTEND = "extend"
    CLOSE_EARLY = "close-early"


class RoundChange(Base):
    """A change of a round's closing time after it was set: extended or closed early."""

    __tablename__ = "round_change"
    __table_args__ = (
        enum_check("kind", RoundChangeKind),
        CheckConstraint("length(trim(reason)) > 0", name="reason_given"),
        CheckConstraint(
            "(kind = 'extend' AND new_closes_at > old_closes_at) "
            "OR (kind = 'close-early' AND new_closes_at < old_closes_at)",
            name="direction_matches_kind",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("consultation_round.id"), index=True)
    kind: Mapped[RoundChangeKind] = mapped_column(String(16))
    old_closes_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    new_closes_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    # None: the system (the shell), recorded as no one, as in the audit log.
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    changed_by = relationship("User", lazy="raise")


# Relationships load only when asked for (lazy="raise"); these are the usual asks.
def round_parts():
    """Loader options for a round's standard and version (shown wherever a round is)."""
    return (joinedload(ConsultationRound.standard), joinedload(ConsultationRound.version))


def submission_parts():
    """Loader options for a submission's round (with its parts) and author."""
    return (
        joinedload(Submission.round).options(*round_parts()),
        joinedload(Submission.author),
    )


def comment_parts():
    """Loader options for a comment's submission (with its parts), clause and revision."""
    return (
        joinedload(Comment.submission).options(*submission_parts()),
        joinedload(Comment.clause),
        joinedload(Comment.revision),
    )


def submission_with_comments():
    """Loader options for a submission with its parts and its comments (300 at most)."""
    return (
        *submission_parts(),
        selectinload(Submission.comments).options(
            joinedload(Comment.clause), joinedload(Comment.revision)
        ),
    )
