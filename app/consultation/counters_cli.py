"""`flask counters check|repair`: the per-round comment counters, from the shell."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db

counters_cli = AppGroup("counters", help="The per-round and per-clause comment counters.")


@counters_cli.command("check")
@click.option("--round", "round_id", type=int, default=None, help="Only this round's counters.")
def check_command(round_id: int | None) -> None:
    """Recount comment_state and compare with the counters; exit 1 if they differ."""
    from app.consultation import counters

    with db.transaction() as session:
        wrong = counters.differences(session, round_id)
    if wrong:
        raise click.ClickException(
            f"the comment counters differ from a recount in {wrong} rows; "
            "run `flask counters repair`."
        )
    click.echo("The comment counters match a recount.")


@counters_cli.command("repair")
@click.option("--round", "round_id", type=int, default=None, help="Only this round's counters.")
def repair_command(round_id: int | None) -> None:
    """Replace the counters by a recount of comment_state."""
    from app.consultation import counters

    with db.transaction() as session:
        wrong = counters.repair(session, round_id)
    where = f"round {round_id}" if round_id is not None else "all rounds"
    click.echo(f"Comment counters recounted for {where}: {wrong} rows were wrong.")
