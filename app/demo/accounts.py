"""Demo accounts: one for every role (data/accounts.toml) and the commenters of each round."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.auth import second_factor
from app.auth import service as accounts
from app.auth.models import PRIVILEGED_ROLES, StakeholderGroup, User
from app.auth.permissions import SYSTEM
from app.database import Database
from app.demo.data import read

DEMO_PASSWORD = "bauxite-to-billet-demo"  # noqa: S105 - printed for the demo on purpose
# The staff accounts share one authenticator, printed too, so that a visitor can
# try every role at once (add it to an authenticator app, or `oathtool --totp -b`).
DEMO_TOTP_SECRET = "CLAUSEWISEDEMO2FACTORSECRETKEY23"  # noqa: S105


def _ensure(session: Session, entry: dict) -> User:
    user = accounts.find_by_email(session, entry["email"])
    if user is None:
        user = accounts.create_user(
            session,
            email=entry["email"],
            password=DEMO_PASSWORD,
            name=entry["name"],
            roles=list(entry.get("roles", [])),
            organisation=entry.get("organisation", ""),
            stakeholder_group=StakeholderGroup(entry["group"]),
        )
    if user.granted_roles & PRIVILEGED_ROLES:
        second_factor.assign(session, SYSTEM, user, DEMO_TOTP_SECRET)
    return user


def ensure_commenters(session: Session, commenters: list[dict]) -> dict[str, User]:
    """Find or create the commenters a round file lists (email, name, organisation, group)."""
    return {entry["email"]: _ensure(session, entry) for entry in commenters}


def load_accounts(db: Database) -> list[str]:
    """Create the demo accounts that do not exist yet; return one line per account."""
    lines = []
    with db.transaction() as session:
        for entry in read("accounts.toml")["account"]:
            _ensure(session, entry)
            roles = ", ".join(entry["roles"]) or "public commenter"
            lines.append(f"  {entry['email']:<36} {roles}")
    return lines
