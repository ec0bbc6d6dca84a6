"""Write a closed round's public record as files under consultations/ (`flask rounds archive`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.committee.comments import current_disposition, synopsis_publication
from app.consultation.models import Comment, ConsultationRound, RoundState, Submission
from app.consultation.names import stakeholder_label
from app.database import utcnow
from app.errors import Conflict
from app.publishing import exports, web_annotations


def folder_name(round_: ConsultationRound) -> str:
    return f"{round_.standard.slug}-round-{round_.number}"


def _counts_by_group(session: Session, round_: ConsultationRound) -> list[tuple[str, int]]:
    public = exports.public_comments(round_).subquery()
    query = (
        select(Submission.stakeholder_group, func.count())
        .select_from(public)
        .join(Submission, public.c.submission_id == Submission.id)
        .group_by(Submission.stakeholder_group)
        .order_by(Submission.stakeholder_group)
    )
    return [(group, n) for group, n in session.execute(query)]


def _counts_by_decision(session: Session, round_: ConsultationRound) -> list[tuple[str, int]]:
    public = exports.public_comments(round_).with_only_columns(Comment.id)
    current = current_disposition().subquery()
    query = (
        select(current.c.decision, func.count())
        .where(current.c.agreed.is_(True), current.c.comment_id.in_(public))
        .group_by(current.c.decision)
        .order_by(current.c.decision)
    )
    return [(decision, n) for decision, n in session.execute(query)]


def synopsis_lines(session: Session, round_: ConsultationRound) -> Iterator[str]:
    """Yield the synopsis as Markdown: counts, then every public comment with its response."""
    published = synopsis_publication(session, round_)
    yield f"# {round_.title}\n\n"
    yield (
        _(
            "%(standard)s, version %(version)s, round %(number)s: %(opens)s to %(closes)s.",
            standard=round_.standard.title,
            version=round_.version.label,
            number=round_.number,
            opens=f"{round_.opens_at:%Y-%m-%d}",
            closes=f"{round_.closes_at:%Y-%m-%d}",
        )
        + "\n\n"
    )
    if published is None:
        yield _("The synopsis of this round is not published yet: no responses are shown.")
    else:
        yield _("Synopsis published on %(date)s.", date=f"{published.published_at:%Y-%m-%d}")
    yield "\n\n## " + _("Comments by stakeholder group") + "\n\n"
    for group, n in _counts_by_group(session, round_):
        yield f"- {stakeholder_label(group)}: {n}\n"
    if published is not None:
        yield "\n## " + _("Responses by decision") + "\n\n"
        for decision, n in _counts_by_decision(session, round_):
            yield f"- {decision}: {n}\n"
    yield "\n## " + _("Comments") + "\n"
    for row in exports.rows(session, round_):
        yield f"\n### {row.receipt} · {row.clause} ({row.comment_type})\n\n"
        yield f"*{row.commenter}, {row.stakeholder_group}*\n\n"
        if row.passage:
            yield "> " + row.passage.replace("\n", "\n> ") + "\n\n"
        yield row.comment.strip() + "\n"
        if row.proposed_change:
            yield "\n" + _("Proposed change:") + "\n\n" + row.proposed_change.strip() + "\n"
        if row.observations:
            yield "\n" + _("Response (%(decision)s):", decision=row.decision) + "\n\n"
            yield row.observations.strip() + "\n"


def archive(
    session: Session,
    round_: ConsultationRound,
    into: Path,
    urls: dict[str, str],
    *,
    now: dt.datetime | None = None,
) -> list[Path]:
    """Write comments.csv, comments.xlsx, annotations.jsonld and synopsis.md; return the paths."""
    if round_.state_at(now or utcnow()) != RoundState.CLOSED:
        raise Conflict(_("Only a closed round can be archived; this one is still open."))
    folder = into / folder_name(round_)
    folder.mkdir(parents=True, exist_ok=True)
    written = []

    def write_text(name: str, chunks) -> None:
        path = folder / name
        with path.open("w", encoding="utf-8", newline="") as out:
            for chunk in chunks:
                out.write(chunk)
        written.append(path)

    write_text("comments.csv", exports.csv_chunks(session, round_))
    path = folder / "comments.xlsx"
    with path.open("wb") as out:
        for chunk in exports.file_chunks(exports.xlsx_file(session, round_)):
            out.write(chunk)
    written.append(path)
    write_text("annotations.jsonld", web_annotations.annotation_chunks(session, round_, **urls))
    write_text("synopsis.md", synopsis_lines(session, round_))
    return written
