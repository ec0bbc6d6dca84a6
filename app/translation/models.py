"""Translations of frozen versions: English stays authoritative, each language is attached.

A `VersionTranslation` is one language of one frozen version. Its clauses are
`ClauseTranslation` rows, appended (never updated): the newest row per clause counts,
and each row records the authoritative revision it translates, so a reader of a later
version sees which clauses changed after their translation.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import Base, UTCDateTime, utcnow


class VersionTranslation(Base):
    __tablename__ = "version_translation"
    __table_args__ = (UniqueConstraint("version_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    version = relationship("Version", lazy="joined")


class ClauseTranslation(Base):
    __tablename__ = "clause_translation"
    __table_args__ = (Index("ix_clause_translation_latest", "translation_id", "clause_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    translation_id: Mapped[int] = mapped_column(ForeignKey("version_translation.id"))
    clause_id: Mapped[int] = mapped_column(ForeignKey("clause.id"), index=True)
    # The authoritative revision this text translates.
    source_revision_id: Mapped[int] = mapped_column(ForeignKey("clause_revision.id"))
    heading: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    translation: Mapped[VersionTranslation] = relationship(lazy="raise")
