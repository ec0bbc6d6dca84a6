"""Record audit events: the append-only log of who did what to which object, when.

The audit package sits below every area, accounts included, so it knows an
actor only by its id; reading the log is an administrator's action
(app.auth.audit_log).
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session

from app.audit.models import AuditEvent


class Actor(Protocol):
    id: int | None


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    obj: object | None = None,
    *,
    object_type: str | None = None,
    object_id: str | int | None = None,
    summary: str = "",
    **details,
) -> AuditEvent:
    """Append an audit event for an action on an object."""
    if obj is not None:
        object_type = object_type or getattr(obj, "__tablename__", type(obj).__name__)
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    event = AuditEvent(
        actor_id=actor.id if actor is not None and actor.id is not None else None,
        action=action,
        object_type=object_type or "",
        object_id=str(object_id if object_id is not None else ""),
        summary=summary[:500],
        details=details,
    )
    session.add(event)
    return event
