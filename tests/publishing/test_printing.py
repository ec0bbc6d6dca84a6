"""Publication PDFs printed by a job queued with the publication, stored once, served as stored."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import delete, select, text

from app.errors import Conflict, RecordFrozen
from app.jobs import service as jobs
from app.jobs.models import Job
from app.publishing import pdf, printing
from app.publishing.models import PublicationPdf


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _print_jobs(session, publication_id: int) -> list[Job]:
    found = session.scalars(select(Job).where(Job.kind == printing.JOB).order_by(Job.id))
    return [job for job in found if job.payload["publication_id"] == publication_id]


def _stored(session, publication_id: int) -> dict[str, PublicationPdf]:
    rows = session.scalars(
        select(PublicationPdf).where(PublicationPdf.publication_id == publication_id)
    )
    return {row.locale: row for row in rows}


def _cached_files(folder: Path, publication_id: int) -> list[Path]:
    return list(folder.glob(f"publication-{publication_id}-*.pdf"))


def test_publishing_queues_one_print_per_language_in_its_transaction(
    session, make_standard, published, app
):
    publication = published(make_standard(), "1.0")
    queued = _print_jobs(session, publication.id)
    assert [job.payload["locale"] for job in queued] == list(app.config["LANGUAGES"])
    assert all(job.done_at is None for job in queued)
    assert publication.id  # the jobs name a row of the same (uncommitted) transaction
    assert session.info["queued_jobs"][-len(queued) :] == queued


def test_the_job_prints_and_stores_each_language_once(db, session, make_standard, published, app):
    publication = published(make_standard(), "1.0", notes="Release notes for the PDF.")
    session.commit()
    jobs.run_pending(db)
    session.expire_all()
    stored = _stored(session, publication.id)
    assert sorted(stored) == sorted(app.config["LANGUAGES"])
    english = _pdf_text(stored["en"].data)
    assert "Release notes for the PDF." in english and "Edition 1.0" in english
    assert "The Entity shall report on topic 2 every year" in english
    assert "Édition 1.0" in _pdf_text(stored["fr"].data)  # printed in the reader's language
    assert stored["en"].layout == pdf.LAYOUT and len(stored["en"].sha256) == 64
    assert all(job.done_at is not None for job in _print_jobs(session, publication.id))
    # A second run of the job (a retry after a lost end) keeps the PDF as printed.
    before = stored["en"].sha256
    printing.print_publication(session, {"publication_id": publication.id, "locale": "en"})
    session.flush()
    assert _stored(session, publication.id)["en"].sha256 == before


def test_the_route_serves_the_stored_pdf(db, session, client, make_standard, published, pdf_cache):
    standard = make_standard()
    publication = published(standard, "1.0")
    session.commit()
    jobs.run_pending(db)
    session.expire_all()
    stored = _stored(session, publication.id)
    path = f"/standards/{standard.slug}/1.0.pdf"
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data == stored["en"].data
    assert response.headers["ETag"] == f'"{stored["en"].sha256[:32]}"'
    assert response.headers["Content-Disposition"] == (
        f'inline; filename="{standard.slug}-1.0.pdf"'
    )
    assert "Accept-Language" in response.headers["Vary"]
    assert not _cached_files(pdf_cache, publication.id)  # nothing printed on demand
    french = client.get(path, headers={"Accept-Language": "fr"})
    assert french.data == stored["fr"].data
    etag = response.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""


def test_a_stored_pdf_outlives_a_layout_change(
    db, session, client, make_standard, published, monkeypatch
):
    standard = make_standard()
    publication = published(standard, "1.0")
    session.commit()
    jobs.run_pending(db)
    session.expire_all()
    printed = _stored(session, publication.id)["en"].data
    monkeypatch.setattr(pdf, "LAYOUT", pdf.LAYOUT + 1)
    monkeypatch.setattr(pdf, "render", lambda html: pytest.fail("printed again"))
    assert client.get(f"/standards/{standard.slug}/1.0.pdf").data == printed


def test_before_its_job_runs_the_pdf_is_printed_on_demand(
    session, client, make_standard, published, pdf_cache
):
    standard = make_standard()
    publication = published(standard, "1.0", notes="Printed on demand.")
    response = client.get(f"/standards/{standard.slug}/1.0.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "Printed on demand." in _pdf_text(response.data)
    assert _cached_files(pdf_cache, publication.id)  # kept on disk for the next reader
    session.expire_all()
    assert _stored(session, publication.id) == {}  # no database write on a GET
    assert all(job.done_at is None for job in _print_jobs(session, publication.id))


def test_stored_pdfs_are_append_only(db, session, make_standard, published):
    publication = published(make_standard(), "1.0")
    printing.store(session, publication.id, "en", b"%PDF-1.7 first")
    assert not printing.store(session, publication.id, "en", b"%PDF-1.7 second")
    session.flush()
    row = _stored(session, publication.id)["en"]
    assert row.data == b"%PDF-1.7 first"
    with pytest.raises(Conflict), session.begin_nested():
        row.data = b"%PDF-1.7 changed"
        session.flush()
    for statement in ("UPDATE publication_pdf SET data = :x", "DELETE FROM publication_pdf"):
        with pytest.raises(RecordFrozen), session.begin_nested():
            session.execute(text(statement), {"x": b"%PDF changed"})
    session.expire_all()
    assert _stored(session, publication.id)["en"].data == b"%PDF-1.7 first"


def test_cli_queues_the_prints_not_stored_yet(runner, db, session, make_standard, published, app):
    older = published(make_standard(), "1.0")
    # An edition published before publishing queued its prints: no job, no PDF.
    session.execute(delete(Job).where(Job.kind == printing.JOB))
    newer = published(make_standard(slug="second-std"), "1.0")
    session.commit()
    jobs.run_pending(db)  # the newer edition is printed in every language
    result = runner.invoke(args=["standards", "print-pdfs"])
    assert result.exit_code == 0, result.output
    languages = list(app.config["LANGUAGES"])
    assert f"{len(languages)} PDF prints queued" in result.output
    session.expire_all()
    assert [job.payload["locale"] for job in _print_jobs(session, older.id)] == languages
    assert all(job.done_at is not None for job in _print_jobs(session, newer.id))
    jobs.run_pending(db)
    session.expire_all()
    assert sorted(_stored(session, older.id)) == sorted(languages)
    again = runner.invoke(args=["standards", "print-pdfs"])
    assert "0 PDF prints queued" in again.output
