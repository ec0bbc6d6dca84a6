"""The one-step post: one comment added and submitted in one transaction, written in Core.

A campaign sends most of its comments this way, so this path writes its rows with
one statement each and no ORM unit of work: the submission (as a draft, then
submitted: the database accepts comments into drafts only), the comment, the round's
receipt counter, the comment's `comment_state` row, the audit trail (the same three
events as the two-step path, in one statement), the search update and the
acknowledgement mail (the outbox: both job rows in one statement, `enqueue_rows`).
The receipt page is rendered from the values just written (`SentSubmission`), not
read back.

Whenever the general rules could differ from this path's shortcut, it hands over to
`submitting.comment_and_submit` (the ORM path) before writing anything: an address
not yet confirmed (the same refusal), and a person who already has a draft in the
round (the comment joins it and nothing is sent). The draft check is the insert
itself: `ON CONFLICT DO NOTHING` on the one-draft-per-person index, so a draft that
appears meanwhile (another tab, committed first) is joined the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from markupsafe import Markup
from sqlalchemy import bindparam, insert, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.auth.models import User
from app.auth.permissions import require_signed_in
from app.consultation import state as comment_state
from app.consultation.comment_fields import AnchorInput, clean_comment
from app.consultation.drafts import require_open
from app.consultation.models import (
    Comment,
    CommentType,
    ConsultationRound,
    Submission,
    SubmissionKind,
    SubmissionStatus,
)
from app.consultation.submitting import acknowledgement_job, comment_and_submit
from app.database import begin_writing, utcnow
from app.jobs.service import enqueue_rows
from app.loading import ensure_loaded
from app.search.queue import JOB_KIND as SEARCH_JOB
from app.search.queue import UpdateKind
from app.text.markdown import RENDERER_VERSION, render_markdown


@dataclass(frozen=True)
class Named:
    """What the receipt shows of a related row (the author's name, a clause's uid)."""

    name: str = ""
    uid: str = ""
    title: str = ""


@dataclass
class SentComment:
    id: int
    clause: Named | None
    revision: Named | None
    comment_type: str
    language: str
    body: str
    body_html: Markup
    proposed_change: str
    proposed_change_html: Markup
    anchor_exact: str | None
    anchor_prefix: str | None
    anchor_suffix: str | None
    clause_id: int | None = None
    ordinal: int = 1  # the one comment of a one-step submission


@dataclass
class SentSubmission:
    """A submission as just written: what the receipt page and the mail read of it."""

    id: int
    round: ConsultationRound
    author: Named
    author_id: int
    receipt: str
    kind: str
    organisation: str
    consent_publish_name: bool
    stakeholder_group: str
    submitted_at: dt.datetime
    comments: list[SentComment] = field(default_factory=list)
    status: str = SubmissionStatus.SUBMITTED
    round_id: int = 0
    cover_statement: str = ""
    cover_statement_html: Markup = field(default_factory=Markup)
    withdrawn_at: dt.datetime | None = None
    withdraw_reason: str = ""
    fresh: bool = True  # no moderation can exist yet


# The statements are built once per dialect (no construction or cache-key walk per post)
# and run on the session's connection: plain Core, parameters only.
_SUBMISSION, _COMMENT, _ROUND = Submission.__table__, Comment.__table__, ConsultationRound.__table__
_STATEMENTS: dict[str, dict[str, object]] = {}


def _statements(session: Session) -> dict[str, object]:
    dialect = session.get_bind().dialect.name
    built = _STATEMENTS.get(dialect)
    if built is None:
        module = postgresql if dialect == "postgresql" else sqlite
        built = _STATEMENTS[dialect] = {
            # The draft row, unless the person has a draft in the round (the partial index).
            "draft": module.insert(_SUBMISSION)
            .on_conflict_do_nothing(
                index_elements=["round_id", "author_id"], index_where=text("status = 'draft'")
            )
            .returning(_SUBMISSION.c.id),
            "comment": insert(_COMMENT).returning(_COMMENT.c.id),
            "receipt_number": update(_ROUND)
            .where(_ROUND.c.id == bindparam("round_"))
            .values(receipt_counter=_ROUND.c.receipt_counter + 1)
            .returning(_ROUND.c.receipt_counter),
            "submitted": update(_SUBMISSION)
            .where(_SUBMISSION.c.id == bindparam("submission"))
            .values(
                status=SubmissionStatus.SUBMITTED,
                receipt=bindparam("receipt_"),
                submitted_at=bindparam("at"),
            ),
            "audit": insert(AuditEvent.__table__),
        }
    return built


def send_comment(
    session: Session,
    actor: User,
    round_: ConsultationRound,
    *,
    clause_uid: str | None = None,
    comment_type: str = CommentType.GENERAL,
    body: str,
    proposed_change: str = "",
    anchor: AnchorInput | None = None,
    language: str | None = None,
    now: dt.datetime | None = None,
    link_for: Callable[[str], str] | None = None,
) -> SentSubmission | Submission | None:
    """Add one comment and submit it at once; return what was sent, or None.

    None: the person had a draft, and the comment joined it (they submit it themselves).
    The comment's arguments are add_comment's.
    """
    comment = {
        "clause_uid": clause_uid,
        "comment_type": comment_type,
        "body": body,
        "proposed_change": proposed_change,
        "anchor": anchor,
        "language": language,
    }
    actor = require_signed_in(actor)
    if getattr(actor, "email_verified_at", None) is None:
        # The general path refuses with the same message (after validating the comment).
        begin_writing(session)
        return comment_and_submit(session, actor, round_, now=now, link_for=link_for, **comment)
    now = now or utcnow()
    require_open(round_, now)
    # Everything that only reads or computes comes before the writes: on SQLite the
    # write lock is taken at begin_writing and held until the view commits.
    fields = clean_comment(session, round_, **comment)
    values = fields.values()
    body_html = render_markdown(values["body"])
    change_html = render_markdown(values["proposed_change"])
    prefix = ensure_loaded(session, round_, "standard").standard.uid_prefix  # loaded by get_round
    group = str(actor.stakeholder_group)
    organisation = actor.organisation or ""
    statements = _statements(session)
    begin_writing(session)
    run = session.connection().execute
    submission_id = run(
        statements["draft"],
        {
            "round_id": round_.id,
            "author_id": actor.id,
            "kind": SubmissionKind.INDIVIDUAL,
            "organisation": organisation,
            "cover_statement": "",
            "consent_publish_name": False,
            "stakeholder_group": group,
            "status": SubmissionStatus.DRAFT,
            "created_at": now,
            "updated_at": now,
        },
    ).scalar()
    if submission_id is None:  # a draft exists: the comment joins it (general path)
        return comment_and_submit(session, actor, round_, now=now, link_for=link_for, **comment)
    comment_id = run(
        statements["comment"],
        {
            **values,
            "submission_id": submission_id,
            "ordinal": 1,
            "created_at": now,
            "body_html": str(body_html),
            "proposed_change_html": str(change_html),
            "rendered_with": RENDERER_VERSION,
        },
    ).scalar_one()
    number = run(statements["receipt_number"], {"round_": round_.id}).scalar_one()
    session.expire(round_, ["receipt_counter"])
    receipt = f"{prefix}-R{round_.number}-{number:04d}"
    run(statements["submitted"], {"submission": submission_id, "receipt_": receipt, "at": now})
    clause_uid = (clause_uid or "").strip() or None
    sent_comment = SentComment(
        id=comment_id,
        clause_id=fields.clause_id,
        clause=Named(uid=clause_uid) if clause_uid else None,
        revision=Named(title=fields.revision_title) if clause_uid else None,
        comment_type=values["comment_type"],
        language=values["language"],
        body=values["body"],
        body_html=body_html,
        proposed_change=values["proposed_change"],
        proposed_change_html=change_html,
        anchor_exact=values["anchor_exact"],
        anchor_prefix=values["anchor_prefix"],
        anchor_suffix=values["anchor_suffix"],
    )
    sent = SentSubmission(
        id=submission_id,
        round=round_,
        round_id=round_.id,
        author=Named(name=actor.name),
        author_id=actor.id,
        receipt=receipt,
        kind=SubmissionKind.INDIVIDUAL,
        organisation=organisation,
        consent_publish_name=False,
        stakeholder_group=group,
        submitted_at=now,
        comments=[sent_comment],
    )
    comment_state.record_submitted(session, sent, sent.comments)
    _audit(session, actor, sent, clause_uid, anchored=fields.anchor is not None, now=now)
    # The outbox, in one INSERT: the search update (its comments are now public: the
    # payload queue_update writes) and the receipt mail.
    enqueue_rows(
        session,
        [
            (SEARCH_JOB, {"target": str(UpdateKind.SUBMISSION), "id": submission_id}),
            acknowledgement_job(actor, sent, round_, 1, link_for),
        ],
    )
    return sent


def _audit(
    session: Session,
    actor: User,
    sent: SentSubmission,
    clause_uid: str | None,
    *,
    anchored: bool,
    now: dt.datetime,
) -> None:
    """The two-step path's three events (start, draft, submit), in one statement."""
    comment_id = sent.comments[0].id
    session.connection().execute(
        _statements(session)["audit"],
        [
            {
                "at": now,
                "actor_id": actor.id,
                "action": "submission.start",
                "object_type": "submission",
                "object_id": str(sent.id),
                "summary": f"Started a draft submission in round {sent.round_id}",
                "details": {},
            },
            {
                "at": now,
                "actor_id": actor.id,
                "action": "comment.draft",
                "object_type": "comment",
                "object_id": str(comment_id),
                "summary": f"Drafted a comment in submission {sent.id}",
                "details": {"clause": clause_uid, "anchored": anchored},
            },
            {
                "at": now,
                "actor_id": actor.id,
                "action": "submission.submit",
                "object_type": "submission",
                "object_id": str(sent.id),
                "summary": f"Submitted {sent.receipt} with 1 comments",
                "details": {
                    "receipt": sent.receipt,
                    "kind": str(sent.kind),
                    "consent_publish_name": False,
                },
            },
        ],
    )
