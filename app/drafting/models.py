from __future__ import annotations

import datetime as dt
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import Base, UTCDateTime, enum_check, utcnow


class ClauseKind(StrEnum):
    PRINCIPLE = "principle"
    CRITERION = "criterion"
    REQUIREMENT = "requirement"
    GUIDANCE = "guidance"
    DEFINITION = "definition"
    ANNEX = "annex"


CLAUSE_KIND_LABELS = {
    ClauseKind.PRINCIPLE: _l("Principle"),
    ClauseKind.CRITERION: _l("Criterion"),
    ClauseKind.REQUIREMENT: _l("Requirement"),
    ClauseKind.GUIDANCE: _l("Guidance"),
    ClauseKind.DEFINITION: _l("Definition"),
    ClauseKind.ANNEX: _l("Annex"),
}


class VersionState(StrEnum):
    FROZEN = "frozen"
    ADOPTED = "adopted"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


ISEAL_MIN_ROUND_DAYS = 60  # the ISEAL Code's minimum, the default for a new standard
ISEAL_MIN_ROUNDS = 2

VERSION_STATE_LABELS = {
    VersionState.FROZEN: _l("frozen"),
    VersionState.ADOPTED: _l("adopted"),
    VersionState.PUBLISHED: _l("published"),
    VersionState.WITHDRAWN: _l("withdrawn"),
}


class Standard(Base):
    __tablename__ = "standard"
    __table_args__ = (
        CheckConstraint("iseal_min_round_days >= 1", name="iseal_min_round_days_positive"),
        CheckConstraint("iseal_min_rounds >= 1", name="iseal_min_rounds_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    # Unique: clause uids and receipt references start with it.
    uid_prefix: Mapped[str] = mapped_column(String(8), unique=True)
    # The ISEAL Code's expectations as the secretariat sets them (app.consultation.iseal).
    iseal_min_round_days: Mapped[int] = mapped_column(
        Integer, default=ISEAL_MIN_ROUND_DAYS, server_default=str(ISEAL_MIN_ROUND_DAYS)
    )
    iseal_min_rounds: Mapped[int] = mapped_column(
        Integer, default=ISEAL_MIN_ROUNDS, server_default=str(ISEAL_MIN_ROUNDS)
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    clauses: Mapped[list[Clause]] = relationship(back_populates="standard", lazy="raise")
    versions: Mapped[list[Version]] = relationship(
        back_populates="standard", order_by="Version.id", lazy="raise"
    )


class Clause(Base):
    """The stable identity of a clause across every draft."""

    __tablename__ = "clause"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("standard.id"), index=True)
    # Denormalised pointer to the newest revision, moved only by a
    # compare-and-set UPDATE so that concurrent saves are detected.
    head_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("clause_revision.id", use_alter=True)
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    standard: Mapped[Standard] = relationship(back_populates="clauses", lazy="raise")
    head: Mapped[ClauseRevision | None] = relationship(
        foreign_keys=[head_revision_id], post_update=True, lazy="raise"
    )


class ClauseRevision(Base):
    """Append-only text and place of a clause; never updated."""

    __tablename__ = "clause_revision"
    __table_args__ = (
        UniqueConstraint("clause_id", "seq"),
        CheckConstraint("seq >= 1", name="seq_positive"),
        enum_check("kind", ClauseKind),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("clause.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[ClauseKind] = mapped_column(String(16))
    number: Mapped[str] = mapped_column(String(32), default="")
    heading: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    parent_clause_id: Mapped[int | None] = mapped_column(ForeignKey("clause.id"), index=True)
    position: Mapped[float] = mapped_column(Float, default=0.0)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("clause_revision.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    message: Mapped[str] = mapped_column(String(500), default="")
    merged: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    clause: Mapped[Clause] = relationship(foreign_keys=[clause_id], lazy="raise")
    parent: Mapped[Clause | None] = relationship(foreign_keys=[parent_clause_id], lazy="raise")
    author = relationship("User", lazy="raise")

    @property
    def title(self) -> str:
        return " ".join(part for part in (self.number, self.heading) if part)


class Version(Base):
    """A named, immutable snapshot of a standard: an ordered list of revisions."""

    __tablename__ = "version"
    __table_args__ = (
        UniqueConstraint("standard_id", "label"),
        enum_check("state", VersionState),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("standard.id"), index=True)
    label: Mapped[str] = mapped_column(String(40))
    # The standard's title and summary as they were at freezing: a later import that
    # retitles the standard must not change what this version shows or exports.
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    state: Mapped[VersionState] = mapped_column(String(16), default=VersionState.FROZEN)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    standard: Mapped[Standard] = relationship(back_populates="versions", lazy="raise")
    entries: Mapped[list[VersionEntry]] = relationship(
        back_populates="version", order_by="VersionEntry.ordinal", lazy="raise"
    )


class VersionEntry(Base):
    __tablename__ = "version_entry"
    __table_args__ = (
        UniqueConstraint("version_id", "ordinal"),
        UniqueConstraint("version_id", "clause_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    depth: Mapped[int] = mapped_column(Integer)
    clause_id: Mapped[int] = mapped_column(ForeignKey("clause.id"))
    revision_id: Mapped[int] = mapped_column(ForeignKey("clause_revision.id"))

    version: Mapped[Version] = relationship(back_populates="entries", lazy="raise")
    revision: Mapped[ClauseRevision] = relationship(lazy="raise")
