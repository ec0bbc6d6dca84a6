"""The committee workspace's operations, gathered from the modules that hold them.

diffs: version comparison · reanchoring: comments in a newer text ·
dispositions: answers to comments · synopsis: the published answers ·
ballots (with tally): recorded votes.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.permissions import require
from app.committee.ballots import (
    ballot_flags,
    cast_vote,
    close_due_ballots,
    committee_members,
    count_votes,
    current_votes,
    get_ballot,
    list_ballots,
    open_ballot,
    roll_of,
)
from app.committee.comments import (
    CommentRow,
    all_rounds,
    clause_comments,
    comment_label,
    count_clause_comments,
    current_dispositions,
    get_comment,
    get_round,
    synopsis_publication,
)
from app.committee.diffs import compare, frozen_pairs, previous_label
from app.committee.dispositions import (
    Meeting,
    agree,
    agree_at_meeting,
    answer_duplicates,
    check_answer,
    check_meeting,
    draft,
    history,
    selected_comments,
)
from app.committee.listing import (
    Progress,
    RowFilters,
    chosen_comments,
    clause_titles,
    comment_languages,
    count_matching,
    progress_by_round,
    published_round_ids,
    round_page,
    round_progress,
)
from app.committee.moved import comments_moved_here
from app.committee.permissions import can_draft_disposition
from app.committee.reanchoring import Locator, Placement, status_counts
from app.committee.synopsis import build as build_synopsis
from app.committee.synopsis import publish as publish_synopsis
from app.committee.synopsis import publish_blockers, responses_for_author
from app.committee.tally import Tally
from app.committee.tally import count as tally
from app.consultation.models import Comment
from app.drafting import editing
from app.drafting import service as drafting
from app.drafting.models import ClauseRevision, Version
from app.drafting.permissions import can_edit_draft
from app.errors import ValidationError


def revise_and_answer(
    session: Session,
    actor: User,
    comment: Comment,
    *,
    based_on_id: int,
    kind: str,
    number: str,
    heading: str,
    body: str,
    message: str,
    decision: str,
    response: str,
    max_body: int | None = None,
) -> tuple[editing.SaveResult, object]:
    """Edit the commented clause in the working draft and link the revision to the answer."""
    require(can_edit_draft(actor) and can_draft_disposition(actor))
    if comment.clause_id is None:
        raise ValidationError(_("This comment is on the draft as a whole, not on a clause."))
    check_answer(session, comment, decision, response)
    extra = {"max_body": max_body} if max_body else {}
    result = editing.save_clause(
        session,
        actor,
        comment.clause,
        based_on_id=based_on_id,
        kind=kind,
        number=number,
        heading=heading,
        body=body,
        message=message,
        **extra,
    )
    disposition = draft(
        session,
        actor,
        comment,
        decision=decision,
        response=response,
        addressed_by_revision_id=result.revision.id,
    )
    return result, disposition


def revisions_after(session: Session, comment: Comment) -> list[ClauseRevision]:
    """Return the clause's revisions since the one commented on, newest first."""
    if comment.clause_id is None:
        return []
    revisions = drafting.clause_history(session, comment.clause)
    floor = comment.revision.seq if comment.revision else 0
    return [r for r in revisions if r.seq > floor and not r.deleted]


def newest_version(session: Session, comment: Comment) -> Version | None:
    versions = drafting.list_versions(session, comment.submission.round.standard)
    return versions[0] if versions else None


__all__ = [
    "CommentRow",
    "Progress",
    "RowFilters",
    "chosen_comments",
    "clause_titles",
    "comment_languages",
    "published_round_ids",
    "count_matching",
    "progress_by_round",
    "round_page",
    "Locator",
    "all_rounds",
    "Placement",
    "Tally",
    "agree",
    "agree_at_meeting",
    "check_meeting",
    "Meeting",
    "selected_comments",
    "comments_moved_here",
    "answer_duplicates",
    "build_synopsis",
    "cast_vote",
    "clause_comments",
    "count_clause_comments",
    "close_due_ballots",
    "comment_label",
    "committee_members",
    "compare",
    "count_votes",
    "current_dispositions",
    "current_votes",
    "draft",
    "frozen_pairs",
    "get_ballot",
    "get_comment",
    "get_round",
    "history",
    "ballot_flags",
    "list_ballots",
    "newest_version",
    "open_ballot",
    "previous_label",
    "publish_blockers",
    "publish_synopsis",
    "responses_for_author",
    "revise_and_answer",
    "revisions_after",
    "roll_of",
    "round_progress",
    "status_counts",
    "synopsis_publication",
    "tally",
]
