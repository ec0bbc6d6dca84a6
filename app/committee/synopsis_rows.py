"""The public synopsis page's entries as plain values (render, issue 12).

A synopsis page shows 100 comments, each with its submission, author, clause, revision,
agreed answer and the revision that answer names. As ORM objects that was about a third
of the page's CPU; the page reads these named tuples instead, with the attribute names
the synopsis templates, `comment_label`, `public_submitter` and `CommentRow` read. The
PDF and the API keep the ORM rows (`build(..., plain=False)`).
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Select, false, select
from sqlalchemy.orm import aliased

from app.auth.models import User
from app.committee.models import Disposition
from app.consultation.models import Comment, CommentState, Submission
from app.consultation.record_rows import PlainAuthor, PlainClause, PlainRevision
from app.drafting.models import Clause, ClauseRevision


class SynopsisSubmission(NamedTuple):
    receipt: str | None
    kind: str
    consent_publish_name: bool
    organisation: str
    stakeholder_group: str | None
    author: PlainAuthor


class SynopsisComment(NamedTuple):
    id: int
    clause_id: int | None
    clause: PlainClause | None
    revision: PlainRevision | None
    submission_id: int
    ordinal: int
    comment_type: str
    language: str
    anchor_exact: str | None
    body_html: str
    proposed_change: str | None
    proposed_change_html: str
    submission: SynopsisSubmission


class AddressedBy(NamedTuple):
    seq: int
    clause: PlainClause


class SynopsisAnswer(NamedTuple):
    id: int
    decision: str
    agreed: bool
    duplicate_of_id: int | None
    response_html: str
    addressed_by: AddressedBy | None


Answer = aliased(Disposition, name="synopsis_answer")
AddressedRevision = aliased(ClauseRevision, name="addressed_revision")
AddressedClause = aliased(Clause, name="addressed_clause")


def public_rows(round_id: int) -> Select:
    """The round's public comments with what an entry shows, driven from the read model
    (visible rows, the current answer by its id); the comment's id first."""
    return (
        select(
            Comment.id,
            Comment.clause_id,
            Clause.uid,
            Comment.revision_id,
            ClauseRevision.number,
            ClauseRevision.heading,
            Comment.submission_id,
            Comment.ordinal,
            Comment.comment_type,
            Comment.language,
            Comment.anchor_exact,
            Comment.body_html,
            Comment.proposed_change,
            Comment.proposed_change_html,
            Submission.receipt,
            Submission.kind,
            Submission.consent_publish_name,
            Submission.organisation,
            Submission.stakeholder_group,
            User.name,
            Answer.id,
            Answer.decision,
            Answer.agreed,
            Answer.duplicate_of_id,
            Answer.response_html,
            AddressedRevision.seq,
            AddressedClause.uid,
            false().label("hidden"),
        )
        .select_from(Comment)
        .join(CommentState, CommentState.comment_id == Comment.id)
        .join(Submission, Comment.submission_id == Submission.id)
        .join(User, Submission.author_id == User.id)
        .outerjoin(Clause, Comment.clause_id == Clause.id)
        .outerjoin(ClauseRevision, Comment.revision_id == ClauseRevision.id)
        .outerjoin(Answer, Answer.id == CommentState.disposition_id)
        .outerjoin(AddressedRevision, Answer.addressed_by_revision_id == AddressedRevision.id)
        .outerjoin(AddressedClause, AddressedRevision.clause_id == AddressedClause.id)
        .where(CommentState.round_id == round_id, CommentState.hidden.is_(False))
    )


def plain_row(row) -> tuple[SynopsisComment, SynopsisAnswer | None, bool]:
    """(comment, answer, hidden) of one row of `public_rows` (its clause ordinal last)."""
    (
        id_,
        clause_id,
        uid,
        revision_id,
        number,
        heading,
        submission_id,
        ordinal,
        comment_type,
        language,
        anchor,
        body_html,
        proposed,
        proposed_html,
        receipt,
        kind,
        consent,
        organisation,
        group,
        author,
        answer_id,
        decision,
        agreed,
        duplicate_of,
        response_html,
        addressed_seq,
        addressed_uid,
        hidden,
        *_clause_ordinal,
    ) = row
    comment = SynopsisComment(
        id_,
        clause_id,
        None if uid is None else PlainClause(uid),
        None if revision_id is None else PlainRevision(number, heading),
        submission_id,
        ordinal,
        comment_type,
        language,
        anchor,
        body_html,
        proposed,
        proposed_html,
        SynopsisSubmission(receipt, kind, consent, organisation, group, PlainAuthor(author)),
    )
    answer = None
    if answer_id is not None:
        addressed = None
        if addressed_seq is not None:
            addressed = AddressedBy(addressed_seq, PlainClause(addressed_uid))
        answer = SynopsisAnswer(
            answer_id, decision, bool(agreed), duplicate_of, response_html, addressed
        )
    return comment, answer, bool(hidden)
