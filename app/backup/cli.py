"""`flask backup [PATH]` and `flask restore PATH --yes`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app

from app.backup import service
from app.extensions import db


@click.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path | None) -> None:
    """Write a consistent copy of the database to PATH (default: instance/backups/)."""
    url = current_app.config["DATABASE_URL"]
    if path is None:
        path = service.default_path(Path(current_app.instance_path) / "backups", url)
    try:
        written = service.backup(url, path, engine=db.engine)
    except service.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backup written to {written} ({written.stat().st_size:,} bytes).")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Confirm that every row of the database is replaced.")
def restore_command(path: Path, yes: bool) -> None:
    """Replace the whole database with the backup at PATH (stop the app first)."""
    url = current_app.config["DATABASE_URL"]
    if not yes:
        raise click.ClickException(
            f"This replaces everything in {db.engine.url.render_as_string(hide_password=True)} "
            f"with {path}. Stop the app, then run again with --yes."
        )
    try:
        service.restore(url, path, engine=db.engine)
    except service.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Database restored from {path}.")


def register(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
