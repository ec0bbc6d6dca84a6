"""Publishing adopted versions: who may, what is refused, and which edition is in force."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, joinedload

from app.audit.service import record
from app.auth.models import Role, User
from app.auth.permissions import has_any_role, require_signed_in
from app.committee.models import Ballot, BallotOutcome, BallotQuestion
from app.consultation.models import Comment, Moderation, Submission, SubmissionStatus
from app.database import utcnow
from app.drafting import service as drafting
from app.drafting.models import (
    Clause,
    ClauseRevision,
    Standard,
    Version,
    VersionEntry,
    VersionState,
)
from app.drafting.tree import DraftNode
from app.errors import Conflict, NotFound, PermissionDenied, ValidationError
from app.publishing import printing
from app.publishing.models import Publication
from app.text.markdown import render_markdown

NUMBER = re.compile(r"^[0-9]{1,4}(?:\.[0-9]{1,4}){0,3}$")
MAX_NOTES = 50_000

IN_FORCE, SUPERSEDED, UPCOMING = "in-force", "superseded", "upcoming"


# --- permissions -----------------------------------------------------------------


def can_publish(actor: User | None, standard: Standard | None = None) -> bool:
    """Say whether the actor may publish editions of the standard (the secretariat)."""
    return has_any_role(actor, Role.SECRETARIAT)


# --- reading ---------------------------------------------------------------------


def list_publications(session: Session, standard: Standard) -> list[Publication]:
    """Return the standard's publications, newest first."""
    return list(
        session.scalars(
            select(Publication)
            .where(Publication.standard_id == standard.id)
            .order_by(Publication.id.desc())
        )
    )


def get_publication(session: Session, standard: Standard, number: str) -> Publication:
    found = session.scalar(
        select(Publication).where(
            Publication.standard_id == standard.id, Publication.number == number
        )
    )
    if found is None:
        raise NotFound(
            _("%(slug)s has no publication %(number)s.", slug=standard.slug, number=number)
        )
    return found


def _today(today: dt.date | None) -> dt.date:
    return today or utcnow().date()


def in_force(publications: list[Publication], today: dt.date | None = None) -> Publication | None:
    """Return the newest publication already in effect (publications newest first)."""
    today = _today(today)
    return next((p for p in publications if p.effective_on <= today), None)


def current(session: Session, standard: Standard, today: dt.date | None = None):
    """Return the edition a reader should be sent to: the one in force, else the newest."""
    publications = list_publications(session, standard)
    return in_force(publications, today) or (publications[0] if publications else None)


def in_force_by_standard(session: Session, today: dt.date | None = None) -> dict[int, Publication]:
    """Return the publication in force of every standard that has one, in one query."""
    newer = aliased(Publication)
    today = _today(today)
    latest = (
        select(func.max(newer.id))
        .where(newer.standard_id == Publication.standard_id, newer.effective_on <= today)
        .correlate(Publication)
        .scalar_subquery()
    )
    return {
        p.standard_id: p
        for p in session.scalars(select(Publication).where(Publication.id == latest))
    }


@dataclass(frozen=True)
class Standing:
    """Where a publication stands today among the standard's publications."""

    state: str  # in-force, superseded or upcoming
    in_force: Publication | None
    newest: Publication
    corrected_by: Publication | None
    previous: Publication | None
    corrects: Publication | None


def standing(
    publication: Publication, publications: list[Publication], today: dt.date | None = None
) -> Standing:
    """Place a publication among the standard's publications (newest first)."""
    force = in_force(publications, today)
    if force is not None and force.id == publication.id:
        state = IN_FORCE
    elif force is not None and force.id > publication.id:
        state = SUPERSEDED
    else:
        state = UPCOMING
    corrected_by = next(
        (p for p in reversed(publications) if p.corrects_id == publication.id), None
    )
    older = [p for p in publications if p.id < publication.id]
    corrects = next((p for p in publications if p.id == publication.corrects_id), None)
    return Standing(
        state, force, publications[0], corrected_by, older[0] if older else None, corrects
    )


def read(session: Session, publication: Publication) -> list[DraftNode]:
    """Return the clauses of a publication in reading order."""
    return drafting.version_nodes(session, publication.version)


def editions_of(session: Session, version: Version) -> list[Publication]:
    """Return the publications of a version (an edition and its re-issued corrections)."""
    return list(
        session.scalars(
            select(Publication).where(Publication.version_id == version.id).order_by(Publication.id)
        )
    )


def adoption_ballot(session: Session, version: Version) -> Ballot | None:
    """Return the carried adoption ballot of a version, if it has one."""
    return session.scalar(
        select(Ballot)
        .where(
            Ballot.version_id == version.id,
            Ballot.question_kind == BallotQuestion.ADOPT,
            Ballot.outcome == BallotOutcome.CARRIED,
        )
        .order_by(Ballot.id.desc())
        .limit(1)
    )


def publishable_versions(session: Session, standard: Standard) -> list[Version]:
    """Return the adopted versions of the standard not yet published, newest first."""
    return list(
        session.scalars(
            select(Version)
            .where(Version.standard_id == standard.id, Version.state == VersionState.ADOPTED)
            .order_by(Version.id.desc())
        )
    )


def synopsis_marker(session: Session, round_id: int) -> str:
    """Say what could still change a published synopsis: moderation and withdrawals."""
    moderated = session.scalar(
        select(func.max(Moderation.id))
        .join(Comment, Comment.id == Moderation.comment_id)
        .join(Submission, Submission.id == Comment.submission_id)
        .where(Submission.round_id == round_id)
    )
    withdrawn = session.scalar(
        select(func.count(Submission.id)).where(
            Submission.round_id == round_id, Submission.status == SubmissionStatus.WITHDRAWN
        )
    )
    return f"{moderated or 0}-{withdrawn or 0}"


# --- permalinks ------------------------------------------------------------------


@dataclass(frozen=True)
class ClauseTrail:
    """A clause of one publication followed into the edition a reader should use."""

    uid: str
    node: DraftNode | None  # the clause in the publication asked for
    current: Publication | None
    current_node: DraftNode | None  # the same clause in the current edition
    removed_in: Publication | None  # the first later publication without it


def _clause_id(uid: str):
    return select(Clause.id).where(Clause.uid == uid).scalar_subquery()


def _node_for(session: Session, publication: Publication, uid: str) -> DraftNode | None:
    entry = session.scalar(
        select(VersionEntry)
        .where(
            VersionEntry.version_id == publication.version_id,
            VersionEntry.clause_id == _clause_id(uid),
        )
        .options(joinedload(VersionEntry.revision).joinedload(ClauseRevision.clause))
    )
    return DraftNode(entry.revision, entry.depth, entry.ordinal) if entry else None


def clause_trail(
    session: Session, publication: Publication, uid: str, today: dt.date | None = None
) -> ClauseTrail:
    """Find a clause by uid in a publication and in the current edition of its standard."""
    node = _node_for(session, publication, uid)
    publications = list_publications(session, publication.standard)
    now_current = in_force(publications, today) or publications[0]
    if node is None and not any(_node_for(session, p, uid) for p in publications):
        raise NotFound(
            _(
                "No publication of %(slug)s has a clause %(uid)s.",
                slug=publication.standard.slug,
                uid=uid,
            )
        )
    current_node = (
        node if now_current.id == publication.id else _node_for(session, now_current, uid)
    )
    removed_in = None
    if current_node is None:
        holders = set(
            session.scalars(
                select(Publication.id)
                .join(VersionEntry, VersionEntry.version_id == Publication.version_id)
                .where(
                    Publication.standard_id == publication.standard_id,
                    VersionEntry.clause_id == _clause_id(uid),
                )
            )
        )
        last_with = max(holders)
        removed_in = next(
            (p for p in reversed(publications) if p.id > last_with and p.id not in holders), None
        )
    return ClauseTrail(uid, node, now_current, current_node, removed_in)


# --- publishing ------------------------------------------------------------------


def _clean_number(session: Session, standard: Standard, number: str) -> str:
    number = (number or "").strip()
    if not NUMBER.match(number):
        raise ValidationError(
            _("An edition number is digits separated by dots, like 3.0 or 3.0.1."), field="number"
        )
    if session.scalar(
        select(Publication.id).where(
            Publication.standard_id == standard.id, Publication.number == number
        )
    ):
        raise ValidationError(
            _("%(slug)s already has a publication %(number)s.", slug=standard.slug, number=number),
            field="number",
        )
    return number


def publish(
    session: Session,
    actor: User,
    version: Version,
    *,
    number: str,
    effective_on: dt.date,
    notes: str = "",
    corrects: Publication | None = None,
    now: dt.datetime | None = None,
) -> Publication:
    """Publish an adopted version as a numbered edition; an earlier one is superseded.

    A correction names the publication it corrects; it may re-issue the same version
    (to correct the notes or the date) or publish a newer adopted version.
    """
    standard = session.get_one(Standard, version.standard_id)
    if not can_publish(actor, standard):
        require_signed_in(actor)
        raise PermissionDenied(_("Only the secretariat publishes standards."))
    now = now or utcnow()
    number = _clean_number(session, standard, number)
    if not isinstance(effective_on, dt.date):
        raise ValidationError(_("Give the date the edition takes effect."), field="effective_on")
    notes = (notes or "").strip()
    if len(notes) > MAX_NOTES:
        raise ValidationError(_("The release notes are too long."), field="notes")
    if corrects is not None and corrects.standard_id != standard.id:
        raise ValidationError(_("A correction corrects a publication of the same standard."))
    ballot = adoption_ballot(session, version)
    if corrects is not None and corrects.version_id == version.id:
        # A re-issue of the same text rests on the ballot that adopted it.
        ballot = session.get(Ballot, corrects.ballot_id) if corrects.ballot_id else None
    elif version.state == VersionState.PUBLISHED:
        raise Conflict(
            _(
                "%(label)s is already published; publish a correction to change its edition.",
                label=version.label,
            )
        )
    elif version.state != VersionState.ADOPTED or ballot is None:
        raise Conflict(
            _(
                "%(label)s cannot be published: no adoption ballot on it has carried. "
                "Put it to an adoption ballot of the Standards Committee first.",
                label=version.label,
            )
        )
    publication = Publication(
        standard_id=standard.id,
        version_id=version.id,
        ballot_id=ballot.id if ballot else None,
        number=number,
        effective_on=effective_on,
        notes=notes,
        notes_html=str(render_markdown(notes)),
        justification=(ballot.justification if ballot else "") or "",
        corrects_id=corrects.id if corrects else None,
        published_at=now,
        published_by_id=actor.id,
    )
    session.add(publication)
    if version.state != VersionState.PUBLISHED:
        version.state = VersionState.PUBLISHED
    session.flush()
    record(
        session,
        actor,
        "publication.publish",
        publication,
        summary=f"Published {standard.slug} {number} ({version.label})",
        number=number,
        version=version.label,
        effective_on=effective_on.isoformat(),
        corrects=corrects.number if corrects else None,
        ballot=ballot.id if ballot else None,
    )
    # Printed by a job committed with the publication: no reader waits for the first print.
    printing.queue_prints(session, publication)
    return publication
