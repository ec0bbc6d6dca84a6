"""The public record's entries as plain values, for the HTML page (render, issue 12).

A record page shows 100 comments with their submission, author, clause and revision.
Loaded as ORM objects (identity map, instrumented attributes, five objects a comment)
that was a fifth of the page's CPU; the page reads these named tuples instead, with the
same attribute names, so the record's templates and `names.author_line` read either.
The API and moderation keep the ORM entries (`public_record.record_page(..., plain=False)`).
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from app.auth.models import User
from app.consultation.models import Comment, Submission
from app.drafting.models import Clause, ClauseRevision


class PlainClause(NamedTuple):
    uid: str


class PlainRevision(NamedTuple):
    number: str | None
    heading: str | None

    @property
    def title(self) -> str:
        return " ".join(part for part in (self.number, self.heading) if part)


class PlainAuthor(NamedTuple):
    name: str


class PlainSubmission(NamedTuple):
    kind: str
    submitted_at: dt.datetime | None
    receipt: str | None
    stakeholder_group: str | None
    consent_publish_name: bool
    organisation: str
    status: str
    author: PlainAuthor


class PlainComment(NamedTuple):
    id: int
    clause: PlainClause | None
    revision: PlainRevision | None
    anchor_exact: str | None
    anchor_prefix: str | None
    anchor_suffix: str | None
    comment_type: str
    language: str
    body_html: str
    proposed_change: str | None
    proposed_change_html: str
    submission: PlainSubmission


# What an entry shows, in the order `plain_comment` reads it (the comment's id first:
# `clause_order_page` takes it as the row's key).
COLUMNS = (
    Comment.id,
    Clause.uid,
    Comment.revision_id,
    ClauseRevision.number,
    ClauseRevision.heading,
    Comment.anchor_exact,
    Comment.anchor_prefix,
    Comment.anchor_suffix,
    Comment.comment_type,
    Comment.language,
    Comment.body_html,
    Comment.proposed_change,
    Comment.proposed_change_html,
    Submission.kind,
    Submission.submitted_at,
    Submission.receipt,
    Submission.stakeholder_group,
    Submission.consent_publish_name,
    Submission.organisation,
    Submission.status,
    User.name,
)


def plain_comment(row) -> PlainComment:
    (
        id_,
        uid,
        revision_id,
        number,
        heading,
        exact,
        prefix,
        suffix,
        comment_type,
        language,
        body_html,
        proposed,
        proposed_html,
        kind,
        submitted_at,
        receipt,
        group,
        consent,
        organisation,
        status,
        author,
        *_clause_ordinal,
    ) = row
    return PlainComment(
        id_,
        None if uid is None else PlainClause(uid),
        None if revision_id is None else PlainRevision(number, heading),
        exact,
        prefix,
        suffix,
        comment_type,
        language,
        body_html,
        proposed,
        proposed_html,
        PlainSubmission(
            kind,
            submitted_at,
            receipt,
            group,
            consent,
            organisation,
            status,
            PlainAuthor(author),
        ),
    )
