"""A person's control over their data: email verification, email change, closing the account."""

from __future__ import annotations

import secrets

from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth import sessions
from app.auth.models import EmailChange, RecoveryCode, SecondFactor, User
from app.auth.service import find_by_email, normalise_email
from app.database import utcnow
from app.errors import ValidationError

VERIFY_MAX_AGE_S = 7 * 24 * 3600
CHANGE_MAX_AGE_S = 24 * 3600
FORMER_PARTICIPANT = "A former participant"  # the name a closed account keeps in the record


def _serializer(secret_key: str, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=salt)


def _load(secret_key: str, salt: str, token: str, max_age: int) -> dict:
    try:
        data = _serializer(secret_key, salt).loads(token, max_age=max_age)
    except SignatureExpired:
        raise ValidationError(_("This link has expired. Ask for a new one.")) from None
    except BadSignature:
        raise ValidationError(_("This link is not valid.")) from None
    if not isinstance(data, dict):
        raise ValidationError(_("This link is not valid."))
    return data


# Email verification ---------------------------------------------------------


def verification_token(user: User, secret_key: str) -> str:
    """Sign a link that proves the person reads mail at the account's current address."""
    return _serializer(secret_key, "email-verify").dumps({"u": user.id, "e": user.email})


def verify_email(session: Session, token: str, secret_key: str) -> User:
    data = _load(secret_key, "email-verify", token, VERIFY_MAX_AGE_S)
    user = session.get(User, data.get("u"))
    if user is None or user.email != data.get("e") or not user.active:
        raise ValidationError(_("This link is not valid for the account's current address."))
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        record(session, user, "user.email_verified", user, summary="Confirmed the email address")
    return user


# Email change ---------------------------------------------------------------


def request_email_change(
    session: Session, user: User, new_email: str, password: str
) -> EmailChange:
    """Start a change of address; it is applied once both addresses confirm."""
    if not user.check_password(password or ""):
        raise ValidationError(_("Your current password is not right."), field="password")
    new_email = normalise_email(new_email)
    if new_email == user.email:
        raise ValidationError(_("That is already your address."), field="email")
    if find_by_email(session, new_email) is not None:
        # Said plainly: the person changing their own address learns only that it is taken.
        raise ValidationError(_("Another account uses that address."), field="email")
    session.execute(
        delete(EmailChange).where(EmailChange.user_id == user.id, EmailChange.done_at.is_(None))
    )
    change = EmailChange(user_id=user.id, new_email=new_email, requested_at=utcnow())
    session.add(change)
    session.flush()
    record(
        session,
        user,
        "user.email_change_requested",
        user,
        summary="Asked to change the email address",
    )
    return change


def email_change_token(change: EmailChange, side: str, secret_key: str) -> str:
    return _serializer(secret_key, "email-change").dumps({"c": change.id, "s": side})


def confirm_email_change(session: Session, token: str, secret_key: str) -> EmailChange:
    """Record one address's confirmation; apply the change when both have confirmed."""
    data = _load(secret_key, "email-change", token, CHANGE_MAX_AGE_S)
    change = session.get(EmailChange, data.get("c"))
    if change is None or change.done_at is not None or data.get("s") not in {"old", "new"}:
        raise ValidationError(_("This link is no longer valid."))
    now = utcnow()
    if data["s"] == "old":
        change.old_confirmed_at = change.old_confirmed_at or now
    else:
        change.new_confirmed_at = change.new_confirmed_at or now
    if change.old_confirmed_at and change.new_confirmed_at:
        user = session.get(User, change.user_id)
        if find_by_email(session, change.new_email) is not None:
            raise ValidationError(_("Another account now uses that address."))
        old = user.email
        user.email = change.new_email
        user.email_verified_at = now
        change.done_at = now
        sessions.revoke_all(session, user, "email changed", keep=user.acting_session)
        record(
            session,
            user,
            "user.email_change",
            user,
            summary="Changed the email address",
            old=old,
            new=change.new_email,
        )
    session.flush()
    return change


def pending_email_change(session: Session, user: User) -> EmailChange | None:
    return session.scalar(
        select(EmailChange).where(EmailChange.user_id == user.id, EmailChange.done_at.is_(None))
    )


# Closing an account ---------------------------------------------------------


def close_account(session: Session, user: User, password: str) -> None:
    """Anonymise the account; the public record and the audit log stay whole.

    Submitted comments keep pointing at the account, which now shows as
    "A former participant" with the stakeholder group it had.
    """
    if not user.check_password(password or ""):
        raise ValidationError(_("Your current password is not right."), field="password")
    user_id = user.id
    record(session, user, "user.close", user, summary=f"Closed account {user_id}")
    sessions.revoke_all(session, user, "account closed")
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    session.execute(delete(SecondFactor).where(SecondFactor.user_id == user_id))
    session.execute(delete(EmailChange).where(EmailChange.user_id == user_id))
    user.role_grants.clear()
    user.email = f"closed-{user_id}@closed.invalid"
    user.name = FORMER_PARTICIPANT
    user.organisation = ""
    user.timezone = "UTC"
    user.password_hash = "!closed:" + secrets.token_hex(16)  # matches no password
    user.password_privileged_grade = False
    user.active = False
    user.closed_at = utcnow()
    session.flush()
