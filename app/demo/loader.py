"""Load the whole demo in order; every step is safe to run twice."""

from __future__ import annotations

from app.database import Database
from app.demo import first_round, second_round
from app.demo.accounts import DEMO_PASSWORD, load_accounts
from app.demo.standard import load_standard


def load_demo(db: Database) -> list[str]:
    """Load everything the demo shows; return lines to print."""
    account_lines = load_accounts(db)
    lines = load_standard(db)
    # The closed, answered first round comes before the open second round.
    lines += first_round.load(db)
    lines += second_round.load(db)
    lines.append(f"Demo accounts (password: {DEMO_PASSWORD}):")
    return lines + account_lines
