"""`flask comment-state rebuild|check`: the comment read model, from the shell."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db

comment_state_cli = AppGroup("comment-state", help="The per-comment read model (counts).")


@comment_state_cli.command("rebuild")
@click.option("--round", "round_id", type=int, default=None, help="Only this round's rows.")
def rebuild_command(round_id: int | None) -> None:
    """Recompute comment_state from the submissions, moderation and dispositions."""
    from app.committee import state

    with db.transaction() as session:
        rows = state.rebuild(session, round_id)
    where = f"round {round_id}" if round_id is not None else "all rounds"
    click.echo(f"comment_state rebuilt for {where}: {rows} rows.")


@comment_state_cli.command("check")
@click.option("--round", "round_id", type=int, default=None, help="Only this round's rows.")
def check_command(round_id: int | None) -> None:
    """Compare comment_state with a rebuild from history; exit 1 if they differ."""
    from app.committee import state

    with db.transaction() as session:
        wrong = state.differences(session, round_id)
    if wrong:
        raise click.ClickException(
            f"comment_state differs from its history in {wrong} rows; "
            "run `flask comment-state rebuild`."
        )
    click.echo("comment_state matches the history.")
