"""The demo's translations of frozen drafts (data/standard.toml), through the service."""

from __future__ import annotations

from app.auth.permissions import SYSTEM
from app.database import Database
from app.demo.data import ROOT, read
from app.drafting import service as drafting
from app.translation.service import import_translation


def load(db: Database) -> list[str]:
    """Attach each translation once (a second run writes nothing); return lines to print."""
    data = read("standard.toml")
    lines = []
    with db.transaction() as session:
        standard = drafting.get_standard(session, data["slug"])
        for item in data.get("translation", []):
            version = drafting.get_version(session, standard, item["version"])
            text = (ROOT / item["source"]).read_text(encoding="utf-8")
            result = import_translation(session, SYSTEM, version, item["language"], text)
            lines.append(
                f"Translation of {item['version']} into {item['language']}: "
                f"{result.written} clauses written, {result.unchanged} unchanged."
            )
    return lines
