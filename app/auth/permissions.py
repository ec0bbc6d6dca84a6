"""Role checks used by every service."""

from __future__ import annotations

from typing import cast

from flask_babel import gettext as _

from app.auth.models import Role, User
from app.errors import PermissionDenied, ValidationError


class SystemActor:
    """The shell and the demo loader: holds every role, is recorded as no one."""

    id = None
    is_authenticated = True
    name = "system"
    email = "system"
    timezone = "UTC"

    @property
    def roles(self) -> set[Role]:
        return set(Role)

    def has_role(self, *roles: Role) -> bool:
        return True


# Typed as a User: it answers everything a service asks of its actor (id, roles,
# has_role), and services take it wherever they take a person.
SYSTEM = cast(User, SystemActor())


def require_signed_in(user: User | None) -> User:
    if user is SYSTEM:
        return user
    if user is None or not getattr(user, "is_authenticated", False) or user.id is None:
        raise PermissionDenied(_("Please sign in to do that."))
    return user


def require_any_role(user: User | None, *roles: Role) -> User:
    """Refuse unless the user holds at least one of the roles."""
    user = require_signed_in(user)
    if not user.has_role(*roles):
        granted: set[Role] = getattr(user, "granted_roles", set())
        if granted.intersection(roles):
            raise PermissionDenied(
                _(
                    "Your role needs more than a password: sign in with your second factor "
                    "(and, if asked, choose a longer password) on your profile page first."
                ),
                needs_second_factor=True,
            )
        raise PermissionDenied(_("You do not have permission to do that."))
    return user


def has_any_role(user: User | None, *roles: Role) -> bool:
    """Say whether the user is signed in and holds at least one of the roles."""
    return bool(
        user is not None and getattr(user, "is_authenticated", False) and user.has_role(*roles)
    )


def require(allowed: bool, message: str | None = None) -> None:
    """Refuse unless a permission predicate allowed the action."""
    if not allowed:
        raise PermissionDenied(message or _("You do not have permission to do that."))


def is_staff(user: User | None) -> bool:
    """Say whether the user may see non-public drafting material."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.has_role(Role.ADMIN, Role.SECRETARIAT, Role.COMMITTEE)
    )


def require_verified_email(user: User) -> User:
    """Refuse a submission until the account's address is confirmed (drafts are kept)."""
    if user is not SYSTEM and getattr(user, "email_verified_at", None) is None:
        raise ValidationError(
            _(
                "Confirm your email address before submitting: open the link we sent to "
                "%(email)s. Your draft is kept; you can ask for a new link from the notice "
                "at the top of the page.",
                email=user.email,
            ),
            needs_verification=True,
        )
    return user
