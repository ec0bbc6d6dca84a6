"""Who may do what in consultation: one predicate per action (see app.drafting.permissions)."""

from __future__ import annotations

from app.auth.models import Role, User
from app.auth.permissions import has_any_role, is_staff
from app.consultation.models import ConsultationRound
from app.drafting.models import Standard

MODERATORS = (Role.SECRETARIAT, Role.ADMIN)


def can_open_round(actor: User | None, standard: Standard | None = None) -> bool:
    return has_any_role(actor, Role.SECRETARIAT)


def can_change_round_schedule(actor: User | None, round_: ConsultationRound | None = None) -> bool:
    """Extend a round or close it early, with a published reason."""
    return has_any_role(actor, Role.SECRETARIAT)


def can_moderate(actor: User | None, round_: ConsultationRound | None = None) -> bool:
    """Hide a comment from the public record (or show it again), with a reason."""
    return has_any_role(actor, *MODERATORS)


def can_file_formal_submission(actor: User | None) -> bool:
    """File a formal submission on behalf of the Indigenous Peoples Advisory Forum."""
    return has_any_role(actor, Role.IPAF)


def can_read_every_comment(actor: User | None, round_: ConsultationRound | None = None) -> bool:
    """Read comments before they are public, hidden ones and every submission's receipt."""
    return is_staff(actor)


PREDICATES = {
    f.__name__: f
    for f in (
        can_open_round,
        can_change_round_schedule,
        can_moderate,
        can_file_formal_submission,
        can_read_every_comment,
    )
}
