"""A round's comments with their current answers, as pages and counts computed in SQL.

Written for rounds of 100,000 comments: the current disposition and
moderation are the latest rows per comment (an anti-join on the next row),
counts are GROUP BY, lists are keyset pages; nothing loads a whole round.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, false, func, select
from sqlalchemy.orm import Session, aliased, contains_eager, joinedload

from app.auth.models import User
from app.committee import synopsis_rows
from app.committee.dashboard_rows import AGREED, DRAFTED, NONE, answer_state, dashboard_rows
from app.committee.models import Disposition, SynopsisPublication
from app.consultation import counters
from app.consultation.clause_order import clause_order_page
from app.consultation.models import (
    Comment,
    CommentState,
    ConsultationRound,
    Submission,
    SubmissionKind,
    SubmissionStatus,
    comment_parts,
)
from app.consultation.moderation import hidden_now
from app.drafting.models import Clause, ClauseRevision, VersionEntry
from app.history import is_latest
from app.pagination import Page, paginate

PAGE_SIZE = 100

Current = aliased(Disposition, name="current_disposition")


def current_disposition_on():
    """Join condition from Comment to its current (latest) disposition, `Current`."""
    return and_(
        Current.comment_id == Comment.id,
        is_latest(Current, key=[Current.comment_id], by=Current.seq),
    )


@dataclass(frozen=True)
class RowFilters:
    clause: str = ""
    comment_type: str = ""
    group: str = ""
    state: str = ""
    formal: bool = False
    language: str = ""
    q: str = ""  # the search text shown back in the form
    # The search engine's matches for q (at most 500 ids), or None when not searching.
    comment_ids: tuple[int, ...] | None = None

    @property
    def any(self) -> bool:
        return bool(
            self.clause
            or self.comment_type
            or self.group
            or self.state
            or self.formal
            or self.language
            or self.comment_ids is not None
        )


def _filtered(query: Select, filters: RowFilters) -> Select:
    if filters.comment_ids is not None:
        query = query.where(Comment.id.in_(filters.comment_ids))
    if filters.clause == "-":
        query = query.where(Comment.clause_id.is_(None))
    elif filters.clause:
        query = query.where(
            Comment.clause_id
            == select(Clause.id).where(Clause.uid == filters.clause).scalar_subquery()
        )
    if filters.comment_type:
        query = query.where(Comment.comment_type == filters.comment_type)
    if filters.group:
        query = query.where(Submission.stakeholder_group == filters.group)
    if filters.formal:
        query = query.where(Submission.kind == SubmissionKind.FORMAL)
    if filters.language:
        query = query.where(Comment.language == filters.language)
    if filters.state == "open":
        query = query.where(func.coalesce(Current.agreed, false()).is_(False))
    elif filters.state == NONE:
        query = query.where(Current.id.is_(None))
    elif filters.state == DRAFTED:
        query = query.where(Current.agreed.is_(False))
    elif filters.state == AGREED:
        query = query.where(Current.agreed.is_(True))
    return query


def _submitted(round_ids) -> Select:
    return (
        select(Comment)
        .join(Submission, Comment.submission_id == Submission.id)
        .outerjoin(Current, current_disposition_on())
        .where(Submission.round_id.in_(round_ids), Submission.status == SubmissionStatus.SUBMITTED)
    )


# --- rows -------------------------------------------------------------------------------


@dataclass
class CommentRow:
    """A comment with what the committee needs to see next to it."""

    comment: Comment
    disposition: Disposition | None
    hidden: bool = False

    @property
    def state(self) -> str:
        return answer_state(self.disposition)

    @property
    def submission(self) -> Submission:
        return self.comment.submission

    @property
    def is_formal(self) -> bool:
        return self.comment.submission.kind == SubmissionKind.FORMAL

    @property
    def stakeholder_group(self) -> str:
        return self.comment.submission.stakeholder_group or "other"


def with_details(query: Select) -> Select:
    """Load what a row shows: submission and author, clause and revision, current answer."""
    return with_row_parts(query.add_columns(Current, hidden_now().label("hidden")))


def with_row_parts(query: Select) -> Select:
    """Join and load a row's author, clause and revision, and its answer's revision (`Current`)."""
    return (
        query.join(User, Submission.author_id == User.id)
        .outerjoin(Clause, Comment.clause_id == Clause.id)
        .outerjoin(ClauseRevision, Comment.revision_id == ClauseRevision.id)
        .options(
            # Authors are shown by name: their role grants are not loaded (a page of
            # authors would otherwise select role grants in batches of 500 ids).
            contains_eager(Comment.submission)
            .contains_eager(Submission.author)
            .raiseload(User.role_grants),
            contains_eager(Comment.clause),
            contains_eager(Comment.revision),
            joinedload(Current.addressed_by).joinedload(ClauseRevision.clause),
        )
    )


def _rows(page: Page) -> Page:
    page.items = [
        CommentRow(comment, current, bool(hidden)) for comment, current, hidden in page.items
    ]
    return page


# Receipt order, the dashboard's: comment_state carries it, and its receipt index starts
# with (round, submitted_at, submission id, ordinal) and holds every filter column.
RECEIPT = (CommentState.submitted_at, CommentState.submission_id, CommentState.ordinal)


def round_page(
    session: Session,
    round_: ConsultationRound,
    filters: RowFilters | None = None,
    *,
    after: str | None = None,
    before: str | None = None,
    limit: int = PAGE_SIZE,
) -> Page:
    """Return a page of the round's submitted comments in receipt order, filtered.

    Two statements: the page's keys from comment_state (one walk of
    ix_comment_state_receipt in page order, filtered on the index's own columns,
    stopping at the page's end, whatever the filters), then those comments with
    what a row shows (current answer by its id, no latest-row probe).
    """
    keys = _state_filtered(
        select(CommentState.comment_id, *RECEIPT).where(CommentState.round_id == round_.id),
        filters or RowFilters(),
    )
    page = paginate(
        session,
        keys,
        list(RECEIPT),
        lambda row: (row.submitted_at, row.submission_id, row.ordinal),
        [dt.datetime, int, int],
        after=after,
        before=before,
        limit=limit,
    )
    page.items = dashboard_rows(session, page.items)
    return page


def _cell_passes(cell: counters.Cell, filters: RowFilters) -> bool:
    if filters.comment_type and cell.comment_type != filters.comment_type:
        return False
    if filters.group and cell.group != filters.group:
        return False
    if filters.formal and not cell.formal:
        return False
    if filters.state == "open":
        return not cell.agreed
    if filters.state == NONE:
        return not cell.agreed and cell.decision is None
    if filters.state == DRAFTED:
        return not cell.agreed and cell.decision is not None
    if filters.state == AGREED:
        return cell.agreed
    return True


def count_matching(session: Session, round_: ConsultationRound, filters: RowFilters) -> int:
    """Count the round's comments that pass the filters: from the round's counters when
    the filters are on their keys (state, type, group, formal), else on the read model
    (an index range of ix_comment_state_receipt: clause, language, a search's ids)."""
    if filters.comment_ids is None and not filters.clause and not filters.language:
        cells = counters.cells(session, [round_.id])
        return sum(c.n for c in cells if _cell_passes(c, filters))
    query = _state_filtered(_state([round_.id]), filters).with_only_columns(func.count())
    return session.scalar(query) or 0


def synopsis_page(
    session: Session,
    round_: ConsultationRound,
    *,
    public: bool = True,
    after: str | None = None,
    before: str | None = None,
    limit: int = PAGE_SIZE,
    plain: bool = False,
) -> Page:
    """Return a page of the synopsis: clause order (whole draft first), then comment id.

    The public page is driven from the read model (visible rows, the current answer by
    its id): each clause segment is a range of ix_comment_state_record in page order.
    `plain` (public only): the rows' comments and answers are plain values
    (`synopsis_rows`), not ORM objects.
    """
    keys = (Comment.clause_id, Comment.id)
    if public and plain:
        page = clause_order_page(
            session,
            synopsis_rows.public_rows(round_.id),
            round_.version_id,
            after=after,
            before=before,
            limit=limit,
            keys=(CommentState.clause_id, CommentState.comment_id),
        )
        page.items = [CommentRow(*synopsis_rows.plain_row(row)) for row in page.items]
        return page
    if public:
        query = with_row_parts(
            select(Comment, Current, false().label("hidden"))
            .join(CommentState, CommentState.comment_id == Comment.id)
            .join(Submission, Comment.submission_id == Submission.id)
            .outerjoin(Current, Current.id == CommentState.disposition_id)
            .where(CommentState.round_id == round_.id, CommentState.hidden.is_(False))
        )
        keys = (CommentState.clause_id, CommentState.comment_id)
    else:
        query = with_details(_submitted([round_.id]))
    page = clause_order_page(
        session, query, round_.version_id, after=after, before=before, limit=limit, keys=keys
    )
    page.items = [(c, d, h) for c, d, h, _ordinal in page.items]
    return _rows(page)


def chosen_comments(session: Session, round_: ConsultationRound, ids: list[int]) -> list[Comment]:
    """Return the submitted comments of the round among the given ids (a page's selection)."""
    if not ids:
        return []
    in_round = _submitted([round_.id]).where(Comment.id.in_(ids[: PAGE_SIZE * 5]))
    return list(
        session.scalars(
            select(Comment)
            .where(Comment.id.in_(in_round.with_only_columns(Comment.id)))
            .options(*comment_parts())
            .order_by(Comment.id)
        )
    )


# --- counts ------------------------------------------------------------------------------


@dataclass
class Progress:
    """How far the committee is with a round: totals and what still lacks an agreed answer."""

    total: int = 0
    agreed: int = 0
    drafted: int = 0
    formal_total: int = 0
    formal_open: int = 0
    open_by_clause: Counter = field(default_factory=Counter)
    open_by_type: Counter = field(default_factory=Counter)
    open_by_group: Counter = field(default_factory=Counter)

    @property
    def lacking(self) -> int:
        return self.total - self.agreed

    @property
    def undrafted(self) -> int:
        return self.total - self.agreed - self.drafted

    @property
    def complete(self) -> bool:
        return self.lacking == 0

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(100 * self.agreed / self.total)


# Counts read comment_state (app.consultation.state): one row per submitted comment
# with its current answer and visibility, so each count is an index-only GROUP BY.
CS = CommentState


def _state(round_ids) -> Select:
    return select(CS).where(CS.round_id.in_(round_ids))


def _state_filtered(query: Select, filters: RowFilters) -> Select:
    if filters.comment_ids is not None:
        query = query.where(CS.comment_id.in_(filters.comment_ids))
    if filters.clause == "-":
        query = query.where(CS.clause_id.is_(None))
    elif filters.clause:
        query = query.where(
            CS.clause_id == select(Clause.id).where(Clause.uid == filters.clause).scalar_subquery()
        )
    if filters.comment_type:
        query = query.where(CS.comment_type == filters.comment_type)
    if filters.language:
        query = query.where(CS.language == filters.language)
    if filters.group:
        query = query.where(CS.stakeholder_group == filters.group)
    if filters.formal:
        query = query.where(CS.formal.is_(True))
    if filters.state == "open":
        query = query.where(CS.agreed.is_(False))
    elif filters.state == NONE:
        query = query.where(CS.agreed.is_(False), CS.decision.is_(None))
    elif filters.state == DRAFTED:
        query = query.where(CS.agreed.is_(False), CS.decision.is_not(None))
    elif filters.state == AGREED:
        query = query.where(CS.agreed.is_(True))
    return query


def _add(p: Progress, cell: counters.Cell) -> None:
    n = cell.n
    p.total += n
    if cell.agreed:
        p.agreed += n
    else:
        p.open_by_type[cell.comment_type] += n
        p.open_by_group[cell.group or "other"] += n
        if cell.decision is not None:
            p.drafted += n
    if cell.formal:
        p.formal_total += n
        if not cell.agreed:
            p.formal_open += n


def progress_by_round(session: Session, round_ids: list[int]) -> dict[int, Progress]:
    """Count each round's comments by answer state, formality, and what is open by type and
    group: a sum over the rounds' counter rows (app.consultation.counters), not the comments."""
    found = {rid: Progress() for rid in round_ids}
    for cell in counters.cells(session, round_ids):
        _add(found[cell.round_id], cell)
    return found


def round_progress(
    session: Session, round_: ConsultationRound, *, breakdown: bool = False
) -> Progress:
    """Count a round's comments; breakdown: what lacks an agreed answer by clause, type, group."""
    progress = progress_by_round(session, [round_.id])[round_.id]
    if breakdown and progress.lacking:
        # Open by clause: the round's clause counters (~600 keys), with the clause's uid.
        progress.open_by_clause = Counter(
            {uid or "": n for uid, n in counters.open_by_clause_uid(session, round_.id)}
        )
    return progress


def count_unanswered(session: Session, round_ids: list[int]) -> int:
    """Count submitted comments of the rounds that have no agreed disposition."""
    return sum(c.n for c in counters.cells(session, round_ids) if not c.agreed)


def decision_counts(session: Session, round_: ConsultationRound, *, public: bool = True) -> Counter:
    """Count the round's agreed answers by decision (hidden comments left out for the public)."""
    counts: Counter = Counter()
    for c in counters.cells(session, [round_.id]):
        if c.agreed and not (public and c.hidden):
            counts[str(c.decision)] += c.n
    return counts


def group_counts(session: Session, round_: ConsultationRound, *, public: bool = True) -> Counter:
    """Count the round's comments by the submitter's stakeholder group."""
    counts: Counter = Counter()
    for c in counters.cells(session, [round_.id]):
        if not (public and c.hidden):
            counts[c.group or "other"] += c.n
    return counts


def comment_languages(session: Session, round_: ConsultationRound) -> list[str]:
    """The languages the round's comments are written in (for the dashboard's filter).

    A loose index scan on ix_comment_state_language: one probe per language, not a
    pass over the round's comments.
    """
    langs = (
        select(func.min(CS.language).label("language"))
        .where(CS.round_id == round_.id)
        .cte("langs", recursive=True)
    )
    following = (
        select(func.min(CS.language))
        .where(CS.round_id == round_.id, CS.language > langs.c.language)
        .scalar_subquery()
    )
    langs = langs.union_all(select(following).where(langs.c.language.is_not(None)))
    query = select(langs.c.language).where(langs.c.language.is_not(None))
    return sorted(language for language in session.scalars(query) if language)


def clause_titles(session: Session, version_id: int) -> dict[str, str]:
    """Map each clause uid of a version to its title (number and heading)."""
    rows = session.execute(
        select(Clause.uid, ClauseRevision.number, ClauseRevision.heading)
        .join(VersionEntry, VersionEntry.clause_id == Clause.id)
        .join(ClauseRevision, ClauseRevision.id == VersionEntry.revision_id)
        .where(VersionEntry.version_id == version_id)
    )
    return {uid: " ".join(p for p in (number, heading) if p) for uid, number, heading in rows}


def published_round_ids(session: Session) -> set[int]:
    return set(session.scalars(select(SynopsisPublication.round_id)))
