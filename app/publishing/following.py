"""Follow a standard: mail through the outbox when its public record moves.

The events are the audit events the services already append (a round created, a
synopsis or a publication published, a ballot closed). A session hook turns each
into one `follow.announce` job in the same transaction, so the event and its
announcement commit together, and the fan-out to followers happens in the job
runner, one batch per job, never inside the request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, has_app_context, has_request_context, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import ForeignKey, UniqueConstraint, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.audit.models import AuditEvent
from app.audit.service import record
from app.auth.models import User
from app.auth.permissions import require_signed_in
from app.committee.models import Ballot, SynopsisPublication
from app.consultation.models import ConsultationRound
from app.database import Base, UTCDateTime, utcnow
from app.drafting.models import Standard
from app.errors import NotFound
from app.formatting import format_day, format_when_in
from app.jobs.models import Job
from app.jobs.service import enqueue, handler
from app.loading import ensure_loaded
from app.mail import queue_mail
from app.publishing.models import Publication

JOB = "follow.announce"
BATCH = 200


class Follow(Base):
    """A person following a standard; deleted when they stop."""

    __tablename__ = "follow"
    __table_args__ = (UniqueConstraint("user_id", "standard_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("standard.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


def is_following(session: Session, user: User | None, standard: Standard) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or user.id is None:
        return False
    return _follow_of(session, user.id, standard.id) is not None


def _follow_of(session: Session, user_id: int, standard_id: int) -> Follow | None:
    return session.scalar(
        select(Follow).where(Follow.user_id == user_id, Follow.standard_id == standard_id)
    )


def follow(session: Session, actor: User, standard: Standard) -> Follow:
    """Follow a standard (following it twice is following it once)."""
    require_signed_in(actor)
    found = _follow_of(session, actor.id, standard.id)
    if found is not None:
        return found
    found = Follow(user_id=actor.id, standard_id=standard.id)
    session.add(found)
    session.flush()
    record(session, actor, "standard.follow", standard, summary=f"Followed {standard.slug}")
    return found


def unfollow(session: Session, actor: User, standard: Standard) -> bool:
    """Stop following a standard; return whether they were following it."""
    require_signed_in(actor)
    found = _follow_of(session, actor.id, standard.id)
    if found is None:
        return False
    session.delete(found)
    session.flush()
    record(session, actor, "standard.unfollow", standard, summary=f"Unfollowed {standard.slug}")
    return True


# --- one-click unfollow ------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="unfollow")


def unfollow_token(user_id: int, standard_id: int) -> str:
    return _serializer().dumps({"u": user_id, "s": standard_id})


def read_token(session: Session, token: str) -> tuple[User, Standard]:
    """Return who and what an unfollow link names; 404 for a link that is not ours."""
    try:
        data = _serializer().loads(token)
        user, standard = session.get(User, int(data["u"])), session.get(Standard, int(data["s"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        user = standard = None
    if user is None or standard is None:
        raise NotFound(_("This unfollow link is not valid."))
    return user, standard


def unfollow_by_token(session: Session, token: str) -> tuple[Standard, bool]:
    """Stop the follow a mailed link names (the link is the proof, no sign-in needed)."""
    user, standard = read_token(session, token)
    found = _follow_of(session, user.id, standard.id)
    if found is not None:
        session.delete(found)
        session.flush()
        record(session, user, "standard.unfollow", standard, summary="Unfollowed by mail link")
    return standard, found is not None


# --- announcing --------------------------------------------------------------------------


def _base_url() -> str:
    if has_request_context():
        return request.host_url
    configured = current_app.config.get("PUBLIC_BASE_URL") if has_app_context() else None
    return configured or "http://localhost:5000/"


def _standard_of(session: Session, action: str, object_id: int) -> int | None:
    """Return the standard an announced event is about (its objects are usually in memory)."""
    if action == "round.create":
        round_ = session.get(ConsultationRound, object_id)
        return round_.standard_id if round_ else None
    if action == "synopsis.publish":
        synopsis = session.get(SynopsisPublication, object_id)
        round_ = session.get(ConsultationRound, synopsis.round_id) if synopsis else None
        return round_.standard_id if round_ else None
    if action == "ballot.close":
        ballot = session.get(Ballot, object_id)
        return ballot.standard_id if ballot else None
    publication = session.get(Publication, object_id)
    return publication.standard_id if publication else None


def _has_followers(session: Session, action: str, object_id: int) -> bool:
    with session.no_autoflush:
        standard_id = _standard_of(session, action, object_id)
        if standard_id is None:
            return False
        found = session.scalar(select(Follow.id).where(Follow.standard_id == standard_id).limit(1))
    return found is not None


@event.listens_for(Session, "before_flush")
def _announce(session: Session, _context, _instances) -> None:
    """Queue one announcement job for each announced event about a followed standard."""
    for item in list(session.new):
        if not (isinstance(item, AuditEvent) and item.action in ANNOUNCERS and item.object_id):
            continue
        if _has_followers(session, item.action, int(item.object_id)):
            session.add(
                Job(
                    kind=JOB,
                    payload={
                        "action": item.action,
                        "object_id": int(item.object_id),
                        "base_url": _base_url(),
                        "after": 0,
                    },
                )
            )


@dataclass(frozen=True)
class Announcement:
    standard: Standard
    subject: str
    body: str
    link: Callable[[], str]


def _round_opened(session: Session, object_id: int) -> Announcement | None:
    round_ = session.get(ConsultationRound, object_id)
    if round_ is None:
        return None
    ensure_loaded(session, round_, "standard", "version")
    round_id = round_.id
    return Announcement(
        round_.standard,
        _(
            "Consultation on %(standard)s: %(title)s",
            standard=round_.standard.title,
            title=round_.title,
        ),
        _(
            "A public consultation round on %(standard)s %(version)s is open for comments "
            "from %(opens)s to %(closes)s.",
            standard=round_.standard.title,
            version=round_.version.label,
            opens=format_when_in(round_.opens_at, "UTC"),
            closes=format_when_in(round_.closes_at, "UTC"),
        ),
        lambda: url_for("consultation.round_page", round_id=round_id, _external=True),
    )


def _synopsis_published(session: Session, object_id: int) -> Announcement | None:
    found = session.get(SynopsisPublication, object_id)
    if found is None:
        return None
    round_ = session.get_one(ConsultationRound, found.round_id)
    ensure_loaded(session, round_, "standard")
    round_id = round_.id
    return Announcement(
        round_.standard,
        _("Responses published: %(title)s", title=round_.title),
        _(
            "The Standards Committee has published its response to every public comment "
            "of %(title)s.",
            title=round_.title,
        ),
        lambda: url_for("committee.synopsis", round_id=round_id, _external=True),
    )


def _ballot_closed(session: Session, object_id: int) -> Announcement | None:
    ballot = session.get(Ballot, object_id)
    if ballot is None or ballot.outcome is None:
        return None
    ensure_loaded(session, ballot, "standard")
    ballot_id = ballot.id
    return Announcement(
        ballot.standard,
        _(
            "Ballot result on %(standard)s: %(outcome)s",
            standard=ballot.standard.title,
            outcome=str(ballot.outcome),
        ),
        _(
            'The committee ballot "%(question)s" has closed: %(outcome)s.',
            question=ballot.question,
            outcome=str(ballot.outcome),
        ),
        lambda: url_for("committee.ballots.ballot", ballot_id=ballot_id, _external=True),
    )


def _publication_published(session: Session, object_id: int) -> Announcement | None:
    found = session.get(Publication, object_id)
    if found is None:
        return None
    ensure_loaded(session, found, "standard")
    slug, number = found.standard.slug, found.number
    return Announcement(
        found.standard,
        _("%(standard)s %(number)s is published", standard=found.standard.title, number=number),
        _(
            "Edition %(number)s of %(standard)s is published, effective %(date)s.",
            number=number,
            standard=found.standard.title,
            date=format_day(found.effective_on),
        ),
        lambda: url_for("publishing.reader", slug=slug, number=number, _external=True),
    )


ANNOUNCERS: dict[str, Callable[[Session, int], Announcement | None]] = {
    "round.create": _round_opened,
    "synopsis.publish": _synopsis_published,
    "ballot.close": _ballot_closed,
    "publication.publish": _publication_published,
}


def _announcement(session: Session, action: str, object_id: int) -> Announcement | None:
    announcer = ANNOUNCERS.get(action)
    return announcer(session, object_id) if announcer else None


@handler(JOB)
def _fan_out(session: Session, payload: dict) -> None:
    """Queue the mail of one batch of followers; queue the next batch as its own job."""
    news = _announcement(session, payload["action"], payload["object_id"])
    if news is None:
        return
    batch = session.execute(
        select(Follow.id, User.id, User.email, User.name, User.language)
        .join(User, Follow.user_id == User.id)
        .where(Follow.standard_id == news.standard.id, Follow.id > payload["after"])
        .where(User.active.is_(True))
        .order_by(Follow.id)
        .limit(BATCH)
    ).all()
    in_language: dict[str, Announcement | None] = {}
    with current_app.test_request_context(base_url=payload["base_url"]):
        link = news.link()
        for _follow_id, user_id, email, name, language in batch:
            if not email:
                continue
            unfollow_link = url_for(
                "following.confirm_unfollow",
                token=unfollow_token(user_id, news.standard.id),
                _external=True,
            )
            language = language or "en"
            # Each follower reads the news in their own language (built once per language).
            with force_locale(language):
                if language not in in_language:
                    in_language[language] = _announcement(
                        session, payload["action"], payload["object_id"]
                    )
                news_here = in_language[language] or news
                subject = news_here.subject
                body = _(
                    "Hello %(name)s,\n\n%(news)s\n\n%(link)s\n\nYou receive this because you "
                    "follow %(standard)s. Stop following it with one click: %(unfollow)s\n",
                    name=name,
                    news=news_here.body,
                    link=link,
                    standard=news.standard.title,
                    unfollow=unfollow_link,
                )
            queue_mail(session, to=email, subject=subject, body=body)
    if len(batch) == BATCH:
        enqueue(session, JOB, **{**payload, "after": batch[-1][0]})
