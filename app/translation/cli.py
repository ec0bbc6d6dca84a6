"""`flask translations import`: attach a translation of a frozen version from source."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app.auth.permissions import SYSTEM
from app.errors import DomainError
from app.extensions import db

translations_cli = AppGroup("translations", help="Translations of frozen versions of standards.")


@translations_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--version", "label", required=True, help="The frozen version it translates.")
@click.option("--lang", "language", required=True, help="Language code, e.g. fr.")
def import_command(path: Path, label: str, language: str) -> None:
    """Attach a translation (standards_src format, same uids) to a frozen version."""
    from app.drafting.service import get_standard, get_version
    from app.drafting.source import parse
    from app.translation.service import import_translation

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{path}: not UTF-8 text ({exc.reason})") from None
    try:
        with db.transaction() as session:
            standard = get_standard(session, parse(text, str(path)).slug)
            version = get_version(session, standard, label)
            result = import_translation(session, SYSTEM, version, language, text)
    except DomainError as exc:
        raise click.ClickException(f"{path}: {exc.message}") from None
    click.echo(
        f"{standard.slug} {label} ({language}): {result.written} clauses written, "
        f"{result.unchanged} unchanged"
    )
