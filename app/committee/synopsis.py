"""The synopsis of a round: every public comment with its agreed response, once published."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import groupby

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth.models import User
from app.auth.permissions import require
from app.committee import listing
from app.committee.comments import synopsis_publication
from app.committee.listing import CommentRow, Progress
from app.committee.models import Disposition, SynopsisPublication
from app.committee.permissions import can_publish_synopsis
from app.consultation.models import (
    Comment,
    CommentState,
    ConsultationRound,
    RoundState,
    Submission,
    SubmissionStatus,
)
from app.database import utcnow
from app.errors import Conflict, Gone
from app.mail import queue_mail
from app.pagination import Page
from app.search.queue import UpdateKind, queue_update


@dataclass
class ClauseGroup:
    """The synopsis entries of one clause (uid None: comments on the whole draft)."""

    uid: str | None
    title: str
    rows: list[CommentRow] = field(default_factory=list)


@dataclass
class Synopsis:
    """One page of a round's synopsis, with the round's counts."""

    round: ConsultationRound
    publication: SynopsisPublication | None
    progress: Progress
    groups: list[ClauseGroup] = field(default_factory=list)
    page: Page | None = None
    by_decision: Counter = field(default_factory=Counter)
    by_group: Counter = field(default_factory=Counter)

    @property
    def published(self) -> bool:
        return self.publication is not None

    @property
    def entries(self) -> list[CommentRow]:
        return [row for group in self.groups for row in group.rows]


def publish_blockers(
    session: Session, round_: ConsultationRound, now=None, *, progress: Progress | None = None
) -> list[str]:
    """Say why the synopsis cannot be published yet (empty: it can)."""
    now = now or utcnow()
    reasons = []
    if synopsis_publication(session, round_) is not None:
        reasons.append(_("The synopsis is already published."))
    if round_.state_at(now) != RoundState.CLOSED:
        reasons.append(_("The round has not closed yet."))
    progress = progress or listing.round_progress(session, round_)
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
        round_id=round_.id,
        published_at=now,
        published_by_id=actor.id,
        counts=count_snapshot(session, round_),
    )
    session.add(publication)
    session.flush()
    queue_update(session, UpdateKind.ROUND, round_.id)  # search: responses now public
    progress = listing.round_progress(session, round_)
    record(
        session,
        actor,
        "synopsis.publish",
        publication,
        summary=f"Published the synopsis of {round_.title}",
        round_id=round_.id,
        comments=progress.total,
    )
    _notify_submitters(session, round_)
    return publication


def _notify_submitters(session: Session, round_: ConsultationRound) -> None:
    """Queue one mail per submitter, streaming the round's comments ordered by author."""
    query = (
        select(User.id, User.email, User.name, User.language, Submission.receipt, Comment.ordinal)
        .join(Submission, Submission.author_id == User.id)
        .join(Comment, Comment.submission_id == Submission.id)
        .where(Submission.round_id == round_.id, Submission.status == SubmissionStatus.SUBMITTED)
        .order_by(User.id, Submission.submitted_at, Comment.ordinal)
        .execution_options(yield_per=2000)
    )
    for _author_id, group in groupby(session.execute(query), key=lambda r: r[0]):
        rows = list(group)
        _id, email, name, language, _receipt, _ordinal = rows[0]
        if not email:
            continue
        # Each submitter hears in the language of their own profile.
        with force_locale(language or "en"):
            queue_mail(
                session,
                to=email,
                subject=_("The responses to your comments on %(title)s", title=round_.title),
                body=_(
                    "Hello %(name)s,\n\nThe Standards Committee has published its responses to "
                    'the comments of "%(title)s". %(n)d of them answer your comments (%(refs)s).'
                    '\n\nYou can read them under "My submissions" and in the synopsis of the '
                    "round.\n",
                    name=name,
                    title=round_.title,
                    n=len(rows),
                    refs=", ".join(f"{r[4]}/{r[5]}" for r in rows),
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

    # The page comes in clause order (whole draft first): keep it.
    return list(groups.values())


def count_snapshot(session: Session, round_: ConsultationRound) -> dict:
    """The counts a publication keeps: every submitted comment by decision and by group."""
    return {
        "decision": dict(listing.decision_counts(session, round_, public=False)),
        "group": dict(listing.group_counts(session, round_, public=False)),
    }


def _published_counts(
    session: Session, round_: ConsultationRound, counts: dict, *, public: bool
) -> tuple[Counter, Counter]:
    """The counts kept at publication, less the comments hidden since (public): two small
    reads instead of two GROUP BYs over the round (comment_state's hidden rows are few)."""
    by_decision, by_group = Counter(counts["decision"]), Counter(counts["group"])
    if public:
        # The hidden rows one by one, counted here: a GROUP BY on these columns makes
        # SQLite walk the round's whole progress index (6 ms) instead of the few rows
        # that ix_comment_state_public (round_id, hidden) finds (0.03 ms).
        cs = CommentState
        hidden = session.execute(
            select(cs.agreed, cs.decision, cs.stakeholder_group).where(
                cs.round_id == round_.id, cs.hidden.is_(True)
            )
        )
        for agreed, decision, group in hidden:
            if agreed:
                by_decision[str(decision)] -= 1
            by_group[group or "other"] -= 1
    return +by_decision, +by_group  # unary +: only counts above zero, as a GROUP BY gives


def build(
    session: Session,
    round_: ConsultationRound,
    *,
    public: bool = True,
    after: str | None = None,
    before: str | None = None,
    with_progress: bool = True,
    plain: bool = False,
) -> Synopsis:
    """Assemble one page of a round's synopsis; the public version leaves hidden comments out.

    with_progress=False: a published synopsis's page does not show the committee's progress
    (every comment was agreed), so it is not counted (`progress` stays empty).
    plain=True (the public HTML page): rows of plain values (`synopsis_rows`)."""
    publication = synopsis_publication(session, round_)
    progress = (
        listing.round_progress(session, round_)
        if with_progress or publication is None
        else Progress()
    )
    page = listing.synopsis_page(
        session, round_, public=public, after=after, before=before, plain=plain
    )
    result = Synopsis(round_, publication, progress, _group_rows(page.items), page)
    if publication is not None and publication.counts is not None:
        result.by_decision, result.by_group = _published_counts(
            session, round_, publication.counts, public=public
        )
    elif publication is not None:
        result.by_decision = listing.decision_counts(session, round_, public=public)
        result.by_group = listing.group_counts(session, round_, public=public)
    return result


def responses_for_author(session: Session, user: User) -> dict[int, Disposition]:
    """Map each of a user's comments to its agreed disposition, for published synopses only."""
    if user is None or getattr(user, "id", None) is None:
        return {}
    Current = listing.Current
    rows = session.execute(
        select(Comment.id, Current)
        .join(Submission, Comment.submission_id == Submission.id)
        .join(Current, listing.current_disposition_on())
        .where(
            Submission.author_id == user.id,
            Submission.status == SubmissionStatus.SUBMITTED,
            Submission.round_id.in_(select(SynopsisPublication.round_id)),
            Current.agreed.is_(True),
        )
    )
    return dict(rows.all())
