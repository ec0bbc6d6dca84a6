"""A publication's PDF, printed by a job queued in the transaction that publishes it.

Publishing queues one `publication.print` job per interface language; the job prints
the edition (WeasyPrint, ~12 s for the demo edition) and stores the bytes in
`publication_pdf`, append-only, so the first reader gets a stored file and every
reader the same one. A publication is immutable, so is its printed PDF: once
stored it is never printed again, whatever later layout changes (pdf.LAYOUT).
Until the job has run, the PDF route prints on demand as before (app/publishing/views.py).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.drafting.models import CLAUSE_KIND_LABELS
from app.jobs.service import enqueue, handler
from app.publishing import pdf
from app.publishing.models import Publication, PublicationPdf

log = logging.getLogger(__name__)
JOB = "publication.print"


def document_html(session: Session, publication: Publication) -> str:
    """Return the print HTML of a publication, in the current locale.

    Everything it shows is immutable: the publication, its version's clauses and the
    publication it corrects (never its later standing, which the reader page shows).
    """
    from app.publishing import service

    corrects = None
    if publication.corrects_id is not None:
        corrects = session.get(Publication, publication.corrects_id)
    return render_template(
        "publishing/print.html",
        standard=publication.standard,
        publication=publication,
        corrects=corrects,
        nodes=service.read(session, publication),
        kind_labels=CLAUSE_KIND_LABELS,
    )


def queue_prints(session: Session, publication: Publication) -> None:
    """Queue the printing of a new publication in every interface language (same transaction)."""
    for locale in current_app.config["LANGUAGES"]:
        enqueue(session, JOB, publication_id=publication.id, locale=locale)


def queue_missing(session: Session) -> int:
    """Queue a print of every publication PDF not stored yet; return how many were queued.

    For editions published before publishing queued their prints. A print already
    queued and not yet run is queued again: harmless, a job stores nothing twice.
    """
    stored = set(session.execute(select(PublicationPdf.publication_id, PublicationPdf.locale)))
    queued = 0
    for publication_id in session.scalars(select(Publication.id).order_by(Publication.id)):
        for locale in current_app.config["LANGUAGES"]:
            if (publication_id, locale) not in stored:
                enqueue(session, JOB, publication_id=publication_id, locale=locale)
                queued += 1
    return queued


@dataclass(frozen=True, slots=True)
class StoredPdf:
    sha256: str
    printed_at: object
    data: bytes | None = None


def stored_digest(session: Session, publication_id: int, locale: str) -> StoredPdf | None:
    """Say whether the PDF is stored (digest and date only: a 304 never reads the bytes)."""
    row = session.execute(
        select(PublicationPdf.sha256, PublicationPdf.printed_at).where(
            PublicationPdf.publication_id == publication_id, PublicationPdf.locale == locale
        )
    ).first()
    return StoredPdf(row.sha256, row.printed_at) if row else None


def stored_bytes(session: Session, publication_id: int, locale: str) -> bytes | None:
    return session.scalar(
        select(PublicationPdf.data).where(
            PublicationPdf.publication_id == publication_id, PublicationPdf.locale == locale
        )
    )


def store(session: Session, publication_id: int, locale: str, data: bytes) -> bool:
    """Keep a printed PDF unless one is stored already; return whether this one was kept."""
    if stored_digest(session, publication_id, locale) is not None:
        return False
    row = PublicationPdf(
        publication_id=publication_id,
        locale=locale,
        layout=pdf.LAYOUT,
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
    )
    try:
        with session.begin_nested():  # another printer may have stored it meanwhile
            session.add(row)
    except IntegrityError:
        return False
    return True


@handler(JOB)
def print_publication(session: Session, payload: dict) -> None:
    """Print a publication in one language and store it, once."""
    publication_id, locale = payload["publication_id"], payload["locale"]
    if stored_digest(session, publication_id, locale) is not None:
        return
    publication = session.get(Publication, publication_id)
    if publication is None:
        return
    with current_app.test_request_context(), force_locale(locale):
        html = document_html(session, publication)
    # Print outside any transaction: on SQLite a job's transaction holds the write lock
    # (BEGIN IMMEDIATE), and printing takes seconds. Nothing was written yet.
    session.rollback()
    data = pdf.render(html)
    if store(session, publication_id, locale, data):
        log.info("printed publication %s (%s): %d bytes", publication_id, locale, len(data))
