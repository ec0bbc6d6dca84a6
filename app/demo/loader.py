"""Load the whole demo in order; every step is safe to run twice."""

from __future__ import annotations

from app.database import Database
from app.demo import edition, first_round, second_round, translations
from app.demo.accounts import DEMO_PASSWORD, DEMO_TOTP_SECRET, load_accounts
from app.demo.standard import load_standard


def load_demo(db: Database) -> list[str]:
    """Load everything the demo shows; return lines to print."""
    account_lines = load_accounts(db)
    lines = load_standard(db)
    # Edition 2.0 was adopted and published long before the 3.0 rounds.
    lines += edition.load(db)
    lines += translations.load(db)
    # The closed, answered first round comes before the open second round.
    lines += first_round.load(db)
    lines += second_round.load(db)
    lines.append(
        f"Demo accounts (password: {DEMO_PASSWORD}; staff accounts then ask for a code "
        f"from TOTP secret: {DEMO_TOTP_SECRET}):"
    )
    return lines + account_lines
