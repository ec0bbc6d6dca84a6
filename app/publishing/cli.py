"""`flask standards publish`: publish an adopted version from the shell."""

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
