"""The synopsis of a round: every public comment with its agreed response, once published."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth.models import User
from app.auth.permissions import require
from app.committee.comments import (
    CommentRow,
    comment_label,
    current_dispositions,
    round_rows,
    synopsis_publication,
)
from app.committee.dispositions import Progress, progress_of
from app.committee.models import Disposition, SynopsisPublication
from app.committee.permissions import can_publish_synopsis
from app.consultation.models import (
    Comment,
    ConsultationRound,
    RoundState,
    Submission,
    SubmissionStatus,
)
from app.database import utcnow
from app.errors import Conflict, Gone
from app.mail import queue_mail
from app.search.queue import UpdateKind, queue_update


@dataclass
class ClauseGroup:
    """The synopsis entries of one clause (uid None: comments on the whole draft)."""

    uid: str | None
    title: str
    rows: list[CommentRow] = field(default_factory=list)


@dataclass
class Synopsis:
    round: ConsultationRound
    publication: SynopsisPublication | None
    progress: Progress
    groups: list[ClauseGroup] = field(default_factory=list)
    by_decision: Counter = field(default_factory=Counter)
    by_group: Counter = field(default_factory=Counter)

    @property
    def published(self) -> bool:
        return self.publication is not None

    @property
    def entries(self) -> list[CommentRow]:
        return [row for group in self.groups for row in group.rows]


def publish_blockers(session: Session, round_: ConsultationRound, now=None) -> list[str]:
    """Say why the synopsis cannot be published yet (empty: it can)."""
    now = now or utcnow()
    reasons = []
    if synopsis_publication(session, round_) is not None:
        reasons.append(_("The synopsis is already published."))
    if round_.state_at(now) != RoundState.CLOSED:
        reasons.append(_("The round has not closed yet."))
    progress = progress_of(round_rows(session, round_))
    if progress.lacking:
        reasons.append(
            _(
                "%(n)d of %(total)d comments still lack an agreed disposition.",
                n=progress.lacking,
                total=progress.total,
            )
        )
    return reasons


def publish(
    session: Session, actor: User, round_: ConsultationRound, now=None
) -> SynopsisPublication:
    """Publish a closed round's synopsis once every comment has an agreed disposition."""
    require(can_publish_synopsis(actor, round_))
    now = now or utcnow()
    if synopsis_publication(session, round_) is not None:
        raise Gone(_("The synopsis of this round is already published."))
    reasons = publish_blockers(session, round_, now)
    if reasons:
        raise Conflict(" ".join(reasons))
    publication = SynopsisPublication(
        round_id=round_.id, published_at=now, published_by_id=actor.id
    )
    session.add(publication)
    session.flush()
    queue_update(session, UpdateKind.ROUND, round_.id)  # search: responses now public
    rows = round_rows(session, round_)
    record(
        session,
        actor,
        "synopsis.publish",
        publication,
        summary=f"Published the synopsis of {round_.title}",
        round_id=round_.id,
        comments=len(rows),
    )
    _notify_submitters(session, round_, rows)
    return publication


def _notify_submitters(session: Session, round_: ConsultationRound, rows: list[CommentRow]) -> None:
    per_author: dict[int, list[CommentRow]] = {}
    for row in rows:
        per_author.setdefault(row.submission.author_id, []).append(row)
    for author_rows in per_author.values():
        author = author_rows[0].submission.author
        if author is None or not author.email:
            continue
        # Each submitter hears in the language of their own profile.
        with force_locale(author.language or "en"):
            queue_mail(
                session,
                to=author.email,
                subject=_("The responses to your comments on %(title)s", title=round_.title),
                body=_(
                    "Hello %(name)s,\n\nThe Standards Committee has published its responses to "
                    'the comments of "%(title)s". %(n)d of them answer your comments (%(refs)s).'
                    '\n\nYou can read them under "My submissions" and in the synopsis of the '
                    "round.\n",
                    name=author.name,
                    title=round_.title,
                    n=len(author_rows),
                    refs=", ".join(comment_label(r.comment) for r in author_rows),
                ),
            )


def _group_rows(rows: list[CommentRow]) -> list[ClauseGroup]:
    groups: dict[str | None, ClauseGroup] = {}
    for row in rows:
        comment = row.comment
        uid = comment.clause.uid if comment.clause_id else None
        if uid not in groups:
            title = (comment.revision.title if comment.revision else "") or uid or ""
            groups[uid] = ClauseGroup(uid, title if uid else _("The draft as a whole"))
        groups[uid].rows.append(row)

    def order(group: ClauseGroup):
        first = group.rows[0].comment
        return (
            group.uid is not None,
            _number_key(first.revision.number if first.revision else ""),
            group.uid or "",
        )

    return sorted(groups.values(), key=order)


def _number_key(number: str) -> tuple:
    parts = []
    for part in (number or "").split("."):
        parts.append((0, int(part), "") if part.isdigit() else (1, 0, part))
    return tuple(parts)


def build(session: Session, round_: ConsultationRound, *, public: bool = True) -> Synopsis:
    """Assemble a round's synopsis; the public version leaves hidden comments out."""
    rows = round_rows(session, round_)
    progress = progress_of(rows)
    publication = synopsis_publication(session, round_)
    shown = [r for r in rows if not (public and r.hidden)]
    result = Synopsis(round_, publication, progress, _group_rows(shown))
    for row in shown:
        if row.disposition is not None and row.disposition.agreed:
            result.by_decision[str(row.disposition.decision)] += 1
        result.by_group[row.stakeholder_group] += 1
    return result


def responses_for_author(session: Session, user: User) -> dict[int, Disposition]:
    """Map each of a user's comments to its agreed disposition, for published synopses only."""
    if user is None or getattr(user, "id", None) is None:
        return {}
    published_rounds = select(SynopsisPublication.round_id)
    theirs = (
        select(Comment.id)
        .join(Submission, Comment.submission_id == Submission.id)
        .where(
            Submission.author_id == user.id,
            Submission.status == SubmissionStatus.SUBMITTED,
            Submission.round_id.in_(published_rounds),
        )
    )
    found = current_dispositions(session, theirs)
    return {cid: d for cid, d in found.items() if d.agreed}
