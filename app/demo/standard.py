"""The demo standard: its source files imported and frozen as drafts (data/standard.toml)."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.permissions import SYSTEM
from app.database import Database, utcnow
from app.demo.data import DAY, ROOT, read
from app.drafting import service as drafting
from app.drafting.importing import import_source
from app.drafting.models import Standard


def load_standard(db: Database) -> list[str]:
    """Import and freeze each draft of the demo standard once; return lines to print."""
    data = read("standard.toml")
    now = utcnow().replace(microsecond=0)
    with db.transaction() as session:
        if session.scalar(select(Standard).where(Standard.slug == data["slug"])):
            return ["Demo standard already loaded."]
        for draft in data["draft"]:
            path = ROOT / draft["source"]
            report = import_source(
                session, SYSTEM, path.read_text(encoding="utf-8"), draft["source"]
            )
            drafting.freeze(
                session,
                SYSTEM,
                report.standard,
                label=draft["label"],
                note=draft["note"],
                now=now - draft["frozen_days_ago"] * DAY,
            )
    labels = " and ".join(d["label"] for d in data["draft"])
    return [f"Loaded the demo standard with versions {labels}."]
