"""Demo content: accounts for every role and the demo standard with its history."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.auth import second_factor
from app.auth import service as accounts
from app.auth.models import PRIVILEGED_ROLES, Role, StakeholderGroup
from app.auth.permissions import SYSTEM
from app.database import Database
from app.drafting import service as drafting
from app.drafting.importing import import_source
from app.drafting.models import Standard

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "standards_src"
DEMO_PASSWORD = "bauxite-to-billet-demo"  # noqa: S105 - printed for the demo on purpose
# The staff accounts share one authenticator, printed too, so that a visitor can
# try every role at once (add it to an authenticator app, or `oathtool --totp -b`).
DEMO_TOTP_SECRET = "CLAUSEWISEDEMO2FACTORSECRETKEY23"  # noqa: S105

DEMO_ACCOUNTS = [
    ("admin@demo.clausewise.org", "Ada Admin", [Role.ADMIN], "Clausewise", StakeholderGroup.OTHER),
    (
        "secretariat@demo.clausewise.org",
        "Sam Secretariat",
        [Role.SECRETARIAT],
        "Standards Secretariat",
        StakeholderGroup.OTHER,
    ),
    (
        "chair@demo.clausewise.org",
        "Chidi Okafor",
        [Role.COMMITTEE],
        "Standards Committee",
        StakeholderGroup.CIVIL_SOCIETY,
    ),
    (
        "committee@demo.clausewise.org",
        "Maria Lindqvist",
        [Role.COMMITTEE],
        "Nordic Smelters AB",
        StakeholderGroup.INDUSTRY_UPSTREAM,
    ),
    (
        "committee2@demo.clausewise.org",
        "Kenji Watanabe",
        [Role.COMMITTEE],
        "Can Makers Alliance",
        StakeholderGroup.INDUSTRY_DOWNSTREAM,
    ),
    (
        "committee3@demo.clausewise.org",
        "Amara Diallo",
        [Role.COMMITTEE],
        "Guinea Mining Watch",
        StakeholderGroup.CIVIL_SOCIETY,
    ),
    (
        "ipaf@demo.clausewise.org",
        "Leah Tootoosis",
        [Role.IPAF],
        "Indigenous Peoples Advisory Forum",
        StakeholderGroup.INDIGENOUS_PEOPLES,
    ),
    ("public@demo.clausewise.org", "Priya Raman", [], "", StakeholderGroup.INDIVIDUAL),
]

DRAFTS = [
    (
        SOURCES / "earlier" / "responsible-aluminium@3.0-draft-1.md",
        "3.0-draft-1",
        "First consultation draft.",
    ),
    (
        SOURCES / "responsible-aluminium.md",
        "3.0-draft-2",
        "Second consultation draft, revised after the first round.",
    ),
]


def ensure_commenters(session, commenters) -> dict[str, object]:
    """Find or create demo commenters given as (email, name, organisation, group)."""
    users = {}
    for email, name, org, group in commenters:
        user = accounts.find_by_email(session, email)
        if user is None:
            user = accounts.create_user(
                session,
                email=email,
                password=DEMO_PASSWORD,
                name=name,
                roles=[],
                organisation=org,
                stakeholder_group=group,
            )
        users[email] = user
    return users


def load_accounts(db: Database) -> list[str]:
    lines = []
    with db.transaction() as session:
        for email, name, roles, org, group in DEMO_ACCOUNTS:
            user = accounts.find_by_email(session, email)
            if user is None:
                user = accounts.create_user(
                    session,
                    email=email,
                    password=DEMO_PASSWORD,
                    name=name,
                    roles=[str(r) for r in roles],
                    organisation=org,
                    stakeholder_group=group,
                )
            if set(roles) & PRIVILEGED_ROLES:
                second_factor.assign(session, SYSTEM, user, DEMO_TOTP_SECRET)
            lines.append(f"  {email:<36} {', '.join(roles) or 'public commenter'}")
    return lines


def load_standard(db: Database) -> list[str]:
    with db.transaction() as session:
        if session.scalar(select(Standard).where(Standard.slug == "responsible-aluminium")):
            return ["Demo standard already loaded."]
        for path, label, note in DRAFTS:
            report = import_source(
                session, SYSTEM, path.read_text(encoding="utf-8"), str(path.relative_to(ROOT))
            )
            drafting.freeze(session, SYSTEM, report.standard, label=label, note=note)
    return ["Loaded the demo standard with versions 3.0-draft-1 and 3.0-draft-2."]


def load_demo(db: Database) -> list[str]:
    """Load everything the demo shows; return lines to print."""
    account_lines = load_accounts(db)
    lines = load_standard(db)
    lines += _load_areas(db)
    lines.append(f"Demo accounts (password: {DEMO_PASSWORD}):")
    lines.append(f"Staff accounts ask for a code: TOTP secret: {DEMO_TOTP_SECRET}")
    return lines + account_lines


def _load_areas(db: Database) -> list[str]:
    from app.committee import demo as committee_demo
    from app.consultation import demo as consultation_demo

    # The committee's closed first round comes before the open second round.
    return committee_demo.load(db) + consultation_demo.load(db)
