"""Reading the audit log: an administrator's and the secretariat's view of every action."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from app.audit.models import AuditEvent
from app.auth.models import Role, User
from app.auth.permissions import has_any_role, require_any_role

AUDIT_READERS = (Role.ADMIN, Role.SECRETARIAT)


def can_read_audit_log(actor: User | None) -> bool:
    return has_any_role(actor, *AUDIT_READERS)


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
    require_any_role(viewer, *AUDIT_READERS)
    query = select(AuditEvent).options(joinedload(AuditEvent.actor))
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
