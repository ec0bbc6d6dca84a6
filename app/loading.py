"""Relationships load only when asked for (every relationship is lazy="raise").

Queries say what they need with loader options; a service handed an object
whose relationship was not loaded asks for it here, explicitly.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import inspect
from sqlalchemy.orm import Session

T = TypeVar("T")


def ensure_loaded(session: Session, obj: T, *names: str) -> T:
    """Load the named relationships of `obj` that are not loaded yet (one SELECT each)."""
    state = inspect(obj)
    missing = [name for name in names if name in state.unloaded]
    if missing and state.persistent:
        session.refresh(obj, attribute_names=missing)
    return obj
