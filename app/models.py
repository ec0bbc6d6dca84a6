"""Import every area's models so that metadata and mappers are complete."""

from app import immutability
from app.audit.models import AuditEvent
from app.auth.models import RoleGrant, User
from app.committee.models import (
    Ballot,
    BallotVoter,
    Disposition,
    SynopsisPublication,
    Vote,
)
from app.consultation.models import Comment, ConsultationRound, Moderation, Submission
from app.drafting.models import Clause, ClauseRevision, Standard, Version, VersionEntry
from app.jobs.models import Job

# Append-only records: history is rows, never updates.
immutability.register(AuditEvent)
immutability.register(ClauseRevision)
immutability.register(VersionEntry)
immutability.register(Version, "state", "note")
immutability.register(Comment)
immutability.register(Moderation)
immutability.register(Disposition)
immutability.register(Vote)
immutability.register(BallotVoter)
immutability.register(SynopsisPublication)

__all__ = [
    "AuditEvent", "Ballot", "BallotVoter", "Clause", "ClauseRevision", "Comment",
    "ConsultationRound", "Disposition", "Job", "Moderation", "RoleGrant", "Standard",
    "Submission", "SynopsisPublication", "User", "Version", "VersionEntry", "Vote",
]
