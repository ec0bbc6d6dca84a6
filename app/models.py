"""Import every area's models so that metadata and mappers are complete."""

from app import immutability
from app.audit.models import AuditEvent
from app.auth.models import PageText, RoleGrant, User
from app.committee.models import (
    Ballot,
    BallotVoter,
    Disposition,
    SynopsisPublication,
    Vote,
)
from app.consultation.counters import ClauseTally, CommentTally
from app.consultation.models import (
    Comment,
    ConsultationRound,
    Moderation,
    RoundChange,
    Submission,
    SubmissionStatus,
)
from app.drafting.models import Clause, ClauseRevision, Standard, Version, VersionEntry
from app.jobs.models import Job
from app.publishing.following import Follow
from app.publishing.models import Publication, PublicationPdf
from app.rendering import store_html
from app.translation.models import ClauseTranslation, VersionTranslation


def _submitted(submission: immutability.Stored | None) -> bool:
    return submission is None or submission("status") != SubmissionStatus.DRAFT


# Append-only records: history is rows, never updates.
immutability.register(AuditEvent)
immutability.register(PageText)
immutability.register(ClauseRevision)
immutability.register(VersionEntry)
immutability.register(Version, "state", "note")
# Clause uids, slugs and uid prefixes are permanent (links, receipts, exports rely on them).
immutability.fix(Clause, "uid", "standard_id", "created_at")
immutability.fix(Standard, "slug", "uid_prefix", "created_at")
# A comment may change or go while its submission is a draft; once submitted, never.
immutability.register(Comment, applies=lambda stored: _submitted(stored.related("submission")))
immutability.register(Moderation)
immutability.register(RoundChange)
immutability.register(Disposition)
immutability.register(Vote)
immutability.register(BallotVoter)
immutability.register(SynopsisPublication)
immutability.register(Publication)
immutability.register(PublicationPdf)
immutability.register(ClauseTranslation)
immutability.register(VersionTranslation, "title")
# A submission may change while it is a draft; once submitted, only withdrawal.
immutability.register(
    Submission,
    "status",
    "withdrawn_at",
    "withdraw_reason",
    "updated_at",
    applies=lambda stored: stored("status") != SubmissionStatus.DRAFT,
)

# Markdown rendered once, when written; pages print the stored HTML (app/rendering.py).
# There is no "markdown" template filter on purpose.
store_html(ClauseRevision, body="body_html")
store_html(Comment, body="body_html", proposed_change="proposed_change_html")
store_html(Disposition, response="response_html")
store_html(Submission, cover_statement="cover_statement_html")
store_html(ConsultationRound, summary="summary_html")
store_html(PageText, body="body_html")
store_html(ClauseTranslation, body="body_html")

__all__ = [
    "AuditEvent",
    "ClauseTally",
    "CommentTally",
    "ClauseTranslation",
    "VersionTranslation",
    "Ballot",
    "BallotVoter",
    "Clause",
    "ClauseRevision",
    "Comment",
    "ConsultationRound",
    "Disposition",
    "Follow",
    "Job",
    "Moderation",
    "PageText",
    "Publication",
    "PublicationPdf",
    "RoleGrant",
    "Standard",
    "Submission",
    "SynopsisPublication",
    "User",
    "Version",
    "VersionEntry",
    "Vote",
]
