"""Earlier editions of the demo standard: adoption ballots and publications (data/edition.toml)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.committee import ballots
from app.committee.models import Ballot
from app.database import Database, utcnow
from app.demo.data import DAY, person, read
from app.drafting import service as drafting
from app.drafting.models import Standard
from app.publishing import service as publishing


def load(db: Database) -> list[str]:
    """Adopt and publish each earlier edition once; return lines to print."""
    now = utcnow().replace(microsecond=0)
    lines = []
    with db.transaction() as session:
        standard = drafting.get_standard(session, "responsible-aluminium")
        published = {p.number for p in publishing.list_publications(session, standard)}
        for edition in read("edition.toml")["edition"]:
            spec = edition["publication"]
            if spec["number"] in published:
                lines.append(f"Edition {spec['number']} already published.")
                continue
            ballot = _adopt(session, standard, edition["version"], edition["ballot"], now)
            publication = publishing.publish(
                session,
                person(session, spec["published_by"]),
                drafting.get_version(session, standard, edition["version"]),
                number=spec["number"],
                effective_on=(now - spec["effective_days_ago"] * DAY).date(),
                notes=spec["notes"],
                now=now - spec["published_days_ago"] * DAY,
            )
            lines.append(
                f"Published edition {publication.number} (adoption ballot {ballot.id}: "
                f"{ballot.outcome})."
            )
    return lines


def _adopt(session: Session, standard: Standard, label: str, spec: dict, now) -> Ballot:
    """Hold the adoption ballot on the version, with its recorded votes, and close it."""
    opens_at = now - spec["opened_days_ago"] * DAY
    ballot = ballots.open_ballot(
        session,
        person(session, spec["opened_by"]),
        drafting.get_version(session, standard, label),
        question_kind="adopt",
        question=spec["question"],
        closes_at=now - spec["closes_days_ago"] * DAY,
        quorum=spec["quorum"],
        threshold=spec["threshold"],
        justification=spec["justification"],
        now=opens_at,
    )
    for n, vote in enumerate(spec["vote"], start=1):
        ballots.cast_vote(
            session,
            person(session, vote["voter"]),
            ballot,
            choice=vote["choice"],
            reason=vote.get("reason", ""),
            now=opens_at + n * DAY,
        )
    ballots.close(session, ballot, now)
    return ballot
