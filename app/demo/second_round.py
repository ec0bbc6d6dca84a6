"""The open second round on 3.0-draft-2 with its submissions (data/round-2.toml).

Every comment goes in through the intake service, with `now` pinned to a
moment inside the round, so the demo obeys the same rules as real users.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.permissions import SYSTEM
from app.consultation import moderation, rounds_file, service
from app.consultation.models import ConsultationRound
from app.database import Database, utcnow
from app.demo.accounts import ensure_commenters
from app.demo.data import DAY, ROOT, person, read
from app.drafting.models import Standard

NUMBER = 2


def load(db: Database) -> list[str]:
    """Open the second round and file its submissions once; return lines to print."""
    data = read("round-2.toml")
    definition = ROOT / data["round"]["definition"]
    values = rounds_file.parse(definition.read_text(encoding="utf-8"), str(definition))
    with db.transaction() as session:
        standard = session.scalar(select(Standard).where(Standard.slug == values["standard_slug"]))
        if standard is None:
            return ["Consultation demo skipped: the demo standard is not loaded."]
        if session.scalar(
            select(ConsultationRound.id).where(
                ConsultationRound.standard_id == standard.id, ConsultationRound.number == NUMBER
            )
        ):
            return [f"Demo consultation round {NUMBER} already loaded."]
        ensure_commenters(session, data["commenter"])
        now = utcnow().replace(minute=0, second=0, microsecond=0)
        opened_days_ago = data["round"]["opened_days_ago"]
        values["opens_at"] = now - opened_days_ago * DAY
        values["closes_at"] = values["opens_at"] + data["round"]["length_days"] * DAY
        round_ = service.create_round(session, SYSTEM, service.clean_round(session, **values))
        moderator = person(session, data["round"]["moderated_by"])
        counts = {"submitted": 0, "comments": 0}
        step = (opened_days_ago - 1) * DAY / len(data["submission"])
        for i, entry in enumerate(data["submission"]):
            at = round_.opens_at + dt.timedelta(hours=6) + step * i
            _file(session, person(session, entry["author"]), moderator, round_, entry, at, counts)
    return [
        f"Opened consultation round {NUMBER} on {round_.version.label} with "
        f"{counts['submitted']} submissions and {counts['comments']} comments."
    ]


def _file(
    session: Session,
    author: User,
    moderator: User,
    round_: ConsultationRound,
    entry: dict,
    at: dt.datetime,
    counts: dict,
) -> None:
    """Draft, then submit (or withdraw, or leave as a draft) one submission of the file."""
    comments = [
        service.add_comment(
            session,
            author,
            round_,
            clause_uid=point.get("clause"),
            comment_type=point["type"],
            body=point["body"],
            proposed_change=point.get("change", ""),
            anchor=service.AnchorInput(passage=point.get("passage", "")),
            now=at + dt.timedelta(minutes=7 * n),
        )
        for n, point in enumerate(entry["point"])
    ]
    submission = comments[0].submission
    at += dt.timedelta(minutes=40)
    service.update_submission(
        session,
        author,
        submission,
        service.SubmissionDetails(
            kind=entry["kind"],
            organisation=entry.get("organisation", ""),
            consent_publish_name=entry["consent_publish_name"],
            cover_statement=entry.get("cover", ""),
        ),
        now=at,
    )
    state = entry.get("state", "submitted")
    if state == "draft":
        return
    service.submit(session, author, submission, now=at + dt.timedelta(minutes=5))
    counts["submitted"] += 1
    counts["comments"] += len(comments)
    if state == "withdrawn":
        service.withdraw(
            session, author, submission, reason=entry["withdraw_reason"], now=at + 2 * DAY
        )
    for comment, point in zip(comments, entry["point"], strict=True):
        if point.get("hidden_because"):
            moderation.moderate(
                session, moderator, comment, hidden=True, reason=point["hidden_because"]
            )
