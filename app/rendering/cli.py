"""`flask text rerender`: bring stored HTML up to the current Markdown renderer."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db
from app.rendering import rerender
from app.text.markdown import RENDERER_VERSION

text_cli = AppGroup("text", help="Stored HTML of Markdown texts.")


@text_cli.command("rerender")
@click.option("--batch", default=500, show_default=True, help="Rows per read.")
def rerender_command(batch: int) -> None:
    """Re-render every stored text written by an older renderer (after an upgrade)."""
    with db.transaction() as session:
        counts = rerender(session, batch=batch)
    for table, count in counts.items():
        click.echo(f"{table}: {count} re-rendered")
    click.echo(f"Stored HTML is at renderer version {RENDERER_VERSION}.")
