"""Everything Clausewise holds about one person, as JSON (the "download my data" page).

It reads every area's tables, so it sits on top with the views.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from app import models  # noqa: F401 - every area's tables are mapped
from app.audit.models import AuditEvent
from app.auth.models import User
from app.consultation.models import Comment, Submission
from app.database import Base

SECRET_COLUMNS = {"password_hash", "token_hash", "secret", "code_hash"}


def _person_columns():
    """Every mapped column that names a person, in every area: (section, model, column).

    Found from the foreign keys, so a table added later is exported without
    anyone remembering to list it here.
    """
    found = []
    for mapper in sorted(Base.registry.mappers, key=lambda m: m.class_.__name__):
        model = mapper.class_
        if model is User:
            continue
        for column in mapper.local_table.columns:
            if any(fk.column.table.name == User.__tablename__ for fk in column.foreign_keys):
                attr = mapper.get_property_by_column(column)
                found.append((f"{mapper.local_table.name}.{column.name}", model, attr))
    return found


def _value(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, str | int | float | bool | dict | list) or value is None:
        return value
    return str(value)


def row_dict(obj) -> dict:
    """The stored columns of a row, secrets left out."""
    return {
        attr.key: _value(getattr(obj, attr.key))
        for attr in inspect(obj).mapper.column_attrs
        if attr.key not in SECRET_COLUMNS
    }


def export_personal_data(session: Session, user: User) -> dict:
    """Collect every row that belongs to or was written by the person."""
    data: dict = {
        "format": "clausewise-personal-data/1",
        "exported_at": dt.datetime.now(dt.UTC).isoformat(),
        "account": row_dict(user),
        "roles": [row_dict(grant) for grant in user.role_grants],
    }
    for name, model, attr in _person_columns():
        column = getattr(model, attr.key)
        order = list(model.__mapper__.primary_key)
        rows = session.scalars(select(model).where(column == user.id).order_by(*order))
        data[name] = [row_dict(row) for row in rows]
    comments = session.scalars(
        select(Comment)
        .join(Submission, Comment.submission_id == Submission.id)
        .where(Submission.author_id == user.id)
        .order_by(Comment.id)
    )
    data["comments"] = [row_dict(c) for c in comments]
    about = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == User.__tablename__, AuditEvent.object_id == str(user.id))
        .order_by(AuditEvent.id)
    )
    data["audit_events_about_account"] = [row_dict(e) for e in about]
    return data
