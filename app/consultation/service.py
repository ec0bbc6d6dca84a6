"""Consultation rounds: opening them, reading the draft, the public record and moderation.

Intake (draft submissions and their comments: drafts, comment_fields; submitting and
withdrawing: submitting) lives in its own modules and is re-exported here, so callers
use one module.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, exists, func, literal_column, select
from sqlalchemy.orm import Session, aliased, contains_eager, joinedload, selectinload

from app.audit.service import record
from app.auth.models import User
from app.auth.permissions import require
from app.consultation import counters, iseal
from app.consultation import state as comment_state
from app.consultation.clause_order import clause_order_page
from app.consultation.comment_fields import (
    AnchorInput,
    setting,
    version_clause,
)
from app.consultation.drafts import (
    SubmissionDetails,
    add_comment,
    draft_for,
    edit_comment,
    remove_comment,
    require_open,
    start_submission,
    update_submission,
)
from app.consultation.models import (
    Comment,
    CommentState,
    CommentType,
    CommentVisibility,
    ConsultationRound,
    Moderation,
    RoundState,
    Submission,
    SubmissionKind,
    SubmissionStatus,
    comment_parts,
    round_parts,
)
from app.consultation.moderation_notice import tell_author
from app.consultation.names import author_line, author_lines, public_submitter, stakeholder_label
from app.consultation.one_step import send_comment
from app.consultation.permissions import (
    can_moderate,
    can_open_round,
    can_read_every_comment,
)
from app.consultation.schedule import (
    changes_of,
    check_calendar,
    close_round_early,
    extend_round,
    time_left,
)
from app.consultation.submitting import (
    comment_and_submit,
    get_by_receipt,
    my_submissions,
    submit,
    withdraw,
)
from app.database import utcnow
from app.drafting.models import (
    Clause,
    ClauseRevision,
    Standard,
    Version,
    VersionState,
)
from app.errors import NotFound, PermissionDenied, ValidationError
from app.history import is_latest, latest
from app.pagination import Page
from app.search.queue import UpdateKind, queue_update

MAX_TITLE = 200
MAX_SUMMARY = 5000
MAX_AUDIENCES = 500
MAX_REASON = 500
RECORD_PAGE = 100


# --- rounds --------------------------------------------------------------------


def list_rounds(session: Session, standard: Standard | None = None) -> list[ConsultationRound]:
    """Return rounds, open and upcoming first, then the most recently closed."""
    query = select(ConsultationRound).options(*round_parts())
    if standard is not None:
        query = query.where(ConsultationRound.standard_id == standard.id)
    rounds = list(session.scalars(query.order_by(ConsultationRound.opens_at.desc())))
    now = utcnow()
    return sorted(
        rounds, key=lambda r: (r.state_at(now) == RoundState.CLOSED, -r.opens_at.timestamp())
    )


def rounds_for_standard(session: Session, standard: Standard) -> list[ConsultationRound]:
    """Return a standard's rounds by number (ballots check that there were enough)."""
    return list(
        session.scalars(
            select(ConsultationRound)
            .where(ConsultationRound.standard_id == standard.id)
            .options(*round_parts())
            .order_by(ConsultationRound.number)
        )
    )


def get_round(session: Session, round_id: int) -> ConsultationRound:
    found = session.get(ConsultationRound, round_id, options=round_parts())
    if found is None:
        raise NotFound(_("There is no such consultation round."))
    return found


@dataclass(frozen=True)
class RoundFields:
    """Validated values for a new round."""

    standard: Standard
    version: Version
    number: int
    title: str
    summary: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    visibility: CommentVisibility
    audiences: str


def clean_round(
    session: Session,
    *,
    standard_slug: str,
    version_label: str,
    title: str,
    summary: str = "",
    opens_at: dt.datetime | None,
    closes_at: dt.datetime | None,
    number: int | None = None,
    visibility: str = CommentVisibility.LIVE,
    audiences: str = "",
) -> RoundFields:
    """Check a round definition (from the web form or a round file)."""
    standard = session.scalar(select(Standard).where(Standard.slug == (standard_slug or "")))
    if standard is None:
        raise ValidationError(
            _("There is no standard called %(slug)s.", slug=standard_slug), field="version"
        )
    version = session.scalar(
        select(Version).where(
            Version.standard_id == standard.id, Version.label == (version_label or "")
        )
    )
    if version is None:
        raise ValidationError(
            _("%(slug)s has no version %(label)s.", slug=standard.slug, label=version_label),
            field="version",
        )
    if version.state != VersionState.FROZEN:
        raise ValidationError(
            _(
                "Only a frozen version can be put out for consultation; %(label)s is %(state)s.",
                label=version.label,
                state=str(version.state),
            ),
            field="version",
        )
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError(_("Give the round a title."), field="title")
    if len(title) > MAX_TITLE:
        raise ValidationError(
            _("The title is too long (%(n)d characters at most).", n=MAX_TITLE), field="title"
        )
    summary = (summary or "").strip()
    if len(summary) > MAX_SUMMARY:
        raise ValidationError(
            _("The summary is too long (%(n)d characters at most).", n=MAX_SUMMARY), field="summary"
        )
    audiences = " ".join((audiences or "").split())
    if len(audiences) > MAX_AUDIENCES:
        raise ValidationError(
            _("The audiences are too long (%(n)d characters at most).", n=MAX_AUDIENCES),
            field="audiences",
        )
    for name, value in (("opens_at", opens_at), ("closes_at", closes_at)):
        if value is None:
            raise ValidationError(_("Give the date and time."), field=name)
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValidationError(_("Give the time zone of this date and time."), field=name)
    assert opens_at is not None and closes_at is not None  # checked just above
    opens_at = opens_at.astimezone(dt.UTC)
    closes_at = closes_at.astimezone(dt.UTC)
    if closes_at <= opens_at:
        raise ValidationError(_("The round must close after it opens."), field="closes_at")
    try:
        visibility = CommentVisibility(visibility)
    except ValueError:
        raise ValidationError(_("Choose when comments are shown."), field="visibility") from None
    if number is not None and number < 1:
        raise ValidationError(_("The round number starts at 1."), field="number")
    number = check_calendar(session, version, opens_at, closes_at, number)
    return RoundFields(
        standard, version, number, title, summary, opens_at, closes_at, visibility, audiences
    )


def create_round(
    session: Session, actor: User, fields: RoundFields, *, now: dt.datetime | None = None
) -> ConsultationRound:
    """Open a consultation round on a frozen version (secretariat only)."""
    require(can_open_round(actor, fields.standard))
    round_ = ConsultationRound(
        standard=fields.standard,
        version=fields.version,
        number=fields.number,
        title=fields.title,
        summary=fields.summary,
        opens_at=fields.opens_at,
        closes_at=fields.closes_at,
        visibility=fields.visibility,
        audiences=fields.audiences,
        receipt_counter=0,
        created_by_id=actor.id,
        created_at=now or utcnow(),
    )
    session.add(round_)
    session.flush()
    flags = iseal.round_flags(session, round_)
    record(
        session,
        actor,
        "round.create",
        round_,
        summary=f"Opened round {round_.number} of {fields.standard.slug} on {fields.version.label}",
        opens_at=round_.opens_at.isoformat(),
        closes_at=round_.closes_at.isoformat(),
        iseal_flags=flags,
    )
    return round_


def frozen_versions(session: Session) -> list[Version]:
    """Return every frozen version, for the new-round form."""
    return list(
        session.scalars(
            select(Version)
            .where(Version.state == VersionState.FROZEN)
            .options(joinedload(Version.standard))
            .order_by(Version.id.desc())
        )
    )


# --- visibility and the public record -----------------------------------------------------


def comments_public(round_: ConsultationRound, now: dt.datetime | None = None) -> bool:
    """Say whether the round's comments are public now."""
    state = round_.state_at(now or utcnow())
    if state == RoundState.SCHEDULED:
        return False
    return round_.visibility == CommentVisibility.LIVE or state == RoundState.CLOSED


def current_moderation() -> Select:
    """Select the current (latest) moderation decision of each comment that has one."""
    return latest(Moderation, key=[Moderation.comment_id], by=Moderation.id)


def moderation_of(session: Session, comment_ids: list[int]) -> dict[int, Moderation]:
    """Return the current moderation decision of each given comment that has one."""
    if not comment_ids:
        return {}
    rows = session.scalars(current_moderation().where(Moderation.comment_id.in_(comment_ids)))
    return {m.comment_id: m for m in rows}


def hidden_comments() -> Select:
    """Select the ids of the comments whose current moderation hides them."""
    return (
        current_moderation()
        .with_only_columns(Moderation.comment_id)
        .where(Moderation.hidden.is_(True))
    )


@functools.cache
def hidden_now():
    """True when the comment's latest moderation hides it (correlated on Comment).

    Built once per process (an expression is immutable): list pages use it in every
    statement, and building the aliases and the anti-join cost more than running it."""
    m = aliased(Moderation, name="moderation_now")
    return (
        exists()
        .where(
            m.comment_id == Comment.id,
            m.hidden.is_(True),
            is_latest(m, key=[m.comment_id], by=m.id),
        )
        .correlate(Comment)
    )


def _visible_comments(round_: ConsultationRound):
    return (
        select(Comment)
        .join(Submission, Comment.submission_id == Submission.id)
        .where(
            Submission.round_id == round_.id,
            Submission.status == SubmissionStatus.SUBMITTED,
            ~hidden_now(),
        )
    )


def public_comment_counts(session: Session, round_: ConsultationRound) -> dict[int | None, int]:
    """Count the publicly visible comments of a round per clause id (None: whole draft).

    Clauses with no visible comment are left out. From the round's clause counters
    (app.consultation.counters): a sum over a few rows per clause, not the comments.
    """
    return counters.clause_counts(session, round_.id, hidden=False)


@dataclass
class CommentEntry:
    """A comment as the record shows it to one reader."""

    comment: Comment
    moderation: Moderation | None = None

    @property
    def submission(self) -> Submission:
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
) -> tuple[Page, int]:
    """Return a keyset page of the round's record as this reader may see it, and the total.

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
    if filters.comment_type:
        query = query.where(Comment.comment_type == filters.comment_type)
    if filters.stakeholder_group:
        query = query.where(Submission.stakeholder_group == filters.stakeholder_group)
    if filters.clause_uid == "-":
        query = query.where(Comment.clause_id.is_(None))
    elif filters.clause_uid:
        query = query.where(
            Comment.clause_id
            == select(Clause.id).where(Clause.uid == filters.clause_uid).scalar_subquery()
        )
    total = _record_total(session, round_, filters, staff=staff) if count else 0
    query = (
        query.join(User, Submission.author_id == User.id)
        .outerjoin(Clause, Comment.clause_id == Clause.id)
        .outerjoin(ClauseRevision, Comment.revision_id == ClauseRevision.id)
        .options(
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
    )
    page = clause_order_page(
        session, query, round_.version_id, after=after, before=before, limit=limit
    )
    comments = [row[0] for row in page.items]
    moderation = moderation_of(session, [c.id for c in comments]) if staff else {}
    page.items = [CommentEntry(c, moderation.get(c.id)) for c in comments]
    return page, total


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
                Submission.round_id == round_.id,
                # A literal, not a parameter: SQLite uses the partial index
                # ix_submission_formal only for a WHERE that states its condition.
                Submission.kind == literal_column(f"'{SubmissionKind.FORMAL.value}'"),
                Submission.status.in_(statuses),
            )
            .options(joinedload(Submission.author), selectinload(Submission.comments))
            .order_by(Submission.submitted_at)
        )
    )


def get_comment(session: Session, comment_id: int) -> Comment:
    comment = session.get(Comment, comment_id, options=comment_parts())
    if comment is None:
        raise NotFound(_("There is no such comment."))
    return comment


def moderate(
    session: Session,
    actor: User,
    comment: Comment,
    *,
    hidden: bool,
    reason: str,
    link_for: Callable[[str], str] | None = None,
) -> Moderation:
    """Hide a comment from the public (or show it again), with a reason; tell its author."""
    require(can_moderate(actor, comment.submission.round))
    if actor.id is None:
        raise PermissionDenied(_("Moderation is recorded under a person's name; sign in."))
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError(_("Give the reason; it is kept in the record."), field="reason")
    if len(reason) > MAX_REASON:
        raise ValidationError(
            _("The reason is too long (%(n)d characters at most).", n=MAX_REASON), field="reason"
        )
    status = session.scalar(select(Submission.status).where(Submission.id == comment.submission_id))
    if status == SubmissionStatus.DRAFT:
        raise ValidationError(_("Only submitted comments can be moderated."))
    current = moderation_of(session, [comment.id]).get(comment.id)
    if bool(current and current.hidden) == hidden:
        raise ValidationError(
            _("The comment is already hidden.") if hidden else _("The comment is not hidden.")
        )
    decision = Moderation(
        comment_id=comment.id, hidden=hidden, reason=reason, moderator_id=actor.id
    )
    session.add(decision)
    session.flush()
    comment_state.record_moderation(session, decision)
    queue_update(session, UpdateKind.COMMENT, comment.id)  # search: hidden or shown again
    record(
        session,
        actor,
        "comment.hide" if hidden else "comment.show",
        comment,
        summary=f"{'Hid' if hidden else 'Showed'} comment {comment.id}: {reason}",
        reason=reason,
    )
    tell_author(session, comment, decision, link_for)
    return decision


COMMENT_TYPES = list(CommentType)

__all__ = [
    "COMMENT_TYPES",
    "AnchorInput",
    "CommentEntry",
    "CommentFilters",
    "RoundFields",
    "SubmissionDetails",
    "add_comment",
    "changes_of",
    "close_round_early",
    "extend_round",
    "time_left",
    "author_line",
    "author_lines",
    "public_submitter",
    "clean_round",
    "comments_public",
    "create_round",
    "draft_for",
    "edit_comment",
    "formal_submissions",
    "frozen_versions",
    "get_by_receipt",
    "get_comment",
    "get_round",
    "list_rounds",
    "moderate",
    "moderation_of",
    "my_submissions",
    "public_comment_counts",
    "record_comments",
    "record_page",
    "hidden_now",
    "remove_comment",
    "require_open",
    "rounds_for_standard",
    "setting",
    "stakeholder_label",
    "start_submission",
    "submit",
    "comment_and_submit",
    "send_comment",
    "update_submission",
    "version_clause",
    "withdraw",
]
