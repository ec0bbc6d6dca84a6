"""How a standard was made, in public: every draft, round, synopsis, ballot and edition."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, joinedload

from app.committee.models import Ballot, SynopsisPublication
from app.consultation import counters
from app.consultation.models import (
    ConsultationRound,
    RoundState,
)
from app.database import utcnow
from app.drafting.models import Standard, Version
from app.publishing.models import Publication

DRAFT, ROUND, SYNOPSIS, BALLOT, PUBLICATION = "draft", "round", "synopsis", "ballot", "publication"
_ORDER = {DRAFT: 0, ROUND: 1, SYNOPSIS: 2, BALLOT: 3, PUBLICATION: 4}


@dataclass(frozen=True)
class Event:
    """One step of a standard's history; `subject` is the row it is about."""

    kind: str
    at: dt.datetime
    subject: object
    until: dt.datetime | None = None
    facts: dict = field(default_factory=dict)


def comment_counts(session: Session, standard: Standard) -> dict[int, int]:
    """Count the comments of submitted (not withdrawn) submissions, per round of the standard."""
    round_ids = session.scalars(
        select(ConsultationRound.id).where(ConsultationRound.standard_id == standard.id)
    ).all()
    found: dict[int, int] = {}
    for cell in counters.cells(session, round_ids):  # the rounds' counters, not the comments
        found[cell.round_id] = found.get(cell.round_id, 0) + cell.n
    return found


def timeline(session: Session, standard: Standard) -> list[Event]:
    """Return the standard's history, oldest first."""
    events: list[Event] = []
    for version in session.scalars(select(Version).where(Version.standard_id == standard.id)):
        events.append(Event(DRAFT, version.created_at, version, facts={"state": version.state}))
    counts = comment_counts(session, standard)
    rounds = session.scalars(
        select(ConsultationRound)
        .where(ConsultationRound.standard_id == standard.id)
        .options(joinedload(ConsultationRound.version))
    ).all()
    for round_ in rounds:
        events.append(
            Event(
                ROUND,
                round_.opens_at,
                round_,
                until=round_.closes_at,
                facts={"comments": counts.get(round_.id, 0)},
            )
        )
    synopses = session.scalars(
        select(SynopsisPublication)
        .join(ConsultationRound, ConsultationRound.id == SynopsisPublication.round_id)
        .where(ConsultationRound.standard_id == standard.id)
        .options(contains_eager(SynopsisPublication.round))
    ).all()
    for synopsis in synopses:
        events.append(Event(SYNOPSIS, synopsis.published_at, synopsis))
    for ballot in session.scalars(
        select(Ballot).where(Ballot.standard_id == standard.id).options(joinedload(Ballot.version))
    ):
        events.append(
            Event(
                BALLOT,
                ballot.opens_at,
                ballot,
                until=ballot.closes_at,
                facts={"outcome": ballot.outcome},
            )
        )
    publications = session.scalars(
        select(Publication).where(Publication.standard_id == standard.id)
    ).all()
    for publication in publications:
        events.append(Event(PUBLICATION, publication.published_at, publication))
    events.sort(key=lambda e: (e.at, _ORDER[e.kind], getattr(e.subject, "id", 0)))
    return events


def ballots(session: Session, standard: Standard) -> list[Ballot]:
    """Return the standard's ballots, newest first."""
    return list(
        session.scalars(
            select(Ballot)
            .where(Ballot.standard_id == standard.id)
            .options(joinedload(Ballot.version))
            .order_by(Ballot.id.desc())
        )
    )


def synopsis_round_ids(session: Session, standard: Standard) -> set[int]:
    """Return the ids of the standard's rounds whose synopsis is published."""
    return set(
        session.scalars(
            select(SynopsisPublication.round_id)
            .join(ConsultationRound, ConsultationRound.id == SynopsisPublication.round_id)
            .where(ConsultationRound.standard_id == standard.id)
        )
    )


def open_round_on(
    session: Session, version: Version, now: dt.datetime | None = None
) -> ConsultationRound | None:
    """Return the consultation round open on a frozen version now, if there is one."""
    now = now or utcnow()
    return session.scalar(
        select(ConsultationRound)
        .where(
            ConsultationRound.version_id == version.id,
            ConsultationRound.in_state(now, RoundState.OPEN),
        )
        .order_by(ConsultationRound.number)
        .limit(1)
    )
