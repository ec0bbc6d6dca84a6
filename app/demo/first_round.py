"""The closed first round on 3.0-draft-1: submissions, agreed answers, the published
synopsis and the ballot after it (data/round-1.toml).

These are past events, so each service is called with `now` pinned to the
moment it happened; the ballot's outcome comes from the same tally as any other.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.committee import ballots, dispositions, synopsis
from app.committee.models import Ballot
from app.consultation import service as consultation
from app.consultation.models import Comment, ConsultationRound
from app.database import Database, utcnow
from app.demo.accounts import ensure_commenters
from app.demo.data import DAY, person, read
from app.drafting import service as drafting
from app.drafting.models import Standard

SLUG = "responsible-aluminium"


def load(db: Database) -> list[str]:
    """Load the first round's history once; return lines to print."""
    data = read("round-1.toml")
    with db.transaction() as session:
        standard = session.scalar(select(Standard).where(Standard.slug == SLUG))
        if standard is None:
            return ["Committee demo skipped: the demo standard is not loaded."]
        if session.scalar(
            select(ConsultationRound.id).where(
                ConsultationRound.standard_id == standard.id,
                ConsultationRound.number == data["round"]["number"],
            )
        ):
            return ["Committee demo already loaded."]
        ensure_commenters(session, data["commenter"])
        now = utcnow().replace(microsecond=0)
        round_ = _open_round(session, standard, data, now)
        points = _submit_all(session, round_, data)
        _answer_all(session, standard, round_, points, data["answers"])
        synopsis.publish(
            session,
            person(session, data["answers"]["synopsis_published_by"]),
            round_,
            now=now - data["answers"]["synopsis_published_days_ago"] * DAY,
        )
        ballot = _ballot(session, standard, data["round"]["version"], data["ballot"], now)
        return [
            f"Loaded the closed first round ({len(points)} comments with agreed dispositions, "
            f"synopsis published) and ballot {ballot.id} ({ballot.outcome})."
        ]


def _open_round(
    session: Session, standard: Standard, data: dict, now: dt.datetime
) -> ConsultationRound:
    spec = data["round"]
    opens_at = now - spec["opened_days_ago"] * DAY
    fields = consultation.clean_round(
        session,
        standard_slug=standard.slug,
        version_label=spec["version"],
        number=spec["number"],
        title=spec["title"],
        summary=spec["summary"],
        opens_at=opens_at,
        closes_at=now - spec["closed_days_ago"] * DAY,
        visibility=spec["visibility"],
        audiences=spec["audiences"],
    )
    secretariat = person(session, data["answers"]["synopsis_published_by"])
    return consultation.create_round(session, secretariat, fields, now=opens_at - 5 * DAY)


def _submit_all(
    session: Session, round_: ConsultationRound, data: dict
) -> dict[tuple[str, int], tuple[Comment, dict]]:
    """File every submission through the intake service; map (author, point n) to it."""
    spec = data["round"]
    points: dict[tuple[str, int], tuple[Comment, dict]] = {}
    for i, entry in enumerate(data["submission"], start=1):
        author = person(session, entry["author"])
        sent = (
            round_.opens_at
            + (spec["first_submission_after_days"] + spec["submission_every_days"] * i) * DAY
        )
        drafted = sent - DAY
        for n, point in enumerate(entry["point"], start=1):
            comment = consultation.add_comment(
                session,
                author,
                round_,
                clause_uid=point.get("clause"),
                comment_type=point["type"],
                body=point["body"],
                proposed_change=point.get("change", ""),
                anchor=consultation.AnchorInput(passage=point.get("passage", "")),
                now=drafted,
            )
            points[(entry["author"], n)] = (comment, point)
        submission = comment.submission
        consultation.update_submission(
            session,
            author,
            submission,
            consultation.SubmissionDetails(
                kind=entry["kind"],
                organisation=entry.get("organisation", ""),
                consent_publish_name=entry["consent_publish_name"],
                cover_statement=entry.get("cover", ""),
            ),
            now=drafted,
        )
        consultation.submit(session, author, submission, now=sent)
    return points


def _answer_all(
    session: Session,
    standard: Standard,
    round_: ConsultationRound,
    points: dict[tuple[str, int], tuple[Comment, dict]],
    answers: dict,
) -> None:
    """Draft every answer as one member and agree it as another, after the round closed."""
    drafter = person(session, answers["drafted_by"])
    agreer = person(session, answers["agreed_by"])
    addressed_in = drafting.get_version(session, standard, answers["addressed_in"])
    revisions = {n.uid: n.revision for n in drafting.version_nodes(session, addressed_in)}
    agreed_at = round_.closes_at + answers["agreed_days_after_close"] * DAY
    for n, (comment, point) in enumerate(points.values()):
        addressed = revisions.get(point.get("clause", "")) if point.get("addressed") else None
        duplicate = point.get("duplicate_of")
        dispositions.draft(
            session,
            drafter,
            comment,
            decision=point["decision"],
            response=point["response"],
            duplicate_of_id=points[tuple(duplicate)][0].id if duplicate else None,
            addressed_by_revision_id=addressed.id if addressed else None,
            now=round_.closes_at + (answers["drafted_days_after_close"] + n % 10) * DAY,
        )
        dispositions.agree(session, agreer, comment, now=agreed_at)


def _ballot(
    session: Session, standard: Standard, label: str, spec: dict, now: dt.datetime
) -> Ballot:
    """Open the ballot on the round's draft, cast the recorded votes and close it."""
    opens_at = now - spec["opened_days_ago"] * DAY
    ballot = ballots.open_ballot(
        session,
        person(session, spec["opened_by"]),
        drafting.get_version(session, standard, label),
        question_kind=spec["question_kind"],
        question=spec["question"],
        closes_at=now - spec["closes_days_ago"] * DAY,
        quorum=spec["quorum"],
        threshold=spec["threshold"],
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
