"""Second factor: TOTP authenticators (RFC 6238) and one-time recovery codes."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

import pyotp
import segno
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth import sessions
from app.auth.models import RecoveryCode, Role, SecondFactor, User
from app.auth.permissions import SYSTEM, require_any_role
from app.database import utcnow
from app.errors import PermissionDenied, ValidationError

ISSUER = "Clausewise"
STEP_S = 30
RECOVERY_CODES = 10


def new_secret() -> str:
    return pyotp.random_base32()  # 32 base32 characters: 160 bits


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_data_url(uri: str) -> str:
    """Draw the enrolment QR code as an SVG data: URL (the CSP allows data: images)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#000", light="#fff")


def enrolment(session: Session, user: User) -> SecondFactor | None:
    return session.scalar(select(SecondFactor).where(SecondFactor.user_id == user.id))


def _clean_code(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _hash_code(code: str) -> str:
    return hashlib.sha256(_clean_code(code).encode()).hexdigest()


def _totp_step(secret: str, code: str, after_step: int, now: dt.datetime) -> int | None:
    """Return the step a six-digit code belongs to (one step of drift allowed), if any."""
    code = _clean_code(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_S
    for step in (current - 1, current, current + 1):
        if step > after_step and hmac.compare_digest(totp.at(step * STEP_S), code):
            return step
    return None


def _new_recovery_codes(session: Session, user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    codes = []
    for _i in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(alphabet) for _j in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(RecoveryCode(user_id=user.id, code_hash=_hash_code(raw)))
    session.flush()
    return codes


def enrol(
    session: Session, user: User, secret: str, code: str, now: dt.datetime | None = None
) -> list[str]:
    """Enrol an authenticator once the user proves it works; return new recovery codes."""
    now = now or utcnow()
    if enrolment(session, user) is not None:
        raise ValidationError(_("You already have an authenticator. Remove it first."))
    step = _totp_step(secret, code, 0, now)
    if step is None:
        raise ValidationError(
            _("That code is not right. Enter the six digits your app shows now."), field="code"
        )
    session.add(SecondFactor(user_id=user.id, secret=secret, enrolled_at=now, last_step=step))
    codes = _new_recovery_codes(session, user)
    sessions.mark_second_factor(session, user)
    sessions.revoke_all(session, user, "second factor enrolled", keep=user.acting_session)
    record(session, user, "user.second_factor.enrol", user, summary="Enrolled an authenticator")
    return codes


def assign(session: Session, actor, user: User, secret: str) -> None:
    """Enrol a known secret from the shell (the demo's staff accounts)."""
    if actor is not SYSTEM:
        raise PermissionDenied(_("Only the shell can assign an authenticator."))
    if enrolment(session, user) is None:
        session.add(SecondFactor(user_id=user.id, secret=secret, last_step=0))
        session.flush()
        record(session, actor, "user.second_factor.enrol", user, summary="Assigned from the shell")


def verify(session: Session, user: User, code: str, now: dt.datetime | None = None) -> bool:
    """Accept a current TOTP code (each only once) or an unused recovery code."""
    now = now or utcnow()
    factor = enrolment(session, user)
    if factor is None:
        return False
    step = _totp_step(factor.secret, code, factor.last_step, now)
    if step is not None:
        factor.last_step = step
        session.flush()
        return True
    recovery = session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash_code(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if recovery is None:
        return False
    recovery.used_at = now
    session.flush()
    record(session, user, "user.second_factor.recovery", user, summary="Used a recovery code")
    return True


def remaining_recovery_codes(session: Session, user: User) -> int:
    return len(
        session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )


def regenerate_recovery_codes(session: Session, user: User, code: str) -> list[str]:
    if not verify(session, user, code):
        raise ValidationError(_("That code is not right."), field="code")
    codes = _new_recovery_codes(session, user)
    record(session, user, "user.second_factor.recovery_codes", user, summary="New recovery codes")
    return codes


def _remove(session: Session, user: User) -> None:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.execute(delete(SecondFactor).where(SecondFactor.user_id == user.id))
    session.flush()


def remove_own(session: Session, user: User, password: str, code: str) -> None:
    """Remove one's own authenticator, proving both the password and the factor."""
    if not user.check_password(password or ""):
        raise ValidationError(_("Your current password is not right."), field="password")
    if not verify(session, user, code):
        raise ValidationError(_("That code is not right."), field="code")
    _remove(session, user)
    if user.acting_session is not None:
        user.acting_session.second_factor_at = None
    sessions.revoke_all(session, user, "second factor removed", keep=user.acting_session)
    record(session, user, "user.second_factor.remove", user, summary="Removed the authenticator")


def reset(session: Session, actor: User, user: User) -> None:
    """Remove a user's lost authenticator (admin); their sessions end."""
    require_any_role(actor, Role.ADMIN)
    if enrolment(session, user) is None:
        raise ValidationError(_("This person has no authenticator to reset."))
    _remove(session, user)
    sessions.revoke_all(session, user, "second factor reset")
    record(
        session,
        actor,
        "user.second_factor.reset",
        user,
        summary=f"Reset the second factor of {user.email}",
    )
