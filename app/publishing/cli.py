"""`flask standards publish` and `print-pdfs`, `flask rounds archive`: publishing from the shell."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from app.auth.permissions import SYSTEM
from app.errors import DomainError
from app.extensions import db


@click.command("publish")
@click.argument("slug")
@click.option("--version", "label", required=True, help="The adopted version, e.g. 3.0-rc.")
@click.option("--number", required=True, help="The edition number, e.g. 3.0.")
@click.option(
    "--effective",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The date it takes effect, YYYY-MM-DD.",
)
@click.option(
    "--notes",
    "notes_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A Markdown file of release notes.",
)
@click.option("--corrects", default=None, help="The number of the publication this corrects.")
def publish_command(
    slug: str,
    label: str,
    number: str,
    effective: dt.datetime,
    notes_path: Path | None,
    corrects: str | None,
) -> None:
    """Publish an adopted version of a standard as a numbered edition."""
    from app.drafting.service import get_standard, get_version
    from app.publishing import service

    try:
        notes = notes_path.read_text(encoding="utf-8") if notes_path else ""
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{notes_path}: not UTF-8 text ({exc.reason})") from None
    try:
        with db.transaction() as session:
            standard = get_standard(session, slug)
            version = get_version(session, standard, label)
            corrected = service.get_publication(session, standard, corrects) if corrects else None
            publication = service.publish(
                session,
                SYSTEM,
                version,
                number=number,
                effective_on=effective.date(),
                notes=notes,
                corrects=corrected,
            )
            url = f"/standards/{slug}/{publication.number}"
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Published {slug} {number} ({label}), effective {effective:%Y-%m-%d}: {url}")


@click.command("archive")
@click.argument("round_id", metavar="ROUND", type=int)
@click.option(
    "--into",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The folder to write under (default: consultations/ at the repository root).",
)
@click.option(
    "--base-url",
    envvar="PUBLIC_BASE_URL",
    default="http://localhost:5000",
    show_default=True,
    help="The site's public address, for the links in annotations.jsonld.",
)
def archive_command(round_id: int, into: Path | None, base_url: str) -> None:
    """Write a closed round's public record (comments, dispositions, synopsis) as files."""
    from flask import current_app

    from app.consultation.service import get_round
    from app.publishing import archive
    from app.publishing.export_views import annotation_urls

    into = into or Path(current_app.root_path).parent / "consultations"
    try:
        with db.transaction() as session, current_app.test_request_context(base_url=base_url):
            round_ = get_round(session, round_id)
            written = archive.archive(session, round_, into, annotation_urls(round_))
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    for path in written:
        click.echo(f"Wrote {path}")


@click.command("print-pdfs")
def print_pdfs_command() -> None:
    """Queue the printing of every edition's PDF not stored yet (run by `flask jobs work`)."""
    from app.publishing import printing

    with db.transaction() as session:
        queued = printing.queue_missing(session)
    click.echo(f"{queued} PDF prints queued")
