"""Demo content for the consultation area."""

from __future__ import annotations

from app.database import Database


def load(db: Database) -> list[str]:
    """Load this area's demo content once; return lines to print."""
    return []
