"""`flask accounts …`: recover an account from the shell when the web cannot."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.auth import second_factor, service, sessions
from app.auth.permissions import SYSTEM
from app.errors import DomainError
from app.extensions import db

accounts_cli = AppGroup("accounts", help="Account recovery: second factor and sessions.")


def _find(session, email: str):
    user = service.find_by_email(session, email)
    if user is None:
        raise click.ClickException(f"no account for {email}")
    return user


@accounts_cli.command("reset-second-factor")
@click.argument("email")
def reset_second_factor(email: str) -> None:
    """Remove a lost authenticator (the last admin's, say); the person's sessions end."""
    try:
        with db.transaction() as session:
            second_factor.reset(session, SYSTEM, _find(session, email))
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Second factor of {email} removed; they can enrol a new one after signing in.")


@accounts_cli.command("sign-out-everywhere")
@click.argument("email")
def sign_out_everywhere(email: str) -> None:
    """End every session of an account (a stolen laptop, a leaked cookie)."""
    with db.transaction() as session:
        ended = sessions.revoke_all(session, _find(session, email), "signed out from the shell")
    click.echo(f"Ended {ended} session(s) of {email}.")
