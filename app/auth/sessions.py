"""Server-side sessions: every signed-in browser is a row that can be revoked.

The session cookie and the remember cookie both carry ``user_id:token``
(flask-login's ``get_id``); the token's hash must name a live row of
``user_session`` on every request, so revoking the row ends both cookies.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session, joinedload

from app.auth.models import User, UserSession
from app.database import utcnow

SESSION_HOURS = 12  # a browser session without "keep me signed in"
REMEMBER_DAYS = 30  # with it; the remember cookie lasts as long


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(
    session: Session,
    user: User,
    *,
    remember: bool = False,
    second_factor: bool = False,
    user_agent: str = "",
    address: str = "",
    now: dt.datetime | None = None,
) -> UserSession:
    """Open a session for a user who has just signed in; bind it to the user object."""
    now = now or utcnow()
    session.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id,
            (UserSession.expires_at < now)
            | (UserSession.revoked_at < now - dt.timedelta(days=REMEMBER_DAYS)),
        )
    )
    token = secrets.token_urlsafe(32)
    lifetime = dt.timedelta(days=REMEMBER_DAYS) if remember else dt.timedelta(hours=SESSION_HOURS)
    row = UserSession(
        user_id=user.id,
        token_hash=_hash(token),
        created_at=now,
        expires_at=now + lifetime,
        remember=remember,
        second_factor_at=now if second_factor else None,
        user_agent=(user_agent or "")[:200],
        address=(address or "")[:64],
    )
    session.add(row)
    session.flush()
    user.acting_session = row
    user.session_token = token
    return row


# Built once (not per request): the statement and its cache key are reused.
_LIVE_SESSION = (
    select(UserSession, User)
    .join(User, User.id == UserSession.user_id)
    .where(
        UserSession.token_hash == bindparam("token_hash"),
        UserSession.user_id == bindparam("user_id"),
        UserSession.revoked_at.is_(None),
        UserSession.expires_at > bindparam("now", type_=UserSession.expires_at.type),
    )
    .options(joinedload(User.role_grants))
)


def load(session: Session, cookie_id: str, now: dt.datetime | None = None) -> User | None:
    """Return the active user whose live session the cookie names, or None."""
    user_id, _, token = (cookie_id or "").partition(":")
    if not token or not user_id.isdigit():
        return None
    # One statement on every signed-in request: the live session row, its user and roles.
    found = (
        session.execute(
            _LIVE_SESSION,
            {"token_hash": _hash(token), "user_id": int(user_id), "now": now or utcnow()},
        )
        .unique()
        .first()
    )
    if found is None:
        return None
    row, user = found
    if not user.active:
        return None
    user.acting_session = row
    user.session_token = token
    return user


def mark_second_factor(session: Session, user: User) -> None:
    """Record that the user's current session passed the second factor."""
    if user.acting_session is not None:
        user.acting_session.second_factor_at = utcnow()
        session.flush()


def revoke(session: Session, row: UserSession | None, reason: str) -> None:
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        row.revoked_reason = reason
        session.flush()


def revoke_all(
    session: Session, user: User, reason: str, *, keep: UserSession | None = None
) -> int:
    """Revoke every live session of a user, except `keep`; return how many ended."""
    stmt = update(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
    )
    if keep is not None:
        stmt = stmt.where(UserSession.id != keep.id)
    result = session.execute(
        stmt.values(revoked_at=utcnow(), revoked_reason=reason).execution_options(
            synchronize_session=False
        )
    )
    session.flush()
    return result.rowcount or 0


def revoke_one(session: Session, user: User, session_id: int) -> bool:
    """Revoke one of the user's own sessions ("sign out this one")."""
    row = session.get(UserSession, session_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        return False
    revoke(session, row, "signed out")
    return True


def live_sessions(session: Session, user: User) -> list[UserSession]:
    return list(
        session.scalars(
            select(UserSession)
            .where(
                UserSession.user_id == user.id,
                UserSession.revoked_at.is_(None),
                UserSession.expires_at > utcnow(),
            )
            .order_by(UserSession.created_at.desc())
            .limit(100)
        )
    )
