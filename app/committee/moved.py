"""Comments whose passage or clause now sits in another clause, listed where they sit."""

from __future__ import annotations

from sqlalchemy import String, and_, func, literal, or_, select
from sqlalchemy.orm import Session, aliased, contains_eager, joinedload

from app.auth.models import User
from app.auth.permissions import require
from app.committee.comments import CommentRow, rows_for
from app.committee.permissions import can_use_workspace
from app.committee.reanchoring import MIN_QUOTE_ELSEWHERE, Locator, Placement
from app.consultation.models import Comment, CommentState, ConsultationRound, Submission
from app.drafting.models import Clause, ClauseRevision, VersionEntry
from app.drafting.tree import DraftNode

# A clause page lists at most this many arrivals; the rest stay under their own clause.
MAX_ARRIVALS = 200


def _found_in(session: Session, haystack, needle):
    """SQL: needle occurs in haystack, exactly (LIKE would read % and _ in a quote as
    wildcards, and costs more per row)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.strpos(haystack, needle) > 0
    return func.instr(haystack, needle) > 0


def comments_moved_here(
    session: Session, viewer: User, clause: Clause, nodes: list[DraftNode]
) -> list[tuple[CommentRow, Placement]]:
    """Return comments made on other clauses that are now located in this one.

    Candidates come from the database: comments on clauses since removed, and comments
    whose quote appears in this clause's text; the locator then decides for each.
    """
    require(can_use_workspace(viewer))
    locator = Locator(nodes)
    if clause.id not in locator.by_clause:
        return []
    text = locator.text(clause.id)
    # Only comments on a clause whose text changed since their round's version can have
    # left it: drive from the rounds' version entries whose revision is no longer the
    # head (a few dozen clauses), through comment_state's clause index, where a comment
    # that is not anchored (and whose clause is not removed) is passed over before its
    # row is read. A comment whose quote is still in its clause's head text stays there.
    own = aliased(ClauseRevision)
    changed = (
        select(VersionEntry.clause_id, ConsultationRound.id.label("round_id"))
        .join(ConsultationRound, ConsultationRound.version_id == VersionEntry.version_id)
        .join(Clause, Clause.id == VersionEntry.clause_id)
        .where(
            ConsultationRound.standard_id == clause.standard_id,
            VersionEntry.revision_id != Clause.head_revision_id,
            VersionEntry.clause_id != clause.id,
        )
        .distinct()  # (unique already) keeps the planners from flattening it: it drives
        .subquery()
    )
    quoted_here = and_(
        Comment.anchor_exact.is_not(None),
        func.length(Comment.anchor_exact) >= MIN_QUOTE_ELSEWHERE,
        _found_in(session, literal(text, String), Comment.anchor_exact),
        ~_found_in(session, func.coalesce(own.body, ""), Comment.anchor_exact),
    )
    candidates = list(
        session.scalars(
            select(Comment)
            .select_from(changed)
            .join(Clause, Clause.id == changed.c.clause_id)
            .join(own, own.id == Clause.head_revision_id)
            .join(
                CommentState,
                and_(
                    CommentState.clause_id == changed.c.clause_id,
                    CommentState.round_id == changed.c.round_id,
                ),
            )
            .join(Comment, Comment.id == CommentState.comment_id)
            .join(Submission, Comment.submission_id == Submission.id)
            .where(
                # On the index alone, before the comment is read; then the quote.
                or_(own.deleted.is_(True), CommentState.anchored.is_(True)),
                or_(own.deleted.is_(True), quoted_here),
            )
            .options(
                contains_eager(Comment.submission)
                .joinedload(Submission.round)
                .joinedload(ConsultationRound.version),
                # Authors by name only: their role grants are not loaded.
                contains_eager(Comment.submission)
                .joinedload(Submission.author)
                .raiseload(User.role_grants),
                contains_eager(Comment.clause),
                joinedload(Comment.revision),
            )
            .order_by(Comment.id)
            .limit(MAX_ARRIVALS * 5)
        ).unique()
    )
    arrived = []
    for comment in candidates:
        placement = locator.place(comment)
        if placement.elsewhere and placement.clause_id == clause.id:
            arrived.append((comment, placement))
        if len(arrived) == MAX_ARRIVALS:
            break
    rows = rows_for(session, [comment for comment, _ in arrived])
    return [(row, placement) for row, (_, placement) in zip(rows, arrived, strict=True)]
