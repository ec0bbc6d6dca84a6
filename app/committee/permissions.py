"""Who may do what in the committee's work: one predicate per action.

The secretariat drafts answers and runs the process (ballots, synopsis); only
committee members agree answers and vote. Admins manage accounts: they may
look into the workspace but take no part in its decisions.
"""

from __future__ import annotations

from app.auth.models import Role, User
from app.auth.permissions import has_any_role
from app.committee.models import Ballot, Disposition
from app.consultation.models import ConsultationRound
from app.drafting.models import Standard

WORKSPACE = (Role.COMMITTEE, Role.SECRETARIAT, Role.ADMIN)
DRAFTERS = (Role.COMMITTEE, Role.SECRETARIAT)
AGREERS = (Role.COMMITTEE,)


def can_use_workspace(actor: User | None) -> bool:
    """Read every comment with its answers, the dashboards and the comparison of drafts."""
    return has_any_role(actor, *WORKSPACE)


def can_draft_disposition(actor: User | None, round_: ConsultationRound | None = None) -> bool:
    return has_any_role(actor, *DRAFTERS)


def can_agree_disposition(actor: User | None, disposition: Disposition | None = None) -> bool:
    """Agree a proposed answer: a committee member other than the one who proposed it.

    Agreement is the committee's, not one member's; a meeting can agree a batch instead
    (see dispositions.agree_at_meeting).
    """
    if not has_any_role(actor, *AGREERS):
        return False
    if disposition is None:
        return True
    proposer = disposition.drafted_by_id or disposition.author_id
    return not disposition.agreed and proposer != getattr(actor, "id", None)


def can_record_meeting_agreement(actor: User | None) -> bool:
    """Record answers as agreed at a committee meeting, from its minutes."""
    return has_any_role(actor, *DRAFTERS)


def can_publish_synopsis(actor: User | None, round_: ConsultationRound | None = None) -> bool:
    return has_any_role(actor, Role.SECRETARIAT)


def can_open_ballot(actor: User | None, standard: Standard | None = None) -> bool:
    return has_any_role(actor, Role.SECRETARIAT)


def can_vote(actor: User | None, ballot: Ballot) -> bool:
    """Vote in a ballot: only the members on its roll, fixed when it opened."""
    user_id = getattr(actor, "id", None)
    return (
        getattr(actor, "is_authenticated", False)
        and user_id is not None
        and any(v.user_id == user_id for v in ballot.voters)
    )


PREDICATES = {
    f.__name__: f
    for f in (
        can_use_workspace,
        can_draft_disposition,
        can_agree_disposition,
        can_record_meeting_agreement,
        can_publish_synopsis,
        can_open_ballot,
        can_vote,
    )
}
