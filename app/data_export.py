"""Everything Clausewise holds about one person, as JSON (the "download my data" page).

It reads every area's tables, so it sits on top with the views.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.auth.models import EmailChange, RecoveryCode, SecondFactor, User, UserSession
from app.committee.models import BallotVoter, Disposition, Vote
from app.consultation.models import Comment, Moderation, Submission
from app.drafting.models import ClauseRevision

SECRET_COLUMNS = {"password_hash", "token_hash", "secret", "code_hash"}

# (section name, model, the column naming the person)
OWNED = [
    ("submissions", Submission, Submission.author_id),
    ("votes", Vote, Vote.voter_id),
    ("ballot_rolls", BallotVoter, BallotVoter.user_id),
    ("dispositions_written", Disposition, Disposition.author_id),
    ("clause_revisions_written", ClauseRevision, ClauseRevision.author_id),
    ("moderations", Moderation, Moderation.moderator_id),
    ("sessions", UserSession, UserSession.user_id),
    ("email_changes", EmailChange, EmailChange.user_id),
    ("audit_events_as_actor", AuditEvent, AuditEvent.actor_id),
]


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
        "second_factor": [
            row_dict(f) for f in session.scalars(select(SecondFactor).filter_by(user_id=user.id))
        ],
        "recovery_codes": [
            row_dict(c) for c in session.scalars(select(RecoveryCode).filter_by(user_id=user.id))
        ],
    }
    for name, model, column in OWNED:
        rows = session.scalars(select(model).where(column == user.id).order_by(model.id))
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
