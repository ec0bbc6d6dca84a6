"""flask search rebuild | status | apply."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db

search_cli = AppGroup("search", help="The search index: rebuild it, see how far behind it is.")


@search_cli.command("rebuild")
@click.option(
    "--if-outdated",
    is_flag=True,
    help="Only if the index on disk was written for an older schema (scripts/run uses this).",
)
def rebuild(if_outdated: bool) -> None:
    """Recreate the search index from the database."""
    from app.search import indexer
    from app.search.engines import get_engine

    engine = get_engine()
    if if_outdated and not engine.outdated():
        click.echo("The search index is up to date.")
        return
    total = indexer.rebuild_size(db)
    with click.progressbar(length=total, label=f"Indexing ({engine.name})") as bar:
        written = indexer.rebuild(db, engine, progress=bar.update)
    click.echo(f"{written} documents indexed.")


@search_cli.command("status")
def status() -> None:
    """Say which engine serves search, how many updates wait and how old the oldest is."""
    from app.search import indexer
    from app.search.engines import get_engine

    with db.transaction() as session:
        state = indexer.status(session)
        documents = get_engine().document_count(session)
    click.echo(f"engine: {state.engine}")
    click.echo(f"documents: {documents}")
    click.echo(f"waiting updates: {state.waiting}")
    if state.oldest is not None:
        click.echo(f"oldest waiting: {int(state.oldest.total_seconds())} s")
    if state.lagging:
        click.echo("the index is lagging: run `flask search apply` (or `flask jobs run`)")


@search_cli.command("apply")
def apply() -> None:
    """Apply the queued index updates now (they normally run after each request)."""
    from app.search import indexer

    click.echo(f"{indexer.apply_pending(db)} updates applied")
