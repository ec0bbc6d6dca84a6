"""Who may do what in drafting: one predicate per action.

Services enforce them (require(can_…)), views use them to decide, templates
to show buttons (they are Jinja globals). Admins manage accounts, not content:
editing the working draft is the committee's and the secretariat's work.
"""

from __future__ import annotations

from app.auth.models import Role, User
from app.auth.permissions import has_any_role, is_staff
from app.drafting.models import Standard

EDITORS = (Role.COMMITTEE, Role.SECRETARIAT)


def can_create_standard(actor: User | None) -> bool:
    return has_any_role(actor, Role.SECRETARIAT)


def can_change_standard_settings(actor: User | None, standard: Standard | None = None) -> bool:
    return has_any_role(actor, Role.SECRETARIAT)


def can_freeze(actor: User | None, standard: Standard | None = None) -> bool:
    return has_any_role(actor, Role.SECRETARIAT)


def can_import_source(actor: User | None) -> bool:
    return has_any_role(actor, Role.SECRETARIAT)


def can_edit_draft(actor: User | None, standard: Standard | None = None) -> bool:
    """Add, edit, move, delete and renumber clauses of the working draft."""
    return has_any_role(actor, *EDITORS)


def can_read_working_draft(actor: User | None, standard: Standard | None = None) -> bool:
    return is_staff(actor)


PREDICATES = {
    f.__name__: f
    for f in (
        can_create_standard,
        can_change_standard_settings,
        can_freeze,
        can_import_source,
        can_edit_draft,
        can_read_working_draft,
    )
}
