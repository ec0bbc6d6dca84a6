"""Accounts: registration, sign-in, password reset, profiles and roles."""

from __future__ import annotations

import hashlib

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth import passwords, sessions
from app.auth.models import (
    PRIVILEGED_ROLES,
    SECOND_FACTOR_VALID,
    Role,
    RoleGrant,
    StakeholderGroup,
    User,
)
from app.auth.permissions import SYSTEM, require_any_role
from app.database import utcnow
from app.errors import NotFound, ValidationError
from app.formatting import is_timezone
from app.i18n.names import INTERFACE_LANGUAGES

MIN_PASSWORD = passwords.MIN_LENGTH
RESET_MAX_AGE_S = 3600


def normalise_email(email: str) -> str:
    try:
        return validate_email((email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValidationError(_("Enter a valid email address."), field="email") from None


def _set_password(user: User, password: str, *, privileged: bool = False) -> None:
    """Check a new password against the rule for the user's roles, then store it."""
    passwords.check(password, email=user.email, name=user.name, privileged=privileged)
    user.set_password(password)
    user.password_privileged_grade = passwords.privileged_grade(
        password, email=user.email, name=user.name
    )


def _clean_profile(name: str, organisation: str, group: str, timezone: str) -> dict:
    name = " ".join((name or "").split())
    organisation = " ".join((organisation or "").split())
    if not name:
        raise ValidationError(_("Enter your name."), field="name")
    if len(name) > 120:
        raise ValidationError(_("The name is too long (120 characters at most)."), field="name")
    if len(organisation) > 200:
        raise ValidationError(
            _("The organisation name is too long (200 characters at most)."), field="organisation"
        )
    try:
        stakeholder_group = StakeholderGroup(group or StakeholderGroup.INDIVIDUAL)
    except ValueError:
        raise ValidationError(
            _("Choose a stakeholder group from the list."), field="stakeholder_group"
        ) from None
    timezone = timezone or "UTC"
    if not is_timezone(timezone):
        raise ValidationError(_("Choose a time zone from the list."), field="timezone")
    return {
        "name": name,
        "organisation": organisation,
        "stakeholder_group": stakeholder_group,
        "timezone": timezone,
    }


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def register(
    session: Session,
    *,
    email: str,
    password: str,
    name: str,
    organisation: str = "",
    stakeholder_group: str = StakeholderGroup.INDIVIDUAL,
    timezone: str = "UTC",
    accept_terms: bool = True,
    language: str | None = None,
) -> User:
    """Create an account for a member of the public."""
    email = normalise_email(email)
    profile = _clean_profile(name, organisation, stakeholder_group, timezone)
    profile["language"] = language if language in INTERFACE_LANGUAGES else None
    if not accept_terms:
        raise ValidationError(
            _("Please agree to the terms and the privacy notice to create an account."),
            field="accept_terms",
        )
    user = User(email=email, **profile)
    _set_password(user, password)
    if find_by_email(session, email):
        raise ValidationError(
            _("An account with this email address already exists."), field="email"
        )
    user.terms_accepted_at = utcnow()
    session.add(user)
    session.flush()
    record(session, user, "user.register", user, summary=f"Registered {email}")
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None."""
    user = find_by_email(session, email or "")
    if user is None or not user.active:
        # Spend the same time as a real check so that timing does not reveal accounts.
        User(password_hash=_DUMMY_HASH).check_password(password or "")
        return None
    if not user.check_password(password or ""):
        record(
            session, None, "user.sign_in_failed", user, summary=f"Failed sign-in for {user.email}"
        )
        return None
    return user


def record_sign_in(session: Session, user: User, *, second_factor: bool) -> None:
    """Audit a completed sign-in (after the second factor, when the user has one)."""
    record(
        session,
        user,
        "user.sign_in",
        user,
        summary=f"{user.email} signed in",
        second_factor=second_factor,
    )


def record_failed_code(session: Session, user: User) -> None:
    record(session, None, "user.sign_in_failed", user, summary="Wrong second-factor code")


_DUMMY_HASH = "scrypt:32768:8:1$0pN2eqIkvk6tjL8a$" + "0" * 128


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="password-reset")


def _password_fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def password_reset_token(user: User, secret_key: str) -> str:
    """Sign a token that stops working once the password changes or an hour passes."""
    return _serializer(secret_key).dumps({"u": user.id, "p": _password_fingerprint(user)})


def reset_password(session: Session, token: str, new_password: str, secret_key: str) -> User:
    """Set a new password from a reset token."""
    try:
        data = _serializer(secret_key).loads(token, max_age=RESET_MAX_AGE_S)
    except SignatureExpired:
        raise ValidationError(_("This reset link has expired. Ask for a new one.")) from None
    except BadSignature:
        raise ValidationError(_("This reset link is not valid. Ask for a new one.")) from None
    user = session.get(User, data.get("u"))
    if user is None or data.get("p") != _password_fingerprint(user):
        raise ValidationError(_("This reset link has already been used. Ask for a new one."))
    _set_password(user, new_password, privileged=bool(user.held_privileged_roles))
    ended = sessions.revoke_all(session, user, "password reset")
    record(
        session,
        user,
        "user.password_reset",
        user,
        summary=f"{user.email} reset the password",
        sessions_ended=ended,
    )
    return user


def change_password(session: Session, user: User, current: str, new_password: str) -> None:
    """Change one's own password; every other session of the account ends."""
    if not user.check_password(current or ""):
        raise ValidationError(_("Your current password is not right."), field="current_password")
    _set_password(user, new_password, privileged=bool(user.held_privileged_roles))
    ended = sessions.revoke_all(session, user, "password changed", keep=user.acting_session)
    record(
        session,
        user,
        "user.password_change",
        user,
        summary="Changed password",
        sessions_ended=ended,
    )


def update_profile(
    session: Session,
    user: User,
    *,
    name: str,
    organisation: str,
    stakeholder_group: str,
    timezone: str,
    language: str | None = None,
) -> User:
    """Change a user's own name, organisation, stakeholder group, time zone and language."""
    profile = _clean_profile(name, organisation, stakeholder_group, timezone)
    if language is not None:
        if language not in INTERFACE_LANGUAGES:
            raise ValidationError(_("Choose one of the languages offered."), field="language")
        profile["language"] = language
    changed = {k: v for k, v in profile.items() if getattr(user, k) != v}
    for key, value in changed.items():
        setattr(user, key, value)
    if changed:
        record(
            session, user, "user.profile", user, summary="Updated profile", fields=sorted(changed)
        )
    return user


def set_language(session: Session, user: User, language: str) -> User:
    """Remember the interface language a person chose."""
    if language not in INTERFACE_LANGUAGES:
        raise ValidationError(_("Choose one of the languages offered."), field="language")
    if user.language != language:
        user.language = language
        record(session, user, "user.language", user, summary=f"Interface language {language}")
    return user


def list_users(session: Session, viewer: User, query: str = "") -> list[User]:
    require_any_role(viewer, Role.ADMIN)
    stmt = select(User).order_by(User.name)
    if query:
        like = f"%{query.strip().lower()}%"
        stmt = stmt.where(func.lower(User.email).like(like) | func.lower(User.name).like(like))
    return list(session.scalars(stmt.limit(500)))


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_("There is no such account."))
    return user


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise ValidationError(_("There is no role called %(role)s.", role=role)) from None


def grant_role(session: Session, actor: User, user: User, role: str) -> bool:
    """Give a user a role. Return False if they already hold it."""
    require_any_role(actor, Role.ADMIN)
    role = _role(role)
    if role in user.granted_roles:
        return False
    if user.closed_at is not None:
        raise ValidationError(_("This account is closed."))
    user.role_grants.append(RoleGrant(role=role, granted_by_id=actor.id))
    session.flush()
    record(
        session,
        actor,
        "role.grant",
        user,
        summary=f"Granted {role} to {user.email}",
        role=str(role),
        # A privileged role acts only once the password meets the privileged rule
        # and the session passed a second factor (User.roles); the person is told.
        needs_stronger_password=role in PRIVILEGED_ROLES and not user.password_privileged_grade,
    )
    return True


def privileged_readiness(session: Session, user: User) -> dict[str, bool]:
    """Say what a holder of privileged roles still lacks before acting in them."""
    from app.auth.second_factor import enrolment

    enrolled = enrolment(session, user) is not None
    passed = user.acting_session.second_factor_at if user.acting_session is not None else None
    verified = passed is not None and utcnow() - passed < SECOND_FACTOR_VALID
    return {
        "password": user.password_privileged_grade,
        "enrolled": enrolled,
        "verified": verified,
    }


def revoke_role(session: Session, actor: User, user: User, role: str) -> bool:
    """Take a role from a user. Return False if they did not hold it."""
    require_any_role(actor, Role.ADMIN)
    role = _role(role)
    if role == Role.ADMIN and user.id == actor.id:
        raise ValidationError(_("You cannot take the administrator role from yourself."))
    grant = next((g for g in user.role_grants if g.role == role), None)
    if grant is None:
        return False
    user.role_grants.remove(grant)
    session.flush()
    # A browser signed in with the role must not keep acting in it (an admin
    # dropping one of their own other roles keeps the browser they do it from).
    keep = actor.acting_session if getattr(actor, "id", None) == user.id else None
    ended = sessions.revoke_all(session, user, "role revoked", keep=keep)
    record(
        session,
        actor,
        "role.revoke",
        user,
        summary=f"Revoked {role} from {user.email}",
        role=str(role),
        sessions_ended=ended,
    )
    return True


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    name: str,
    roles: list[str],
    organisation: str = "",
    stakeholder_group: str = StakeholderGroup.INDIVIDUAL,
) -> User:
    """Create an account with roles from the shell; the operator vouches for the address."""
    if {_role(r) for r in roles} & PRIVILEGED_ROLES:
        passwords.check(password, email=email, name=name, privileged=True)
    user = register(
        session,
        email=email,
        password=password,
        name=name,
        organisation=organisation,
        stakeholder_group=stakeholder_group,
    )
    user.email_verified_at = utcnow()
    for role in roles:
        grant_role(session, SYSTEM, user, role)
    return user
