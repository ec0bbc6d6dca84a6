"""Atom feeds of the public record: publications, rounds opened and closed, synopses, ballots.

Each kind of event is one query ordered by its time and limited to the newest
LIMIT; the merged list is cut to LIMIT again. No table is read whole.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.committee.forms import OUTCOME_LABELS
from app.committee.models import Ballot, BallotOutcome, SynopsisPublication
from app.consultation.models import ConsultationRound, round_parts
from app.database import utcnow
from app.drafting.models import Standard
from app.formatting import format_day
from app.publishing.models import Publication

LIMIT = 50
PUBLICATION, ROUND_OPENED, ROUND_CLOSED, SYNOPSIS, BALLOT = (
    "publication",
    "round-opened",
    "round-closed",
    "synopsis",
    "ballot",
)


@dataclass(frozen=True)
class FeedEntry:
    """One event of the public record, with what its link needs."""

    kind: str
    at: dt.datetime
    title: str
    summary: str
    standard: Standard
    subject_id: int
    number: str = ""  # a publication's number


def _newest(session: Session, query, column, standard: Standard | None, owner, limit: int):
    if standard is not None:
        query = query.where(owner == standard.id)
    return session.scalars(query.order_by(column.desc()).limit(limit)).unique()


def _publications(session, standard, now, limit) -> list[FeedEntry]:
    query = (
        select(Publication)
        .where(Publication.published_at <= now)
        .options(joinedload(Publication.standard))
    )
    found = _newest(
        session, query, Publication.published_at, standard, Publication.standard_id, limit
    )
    return [
        FeedEntry(
            PUBLICATION,
            p.published_at,
            _("%(standard)s %(number)s published", standard=p.standard.title, number=p.number),
            _("Effective from %(date)s.", date=format_day(p.effective_on)),
            p.standard,
            p.id,
            p.number,
        )
        for p in found
    ]


def _rounds(session, standard, now, limit) -> list[FeedEntry]:
    out = []
    for kind, column in ((ROUND_OPENED, ConsultationRound.opens_at), (ROUND_CLOSED, None)):
        column = column if column is not None else ConsultationRound.closes_at
        query = select(ConsultationRound).where(column <= now).options(*round_parts())
        found = _newest(session, query, column, standard, ConsultationRound.standard_id, limit)
        for r in found:
            if kind == ROUND_OPENED:
                title = _("Consultation opened: %(title)s", title=r.title)
                summary = _(
                    "Comments on %(standard)s %(version)s are open until %(date)s.",
                    standard=r.standard.title,
                    version=r.version.label,
                    date=format_day(r.closes_at),
                )
                at = r.opens_at
            else:
                title = _("Consultation closed: %(title)s", title=r.title)
                summary = _(
                    "The round on %(standard)s %(version)s has closed.",
                    standard=r.standard.title,
                    version=r.version.label,
                )
                at = r.closes_at
            out.append(FeedEntry(kind, at, title, summary, r.standard, r.id))
    return out


def _synopses(session, standard, now, limit) -> list[FeedEntry]:
    query = (
        select(SynopsisPublication, ConsultationRound)
        .join(ConsultationRound, SynopsisPublication.round_id == ConsultationRound.id)
        .where(SynopsisPublication.published_at <= now)
        .options(joinedload(ConsultationRound.standard))
    )
    if standard is not None:
        query = query.where(ConsultationRound.standard_id == standard.id)
    rows = session.execute(query.order_by(SynopsisPublication.published_at.desc()).limit(limit))
    return [
        FeedEntry(
            SYNOPSIS,
            s.published_at,
            _("Synopsis published: %(title)s", title=r.title),
            _("The committee's response to every public comment of the round."),
            r.standard,
            r.id,
        )
        for s, r in rows
    ]


def _ballots(session, standard, now, limit) -> list[FeedEntry]:
    query = (
        select(Ballot)
        .where(Ballot.closed_at.is_not(None), Ballot.closed_at <= now)
        .options(joinedload(Ballot.standard))
    )
    found = _newest(session, query, Ballot.closed_at, standard, Ballot.standard_id, limit)
    out = []
    for b in found:
        outcome = OUTCOME_LABELS.get(BallotOutcome(b.outcome)) if b.outcome else None
        out.append(
            FeedEntry(
                BALLOT,
                b.closed_at,
                _("Ballot result: %(question)s", question=b.question[:120]),
                _("Outcome: %(outcome)s.", outcome=outcome or _("not counted")),
                b.standard,
                b.id,
            )
        )
    return out


def entries(
    session: Session,
    standard: Standard | None = None,
    *,
    now: dt.datetime | None = None,
    limit: int = LIMIT,
) -> list[FeedEntry]:
    """Return the newest events of the public record, site-wide or of one standard."""
    now = now or utcnow()
    found = []
    for source in (_publications, _rounds, _synopses, _ballots):
        found.extend(source(session, standard, now, limit))
    found.sort(key=lambda e: (e.at, e.kind, e.subject_id), reverse=True)
    return found[:limit]


def atom(
    found: list[FeedEntry],
    *,
    title: str,
    self_url: str,
    home_url: str,
    link_of: Callable[[FeedEntry], str],
    language: str = "en",
) -> bytes:
    """Write the entries as an Atom document (feedgen)."""
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.id(self_url)
    feed.title(title)
    feed.link(href=home_url, rel="alternate")
    feed.link(href=self_url, rel="self")
    feed.language(language)
    feed.author({"name": "Clausewise"})
    feed.updated(found[0].at if found else dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    for event in reversed(found):  # feedgen prepends: add oldest first
        link = link_of(event)
        item = feed.add_entry()
        item.id(f"{link}#{event.kind}")
        item.title(event.title)
        item.link(href=link)
        item.updated(event.at)
        item.published(event.at)
        item.summary(event.summary)
        item.category(term=event.kind)
    return feed.atom_str(pretty=True)
