from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import Base, UTCDateTime, utcnow


class Publication(Base):
    """An adopted version made public under a number; never changed, corrected by a new one.

    Whether a publication is in force or superseded is not stored: it follows from
    the newer publications of the standard and their effective dates.
    """

    __tablename__ = "publication"
    __table_args__ = (
        UniqueConstraint("standard_id", "number"),
        CheckConstraint("corrects_id IS NULL OR corrects_id <> id", name="corrects_other"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("standard.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"), index=True)
    # The carried adoption ballot that allowed it (none for a correction of the same version).
    ballot_id: Mapped[int | None] = mapped_column(ForeignKey("ballot.id"))
    number: Mapped[str] = mapped_column(String(20))
    effective_on: Mapped[dt.date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    # Rendered once, when published: the text never changes.
    notes_html: Mapped[str] = mapped_column(Text, default="")
    justification: Mapped[str] = mapped_column(Text, default="")
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("publication.id"))
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    standard = relationship("Standard", lazy="joined")
    version = relationship("Version", lazy="joined")
    published_by = relationship("User", lazy="joined")
    corrects: Mapped[Publication | None] = relationship(remote_side=[id], lazy="raise")


class PublicationPdf(Base):
    """The PDF of a publication in one interface language, printed once and kept as printed.

    Printed by a job queued in the transaction that publishes (app/publishing/printing.py);
    append-only like the publication itself (migration 0009_publication_pdf_append_only):
    a later layout change never alters an edition already printed.
    """

    __tablename__ = "publication_pdf"
    __table_args__ = (UniqueConstraint("publication_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publication.id"))
    locale: Mapped[str] = mapped_column(String(16))
    layout: Mapped[int] = mapped_column(Integer)  # pdf.LAYOUT when printed
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    printed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
