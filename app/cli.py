"""Flask commands: db, users, standards, jobs, demo."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.auth.cli import accounts_cli
from app.auth.models import Role
from app.auth.permissions import SYSTEM
from app.backup import cli as backup_cli
from app.benchcorpus.cli import bench_cli
from app.committee.cli import comment_state_cli
from app.consultation.counters_cli import counters_cli
from app.errors import DomainError
from app.extensions import db
from app.publishing import cli as publishing_cli

ROOT = Path(__file__).resolve().parent.parent

db_cli = AppGroup("db", help="Create and upgrade the database schema (Alembic).")
users_cli = AppGroup("users", help="Manage accounts.")
standards_cli = AppGroup("standards", help="Import and export standards as Markdown source.")
jobs_cli = AppGroup("jobs", help="Run queued background work (mail, indexing).")
ballots_cli = AppGroup("ballots", help="Committee ballots.")
rounds_cli = AppGroup("rounds", help="Load consultation rounds from files in consultations/.")


# Alembic announces every plugin it sets up at INFO; migrations need no chatter.
logging.getLogger("alembic").setLevel(logging.WARNING)


def alembic_config():
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", current_app.config["DATABASE_URL"])
    cfg.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    return cfg


def upgrade_schema(revision: str = "head") -> None:
    from alembic import command

    cfg = alembic_config()
    with db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Create or upgrade the schema to the newest migration."""
    upgrade_schema(revision)
    click.echo(f"Database at {revision}.")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Downgrade the schema to an older migration."""
    from alembic import command

    cfg = alembic_config()
    with db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--rev-id", default=None, help="A fixed revision id instead of a random one.")
def db_revision(message: str, rev_id: str | None) -> None:
    """Write a new migration from the difference between models and database."""
    from alembic import command

    cfg = alembic_config()
    with db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", "roles", multiple=True, type=click.Choice([r.value for r in Role]))
@click.option("--organisation", default="")
def users_create(
    email: str, name: str, password: str, roles: tuple[str, ...], organisation: str
) -> None:
    """Create an account, with roles."""
    from app.auth import service

    try:
        with db.transaction() as session:
            user = service.create_user(
                session,
                email=email,
                password=password,
                name=name,
                roles=list(roles),
                organisation=organisation,
            )
            click.echo(f"Created {user.email} with roles: {', '.join(roles) or 'none'}")
    except DomainError as exc:
        raise click.ClickException(exc.message) from None


@users_cli.command("grant")
@click.argument("email")
@click.argument("role", type=click.Choice([r.value for r in Role]))
def users_grant(email: str, role: str) -> None:
    """Grant a role to an existing account."""
    from app.auth import service

    try:
        with db.transaction() as session:
            user = service.find_by_email(session, email)
            if user is None:
                raise click.ClickException(f"no account for {email}")
            granted = service.grant_role(session, SYSTEM, user, role)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"{email} now holds {role}" if granted else f"{email} already holds {role}")


@standards_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--freeze", "label", default=None, help="Freeze the result as this version.")
def standards_import(path: Path, label: str | None) -> None:
    """Make a standard's working draft match a Markdown source file."""
    from app.drafting.importing import import_source
    from app.drafting.service import freeze
    from app.drafting.source import SourceError

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{path}: not UTF-8 text ({exc.reason})") from None
    try:
        with db.transaction() as session:
            report = import_source(session, SYSTEM, text, str(path))
            if label:
                freeze(session, SYSTEM, report.standard, label=label)
    except SourceError as exc:
        raise click.ClickException(exc.message) from None
    except DomainError as exc:
        raise click.ClickException(f"{path}: {exc.message}") from None
    click.echo(
        f"{report.standard.slug}: {report.added} added, {report.changed} changed, "
        f"{report.deleted} deleted, {report.unchanged} unchanged"
        + (f"; frozen as {label}" if label else "")
    )


@standards_cli.command("export")
@click.argument("slug")
@click.option("--version", "label", default=None, help="Export a frozen version.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
def standards_export(slug: str, label: str | None, output: Path | None) -> None:
    """Write a standard's working draft (or a version) as Markdown source."""
    from app.drafting.importing import export_source
    from app.drafting.service import get_standard, get_version

    with db.transaction() as session:
        try:
            standard = get_standard(session, slug)
            version = get_version(session, standard, label) if label else None
        except DomainError as exc:
            raise click.ClickException(exc.message) from None
        text = export_source(session, standard, version)
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}")
    else:
        sys.stdout.write(text)


@jobs_cli.command("run")
def jobs_run() -> None:
    """Run queued jobs that have not been done yet."""
    from app.jobs.service import run_pending

    click.echo(f"{run_pending(db)} jobs done")


@rounds_cli.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def rounds_load(path: Path) -> None:
    """Open the consultation round a TOML file defines (see app/consultation/rounds_file.py)."""
    from app.consultation import iseal, rounds_file

    try:
        with db.transaction() as session:
            round_ = rounds_file.load(session, SYSTEM, path)
            flags = [iseal.flag_message(f) for f in iseal.round_flags(session, round_)]
            click.echo(
                f"Round {round_.number} of {round_.standard.slug} on "
                f"{round_.version.label}: {round_.opens_at:%Y-%m-%d %H:%M} to "
                f"{round_.closes_at:%Y-%m-%d %H:%M} UTC"
            )
    except rounds_file.RoundFileError as exc:
        raise click.ClickException(str(exc)) from None
    except DomainError as exc:
        where = f"{path}: {exc.field}" if exc.field else str(path)
        raise click.ClickException(f"{where}: {exc.message}") from None
    for flag in flags:
        click.echo(f"ISEAL flag: {flag}")


@ballots_cli.command("close-due")
def ballots_close_due() -> None:
    """Close the ballots whose closing time has passed and record their outcome."""
    from app.committee.ballots import close_due_ballots

    with db.transaction() as session:
        closed = close_due_ballots(session)
        for ballot in closed:
            click.echo(f"ballot {ballot.id}: {ballot.outcome}")
    click.echo(f"{len(closed)} ballots closed")


def register_cli(app: Flask) -> None:
    from app.jobs import worker as jobs_worker
    from app.rendering.cli import text_cli
    from app.search.cli import search_cli
    from app.translation.cli import translations_cli

    app.cli.add_command(search_cli)
    app.cli.add_command(text_cli)
    app.cli.add_command(ballots_cli)
    app.cli.add_command(db_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(standards_cli)
    standards_cli.add_command(publishing_cli.publish_command)
    standards_cli.add_command(publishing_cli.print_pdfs_command)
    app.cli.add_command(jobs_cli)
    jobs_cli.add_command(jobs_worker.work_command)
    app.cli.add_command(rounds_cli)
    app.cli.add_command(bench_cli)
    app.cli.add_command(translations_cli)
    rounds_cli.add_command(publishing_cli.archive_command)
    backup_cli.register(app)
    app.cli.add_command(accounts_cli)
    app.cli.add_command(comment_state_cli)
    app.cli.add_command(counters_cli)

    @app.cli.command("demo")
    def demo() -> None:
        """Load the demo standard, rounds and accounts (safe to run twice)."""
        from app.demo.loader import load_demo
        from app.search.indexer import apply_pending

        for line in load_demo(db):
            click.echo(line)
        click.echo(f"Search: {apply_pending(db)} index updates applied.")
