"""Record and read audit events."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.auth.models import Role, User
from app.auth.permissions import require_any_role


def record(
    session: Session,
    actor: User | None,
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


def list_events(
    session: Session,
    viewer: User,
    *,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[AuditEvent], int]:
    """Return a page of audit events, newest first, and the total count."""
    require_any_role(viewer, Role.ADMIN, Role.SECRETARIAT)
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if object_id:
        query = query.where(AuditEvent.object_id == object_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(AuditEvent.id.desc()).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return list(rows), total
