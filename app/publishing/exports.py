"""A round's public record as files: CSV and XLSX in the ISO commenting template.

Every export is the public record and nothing more: submitted comments only (a
withdrawn submission is gone), hidden comments left out, the submitter named by
`public_submitter` (consent), and the committee's response only once the synopsis
is published (then only agreed dispositions). Rows are read by one query in comment id
order through a server-side cursor, as plain rows, so a round of 100,000 comments is
never whole in memory.
"""

from __future__ import annotations

import csv
import io
import itertools
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import cast

from flask_babel import gettext as _
from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.committee.comments import synopsis_publication
from app.committee.models import Disposition
from app.committee.reanchoring import Locator
from app.consultation.models import (
    Comment,
    CommentType,
    ConsultationRound,
    Submission,
    SubmissionKind,
    SubmissionStatus,
)
from app.consultation.moderation import hidden_comments
from app.consultation.names import public_name, stakeholder_label
from app.consultation.service import comments_public
from app.drafting import service as drafting
from app.drafting.models import Clause, ClauseRevision
from app.errors import NotFound
from app.history import is_latest
from app.publishing import xlsx
from app.text.anchoring import MAX_QUOTE, AnchorStatus

BATCH = 500
XLSX_MEDIA_TYPE = xlsx.MEDIA_TYPE
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


@dataclass(slots=True)
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
_FORMULA_FIRST = frozenset(FORMULA_STARTS)


def spreadsheet_cell(value: str) -> str:
    """Keep a spreadsheet from reading public text as a formula (CSV/formula injection)."""
    return "'" + value if value[:1] in _FORMULA_FIRST else value


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


def _export_query(round_: ConsultationRound, *, responses: bool) -> Select:
    """Select one flat row per public comment, in comment id order: no ORM objects.

    The committee's answer is the latest disposition of each comment, joined by a
    correlated "no newer row" condition (index-backed), never a list of ids.
    """
    query = (
        public_comments(round_)
        .with_only_columns(
            Comment.id,
            Comment.clause_id,
            Comment.revision_id,
            Comment.ordinal,
            Comment.comment_type,
            Comment.body,
            Comment.proposed_change,
            Comment.anchor_exact,
            Comment.anchor_prefix,
            Comment.anchor_suffix,
            Comment.anchor_start,
            Comment.anchor_end,
            func.coalesce(Submission.submitted_at, Comment.created_at).label("created_at"),
            Submission.kind,
            Submission.consent_publish_name,
            Submission.organisation,
            Submission.stakeholder_group,
            Submission.receipt,
            User.name.label("author_name"),
            Clause.uid.label("clause_uid"),
            ClauseRevision.number.label("clause_number"),
            ClauseRevision.heading.label("clause_heading"),
        )
        .join(User, Submission.author_id == User.id)
        .outerjoin(Clause, Comment.clause_id == Clause.id)
        .outerjoin(ClauseRevision, Comment.revision_id == ClauseRevision.id)
        .order_by(Comment.id)
    )
    if responses:
        current = and_(
            Disposition.comment_id == Comment.id,
            is_latest(Disposition, key=[Disposition.comment_id], by=Disposition.seq),
        )
        query = query.outerjoin(Disposition, current).add_columns(
            Disposition.decision, Disposition.response, Disposition.agreed
        )
    return query


@dataclass(slots=True)
class _Commented:
    """What `Locator.place` reads of a comment whose clause is in the newest draft."""

    id: int
    clause_id: int | None
    anchor_exact: str | None
    anchor_prefix: str | None
    anchor_suffix: str | None
    anchor_start: int | None
    anchor_end: int | None
    submission: object


class _RowMaker:
    """Turn export rows into ExportRows, translating each label once per export."""

    def __init__(self, session: Session, round_: ConsultationRound) -> None:
        self.session = session
        self.submission = SimpleNamespace(round=round_)
        self.locator = _locator(session, round_)
        self.clauses = self.locator.by_clause
        self.anchored = str(AnchorStatus.ANCHORED)
        self.whole_draft = _("Whole draft")
        self.withheld = _("Name withheld")
        self.groups: dict[str, str] = {}
        self.names: dict[tuple, str] = {}

    def still_anchored(self, clause_id: int | None, exact: str | None) -> bool:
        """Say "anchored" where Locator.place would, without its search: a comment on the
        whole draft, a clause still in the newest draft with no quote, or a quote found
        as it is in that clause's text (any exact hit is "anchored"; which hit does not
        matter for the state). Everything else (edited, moved, gone) goes to the locator.
        """
        if clause_id is None:
            return True
        if clause_id not in self.clauses:
            return False
        if not exact:
            return True
        return len(exact) <= MAX_QUOTE and exact in self.locator.text(clause_id)

    def follow_removed(self, comment_id: int) -> str:
        """Place a comment whose clause left the newest draft (its successor, if any).

        The locator looks for the clause that took the text over through the comment's
        own session and submission, so this rare case reads the comment itself, then
        lets it go (the export holds no comment objects).
        """
        comment = self.session.get_one(Comment, comment_id)
        try:
            return str(self.locator.place(comment).status)
        finally:
            self.session.expunge(comment)

    def commenter(self, kind: str, consent: bool, name: str, organisation: str) -> str:
        if not consent and kind != SubmissionKind.FORMAL:
            return self.withheld  # the common case, no translation call
        key = (kind, consent, name, organisation)
        if key not in self.names:
            found = public_name(kind, consent=consent, name=name, organisation=organisation)
            self.names[key] = found or self.withheld
        return self.names[key]

    def __call__(self, r: tuple, responses: bool) -> ExportRow:
        """Make an ExportRow of one row of `_export_query` (unpacked: attribute access is slow)."""
        (cid, clause_id, revision_id, ordinal, comment_type, body, proposed_change) = r[:7]
        (exact, prefix, suffix, start, end, created_at, kind, consent, organisation) = r[7:16]
        (group, receipt, author_name, clause_uid, number, heading) = r[16:22]
        decision, response, agreed = r[22:] if responses else (None, None, False)
        shown = decision is not None and agreed
        if revision_id is None:
            clause = self.whole_draft
        else:
            clause = f"{number} {heading}" if number and heading else number or heading or ""
        if self.still_anchored(clause_id, exact):
            state = self.anchored  # what Locator.place says, without building a Placement
        elif clause_id not in self.clauses:
            state = self.follow_removed(cid)
        else:
            commented = _Commented(
                cid, clause_id, exact, prefix, suffix, start, end, self.submission
            )
            # The locator reads only what _Commented carries of a comment.
            state = str(self.locator.place(cast(Comment, commented)).status)
        if group not in self.groups:
            self.groups[group] = stakeholder_label(group)
        return ExportRow(
            cid,
            self.commenter(kind, consent, author_name, organisation),
            clause_uid,
            clause,
            exact or "",
            ISO_TYPES.get(comment_type, "ge"),
            body,
            proposed_change or "",
            response if shown else "",
            str(decision) if shown else "",
            self.groups[group],
            f"{receipt}/{ordinal}",
            state,
            created_at.isoformat(),
            prefix or "",
            suffix or "",
            start,
            end,
        )


def _locator(session: Session, round_: ConsultationRound) -> Locator:
    """Place comments in the standard's newest frozen draft (the public one)."""
    versions = drafting.list_versions(session, round_.standard)
    newest = versions[0] if versions else round_.version
    return Locator(drafting.version_nodes(session, newest))


def rows(
    session: Session,
    round_: ConsultationRound,
    *,
    batch: int | None = None,
    after: int = 0,
    limit: int | None = None,
) -> Iterator[ExportRow]:
    """Yield the round's public comments after comment id `after`, in id order.

    One query, read through a server-side cursor `batch` rows at a time (PostgreSQL:
    `stream_results`; SQLite steps its cursor), so a round of 100,000 comments is
    never whole in memory and no ORM object is made per comment.
    """
    require_public(round_)
    responses = synopsis_publication(session, round_) is not None
    make = _RowMaker(session, round_)
    query = _export_query(round_, responses=responses).where(Comment.id > after)
    if limit is not None:
        query = query.limit(limit)
    # Core execution on the session's connection: plain rows, without the ORM's
    # per-row loading machinery (a third of the reading cost).
    result = session.connection().execute(query, execution_options={"yield_per": batch or BATCH})
    try:
        for r in result:
            yield make(r, responses)
    finally:
        result.close()


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
    """Write the XLSX and return the open temporary file it is in.

    One sheet of inline strings, written row by row straight into the zip
    (app/publishing/xlsx.py): nothing is read as a formula, a number or a link.
    """
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by file_chunks after sending
    header = columns()
    cells = ([spreadsheet_cell(cell) for cell in row.cells()] for row in rows(session, round_))
    xlsx.write(spool, _("Comments"), itertools.chain([header], cells), len(header))
    spool.seek(0)
    return spool


def file_chunks(spool, size: int = 64 * 1024) -> Iterator[bytes]:
    try:
        while chunk := spool.read(size):
            yield chunk
    finally:
        spool.close()
