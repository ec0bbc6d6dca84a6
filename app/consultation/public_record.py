"""The public record of a round: its comments as each reader may see them, page by page,
its formal submissions and its per-clause counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session, contains_eager, joinedload, selectinload

from app.auth.models import User
from app.consultation import counters, record_rows
from app.consultation.clause_order import clause_order_page
from app.consultation.models import (
    Comment,
    CommentState,
    ConsultationRound,
    Moderation,
    Submission,
    SubmissionKind,
    SubmissionStatus,
)
from app.consultation.moderation import moderation_of
from app.consultation.permissions import can_read_every_comment
from app.consultation.service import comments_public
from app.drafting.models import Clause, ClauseRevision
from app.pagination import Page

RECORD_PAGE = 100


def _visible_comments(round_: ConsultationRound):
    """The round's public comments, driven from the read model: submitted, not hidden.

    The record's segments filter and order on comment_state's clause and comment ids
    (`_PUBLIC_KEYS`), so each walks ix_comment_state_record in page order within the
    round; on comment's own clause index a segment walked every round's comments on that
    clause (the whole draft of an earlier round: 5,000 rows before page 1 began).
    """
    return (
        select(Comment)
        .join(CommentState, CommentState.comment_id == Comment.id)
        .join(Submission, Comment.submission_id == Submission.id)
        .where(CommentState.round_id == round_.id, CommentState.hidden.is_(False))
    )


_PUBLIC_KEYS = (CommentState.clause_id, CommentState.comment_id)


def public_comment_counts(session: Session, round_: ConsultationRound) -> dict[int | None, int]:
    """Count the publicly visible comments of a round per clause id (None: whole draft).

    Clauses with no visible comment are left out. From the round's clause counters
    (app.consultation.counters): a sum over a few rows per clause, not the comments.
    """
    return counters.clause_counts(session, round_.id, hidden=False)


@dataclass
class CommentEntry:
    """A comment as the record shows it to one reader (its comment plain on the HTML page)."""

    comment: Comment | record_rows.PlainComment
    moderation: Moderation | None = None

    @property
    def submission(self) -> Submission | record_rows.PlainSubmission:
        return self.comment.submission

    @property
    def hidden(self) -> bool:
        return bool(self.moderation and self.moderation.hidden)

    @property
    def withdrawn(self) -> bool:
        return self.comment.submission.status == SubmissionStatus.WITHDRAWN


@dataclass(frozen=True)
class CommentFilters:
    comment_type: str = ""
    stakeholder_group: str = ""
    clause_uid: str = ""


def _record_total(
    session: Session, round_: ConsultationRound, filters: CommentFilters, *, staff: bool
) -> int:
    """Count the record's comments: the read model's rows (visible ones for the public),
    plus, for staff, the comments of withdrawn submissions (which it leaves out)."""
    counted = select(func.count()).where(CommentState.round_id == round_.id)
    withdrawn = (
        select(func.count(Comment.id))
        .join(Submission, Comment.submission_id == Submission.id)
        .where(Submission.round_id == round_.id, Submission.status == SubmissionStatus.WITHDRAWN)
    )
    if not staff:
        counted = counted.where(CommentState.hidden.is_(False))
    if filters.comment_type:
        counted = counted.where(CommentState.comment_type == filters.comment_type)
        withdrawn = withdrawn.where(Comment.comment_type == filters.comment_type)
    if filters.stakeholder_group:
        counted = counted.where(CommentState.stakeholder_group == filters.stakeholder_group)
        withdrawn = withdrawn.where(Submission.stakeholder_group == filters.stakeholder_group)
    if filters.clause_uid == "-":
        counted = counted.where(CommentState.clause_id.is_(None))
        withdrawn = withdrawn.where(Comment.clause_id.is_(None))
    elif filters.clause_uid:
        clause_id = select(Clause.id).where(Clause.uid == filters.clause_uid).scalar_subquery()
        counted = counted.where(CommentState.clause_id == clause_id)
        withdrawn = withdrawn.where(Comment.clause_id == clause_id)
    counted_total = _counted_total(session, round_, filters, staff=staff)
    total = (session.scalar(counted) or 0) if counted_total is None else counted_total
    return total + (session.scalar(withdrawn) or 0) if staff else total


def _counted_total(
    session: Session, round_: ConsultationRound, filters: CommentFilters, *, staff: bool
) -> int | None:
    """The record's total of submitted comments from the round's counters
    (app.consultation.counters), or None when the filters are not on their keys
    (a clause with a type or group: counted on the read model, one clause's rows)."""
    hidden = None if staff else False
    if filters.clause_uid and (filters.comment_type or filters.stakeholder_group):
        return None
    if filters.clause_uid:
        if filters.clause_uid == "-":
            clause_id = None
        else:
            clause_id = session.scalar(select(Clause.id).where(Clause.uid == filters.clause_uid))
            if clause_id is None:
                return 0
        counts = counters.clause_counts(session, round_.id, hidden=hidden, clause_id=clause_id)
        return sum(counts.values())
    return sum(
        c.n
        for c in counters.cells(session, [round_.id])
        if not (c.hidden and not staff)
        and (not filters.comment_type or c.comment_type == filters.comment_type)
        and (not filters.stakeholder_group or c.group == filters.stakeholder_group)
    )


# What a record entry reads of its submission (page, API, moderation).
_ENTRY_SUBMISSION = (
    Submission.round_id,
    Submission.author_id,
    Submission.kind,
    Submission.organisation,
    Submission.consent_publish_name,
    Submission.stakeholder_group,
    Submission.status,
    Submission.receipt,
    Submission.submitted_at,
)


def record_page(
    session: Session,
    viewer: User | None,
    round_: ConsultationRound,
    filters: CommentFilters | None = None,
    *,
    now: dt.datetime | None = None,
    after: str | None = None,
    before: str | None = None,
    limit: int = RECORD_PAGE,
    count: bool = True,
    plain: bool = False,
) -> tuple[Page, int]:
    """Return a keyset page of the round's record as this reader may see it, and the total.

    `plain`: the entries' comments are `record_rows.PlainComment` values (what the
    record's HTML shows, no ORM objects), not Comment objects.

    The public sees submitted, unhidden comments once the round's comments are
    public; staff always see everything submitted, withdrawn and hidden included.
    Pages run in clause order (whole draft first), then comment id (receipt order within
    a submission), read clause segment by clause segment (`clause_order`).
    """
    filters = filters or CommentFilters()
    staff = can_read_every_comment(viewer, round_)
    if staff:
        query = (
            select(Comment)
            .join(Submission, Comment.submission_id == Submission.id)
            .where(
                Submission.round_id == round_.id,
                Submission.status.in_([SubmissionStatus.SUBMITTED, SubmissionStatus.WITHDRAWN]),
            )
        )
    elif comments_public(round_, now):
        query = _visible_comments(round_)
    else:
        return Page(), 0
    keys = (Comment.clause_id, Comment.id) if staff else _PUBLIC_KEYS
    if filters.comment_type:
        query = query.where(Comment.comment_type == filters.comment_type)
    if filters.stakeholder_group:
        query = query.where(Submission.stakeholder_group == filters.stakeholder_group)
    if filters.clause_uid == "-":
        query = query.where(keys[0].is_(None))
    elif filters.clause_uid:
        query = query.where(
            keys[0] == select(Clause.id).where(Clause.uid == filters.clause_uid).scalar_subquery()
        )
    total = _record_total(session, round_, filters, staff=staff) if count else 0
    query = (
        query.join(User, Submission.author_id == User.id)
        .outerjoin(Clause, Comment.clause_id == Clause.id)
        .outerjoin(ClauseRevision, Comment.revision_id == ClauseRevision.id)
    )
    if plain:
        page = clause_order_page(
            session,
            query.with_only_columns(*record_rows.COLUMNS),
            round_.version_id,
            after=after,
            before=before,
            limit=limit,
            keys=keys,
        )
        comments = [record_rows.plain_comment(row) for row in page.items]
    else:
        comments, page = _record_objects(session, query, round_, keys, after, before, limit)
    moderation = moderation_of(session, [c.id for c in comments]) if staff else {}
    page.items = [CommentEntry(c, moderation.get(c.id)) for c in comments]
    return page, total


def _record_objects(session, query, round_, keys, after, before, limit):
    """The record page's comments as ORM objects (the API, moderation), and the page."""
    query = query.options(
        # Authors are shown by name: their role grants are not loaded (a page of
        # authors would otherwise select role grants in batches of 500 ids).
        # Only the columns a record entry shows are read (raiseload: reading any
        # other fails loudly instead of a query per row): not the clause revision's
        # text, the author's account or the submission's cover statement.
        contains_eager(Comment.submission).load_only(*_ENTRY_SUBMISSION, raiseload=True),
        contains_eager(Comment.submission)
        .contains_eager(Submission.author)
        .load_only(User.name, raiseload=True)
        .raiseload(User.role_grants),
        contains_eager(Comment.clause).load_only(Clause.uid, raiseload=True),
        contains_eager(Comment.revision).load_only(
            ClauseRevision.clause_id,
            ClauseRevision.number,
            ClauseRevision.heading,
            raiseload=True,
        ),
    )
    page = clause_order_page(
        session, query, round_.version_id, after=after, before=before, limit=limit, keys=keys
    )
    return [row[0] for row in page.items], page


def record_comments(
    session: Session,
    viewer: User | None,
    round_: ConsultationRound,
    filters: CommentFilters | None = None,
    *,
    now: dt.datetime | None = None,
    limit: int = RECORD_PAGE,
) -> tuple[list[CommentEntry], int]:
    """Return the first page of the round's record as this reader may see it, and the total."""
    page, total = record_page(session, viewer, round_, filters, now=now, limit=limit)
    return page.items, total


def formal_submissions(
    session: Session,
    viewer: User | None,
    round_: ConsultationRound,
    *,
    now: dt.datetime | None = None,
) -> list[Submission]:
    """Return the round's formal submissions (with cover statements) this reader may see."""
    statuses = [SubmissionStatus.SUBMITTED]
    if can_read_every_comment(viewer, round_):
        statuses.append(SubmissionStatus.WITHDRAWN)
    elif not comments_public(round_, now):
        return []
    return list(
        session.scalars(
            select(Submission)
            .where(
                # `+ 0`: without statistics SQLite took ix_submission_round_order for
                # (round, status) and walked the round's 20,000 submissions for the few
                # formal ones (3 ms a record page); with the round's term not indexable it
                # scans the partial index ix_submission_formal, which holds only those.
                Submission.round_id + 0 == round_.id,
                # A literal, not a parameter: SQLite uses the partial index
                # ix_submission_formal only for a WHERE that states its condition.
                Submission.kind == literal_column(f"'{SubmissionKind.FORMAL.value}'"),
                Submission.status.in_(statuses),
            )
            .options(joinedload(Submission.author), selectinload(Submission.comments))
            .order_by(Submission.submitted_at)
        )
    )
