"""Read the demo's data files and find the people they name."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

from sqlalchemy.orm import Session

from app.auth import service as accounts
from app.auth.models import User

ROOT = Path(__file__).resolve().parent.parent.parent
DATA = Path(__file__).resolve().parent / "data"
DAY = dt.timedelta(days=1)


def read(name: str) -> dict:
    """Return the contents of a TOML file in app/demo/data/."""
    with (DATA / name).open("rb") as file:
        return tomllib.load(file)


def person(session: Session, email: str) -> User:
    """Return the demo account with this address; it must have been loaded."""
    user = accounts.find_by_email(session, email)
    if user is None:
        raise LookupError(f"demo account {email} is missing; load the accounts first")
    return user
