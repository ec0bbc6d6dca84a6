"""A round's public record as files: CSV and XLSX in the ISO commenting template, Web Annotations.

Every export is the public record and nothing more: submitted comments only (a
withdrawn submission is gone), hidden comments left out, the submitter named by
`public_submitter` (consent), and the committee's response only once the synopsis
is published (then only agreed dispositions). Rows are read in keyset batches by
comment id, so a round of 100,000 comments is never whole in memory.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from app.committee.comments import current_dispositions, synopsis_publication
from app.committee.models import Disposition
from app.committee.reanchoring import Locator
from app.consultation.models import (
    Comment,
    CommentType,
    ConsultationRound,
    Submission,
    SubmissionStatus,
)
from app.consultation.names import public_submitter, stakeholder_label
from app.consultation.service import comments_public, hidden_comments
from app.drafting import service as drafting
from app.errors import NotFound

BATCH = 500
ANNOTATION_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
ANNOTATION_MEDIA_TYPE = f'application/ld+json; profile="{ANNOTATION_CONTEXT}"'
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ISO_TYPES = {CommentType.GENERAL: "ge", CommentType.TECHNICAL: "te", CommentType.EDITORIAL: "ed"}


def columns() -> list[str]:
    """Return the header: the ISO commenting template's columns, then ours."""
    return [
        _("Commenter / organisation"),
        _("Clause"),
        _("Paragraph / passage"),
        _("Type of comment"),
        _("Comment"),
        _("Proposed change"),
        _("Observations of the committee"),
        _("Decision"),
        _("Stakeholder group"),
        _("Receipt reference"),
        _("Anchor state against the newest draft"),
    ]


@dataclass(frozen=True)
class ExportRow:
    """One comment as the public record exports it."""

    comment_id: int
    commenter: str
    clause_uid: str | None
    clause: str
    passage: str
    comment_type: str
    comment: str
    proposed_change: str
    observations: str
    decision: str
    stakeholder_group: str
    receipt: str
    anchor_state: str
    created_at: str
    anchor_prefix: str
    anchor_suffix: str
    anchor_start: int | None
    anchor_end: int | None

    def cells(self) -> list[str]:
        return [
            self.commenter,
            self.clause,
            self.passage,
            self.comment_type,
            self.comment,
            self.proposed_change,
            self.observations,
            self.decision,
            self.stakeholder_group,
            self.receipt,
            self.anchor_state,
        ]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: str) -> str:
    """Keep a spreadsheet from reading public text as a formula (CSV/formula injection)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def require_public(round_: ConsultationRound) -> None:
    """Refuse to export a round whose comments are not public yet."""
    if not comments_public(round_):
        raise NotFound(_("The comments of this round are not public yet."))


def public_comments(round_: ConsultationRound):
    """Select the round's public comments: submitted, not hidden."""
    return (
        select(Comment)
        .join(Submission, Comment.submission_id == Submission.id)
        .where(
            Submission.round_id == round_.id,
            Submission.status == SubmissionStatus.SUBMITTED,
            Comment.id.not_in(hidden_comments()),
        )
    )


def count(session: Session, round_: ConsultationRound) -> int:
    query = public_comments(round_).with_only_columns(func.count(Comment.id))
    return session.scalar(query) or 0


def _batches(
    session: Session, round_: ConsultationRound, size: int, after: int
) -> Iterator[list[Comment]]:
    while True:
        batch = list(
            session.scalars(
                public_comments(round_)
                .where(Comment.id > after)
                .order_by(Comment.id)
                .limit(size)
                .options(
                    joinedload(Comment.submission).joinedload(Submission.author),
                    joinedload(Comment.clause),
                    joinedload(Comment.revision),
                )
            ).unique()
        )
        if not batch:
            return
        yield batch
        after = batch[-1].id


def _locator(session: Session, round_: ConsultationRound) -> Locator:
    """Place comments in the standard's newest frozen draft (the public one)."""
    versions = drafting.list_versions(session, round_.standard)
    newest = versions[0] if versions else round_.version
    return Locator(drafting.version_nodes(session, newest))


def _row(comment: Comment, disposition: Disposition | None, state: str) -> ExportRow:
    submission = comment.submission
    revision = comment.revision
    clause = revision.title if revision else _("Whole draft")
    return ExportRow(
        comment_id=comment.id,
        commenter=public_submitter(submission) or _("Name withheld"),
        clause_uid=comment.clause.uid if comment.clause is not None else None,
        clause=clause,
        passage=comment.anchor_exact or "",
        comment_type=ISO_TYPES.get(CommentType(comment.comment_type), "ge"),
        comment=comment.body,
        proposed_change=comment.proposed_change or "",
        observations=disposition.response if disposition else "",
        decision=str(disposition.decision) if disposition else "",
        stakeholder_group=stakeholder_label(submission.stakeholder_group),
        receipt=f"{submission.receipt}/{comment.ordinal}",
        anchor_state=state,
        created_at=(submission.submitted_at or comment.created_at).isoformat(),
        anchor_prefix=comment.anchor_prefix or "",
        anchor_suffix=comment.anchor_suffix or "",
        anchor_start=comment.anchor_start,
        anchor_end=comment.anchor_end,
    )


def rows(
    session: Session, round_: ConsultationRound, *, batch: int = BATCH, after: int = 0
) -> Iterator[ExportRow]:
    """Yield the round's public comments after comment id `after`, in id order, batch by batch."""
    require_public(round_)
    responses_public = synopsis_publication(session, round_) is not None
    locator = _locator(session, round_)
    for comments in _batches(session, round_, batch, after):
        answers = (
            current_dispositions(session, [c.id for c in comments]) if responses_public else {}
        )
        for comment in comments:
            answer = answers.get(comment.id)
            shown = answer if answer is not None and answer.agreed else None
            yield _row(comment, shown, str(locator.place(comment).status))
        # The batch is written out: let the session forget it (users and rounds stay).
        submissions = {c.submission for c in comments}
        for item in [*answers.values(), *comments, *submissions]:
            if item in session:
                session.expunge(item)


def csv_chunks(session: Session, round_: ConsultationRound) -> Iterator[str]:
    """Yield the CSV text a few hundred rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns())
    for n, row in enumerate(rows(session, round_), start=1):
        writer.writerow([spreadsheet_cell(cell) for cell in row.cells()])
        if n % 200 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_file(session: Session, round_: ConsultationRound):
    """Write the XLSX (openpyxl write-only: rows go to disk) and return the open temporary file."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Comments")[:31])
    sheet.append(columns())
    for row in rows(session, round_):
        sheet.append([spreadsheet_cell(cell) for cell in row.cells()])
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by file_chunks after sending
    workbook.save(spool)
    spool.seek(0)
    return spool


def file_chunks(spool, size: int = 64 * 1024) -> Iterator[bytes]:
    try:
        while chunk := spool.read(size):
            yield chunk
    finally:
        spool.close()


def annotation(row: ExportRow, *, record_url: str, version_url: str) -> dict:
    """Return one comment as a W3C Web Annotation on the draft it was made on."""
    bodies = [
        {
            "type": "TextualBody",
            "value": row.comment,
            "format": "text/markdown",
            "purpose": "commenting",
        }
    ]
    if row.proposed_change:
        bodies.append(
            {
                "type": "TextualBody",
                "value": row.proposed_change,
                "format": "text/markdown",
                "purpose": "editing",
            }
        )
    if row.observations:
        bodies.append(
            {
                "type": "TextualBody",
                "value": row.observations,
                "format": "text/markdown",
                "purpose": "replying",
            }
        )
    source = f"{version_url}#clause-{row.clause_uid}" if row.clause_uid else version_url
    target: dict = {"source": source}
    if row.passage:
        selectors: list[dict] = [
            {
                "type": "TextQuoteSelector",
                "exact": row.passage,
                "prefix": row.anchor_prefix,
                "suffix": row.anchor_suffix,
            }
        ]
        if row.anchor_start is not None and row.anchor_end is not None:
            selectors.append(
                {"type": "TextPositionSelector", "start": row.anchor_start, "end": row.anchor_end}
            )
        target["selector"] = selectors
    return {
        "id": f"{record_url}#comment-{row.comment_id}",
        "type": "Annotation",
        "motivation": "commenting",
        "created": row.created_at,
        "creator": {"type": "Agent", "name": row.commenter},
        "body": bodies,
        "target": target,
    }


def annotation_chunks(
    session: Session,
    round_: ConsultationRound,
    *,
    collection_url: str,
    record_url: str,
    version_url: str,
) -> Iterator[str]:
    """Yield an AnnotationCollection (one embedded AnnotationPage) as JSON-LD text."""
    require_public(round_)
    head = {
        "@context": ANNOTATION_CONTEXT,
        "id": collection_url,
        "type": "AnnotationCollection",
        "label": round_.title,
        "total": count(session, round_),
    }
    page_head = {"id": f"{collection_url}#page-1", "type": "AnnotationPage", "startIndex": 0}
    yield json.dumps(head)[:-1] + ', "first": ' + json.dumps(page_head)[:-1] + ', "items": ['
    for n, row in enumerate(rows(session, round_)):
        item = annotation(row, record_url=record_url, version_url=version_url)
        yield ("," if n else "") + json.dumps(item, ensure_ascii=False)
    yield "]}}"
