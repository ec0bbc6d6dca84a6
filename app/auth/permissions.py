"""Role checks used by every service."""

from __future__ import annotations

from flask_babel import gettext as _

from app.auth.models import Role, User
from app.errors import PermissionDenied


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


SYSTEM = SystemActor()


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
        raise PermissionDenied(_("You do not have permission to do that."))
    return user


def has_any_role(user: User | None, *roles: Role) -> bool:
    """Say whether the user is signed in and holds at least one of the roles."""
    return bool(
        user is not None and getattr(user, "is_authenticated", False) and user.has_role(*roles)
    )


def is_staff(user: User | None) -> bool:
    """Say whether the user may see non-public drafting material."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.has_role(Role.ADMIN, Role.SECRETARIAT, Role.COMMITTEE)
    )
