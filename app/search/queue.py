"""Queue an index update in the caller's transaction (the outbox in app.jobs)."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.orm import Session

from app.jobs.service import enqueue

JOB_KIND = "search"


class UpdateKind(StrEnum):
    """What changed; the indexer re-reads it from the database when it applies the update."""

    CLAUSE = "clause"  # one clause of the working draft (saved, added, moved, deleted)
    STANDARD = "standard"  # the whole working draft of a standard (renumbered, imported)
    VERSION = "version"  # a frozen version (frozen, adopted, published, withdrawn)
    SUBMISSION = "submission"  # every comment of a submission (submitted, withdrawn)
    COMMENT = "comment"  # one comment (moderated, answered)
    ROUND = "round"  # every comment of a round (synopsis published)


def queue_update(session: Session, kind: UpdateKind | str, id: int) -> None:
    """Queue the index update for what just changed; it exists only if the transaction commits."""
    enqueue(session, JOB_KIND, target=str(UpdateKind(kind)), id=int(id))
