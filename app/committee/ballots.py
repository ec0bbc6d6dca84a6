"""Ballots of the Standards Committee: open, vote, close once, and flag ISEAL gaps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import cast

from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app.audit.service import record
from app.auth.models import Role, RoleGrant, User
from app.auth.permissions import require
from app.committee import tally as arithmetic
from app.committee.adoption import refuse_adoption_during_consultation
from app.committee.listing import count_unanswered
from app.committee.models import (
    Ballot,
    BallotOutcome,
    BallotQuestion,
    BallotVoter,
    Vote,
    VoteChoice,
)
from app.committee.permissions import can_open_ballot, can_vote
from app.consultation import iseal
from app.database import utcnow
from app.drafting.models import Standard, Version, VersionState
from app.errors import Conflict, Gone, NotFound, PermissionDenied, ValidationError
from app.formatting import utc_iso
from app.history import latest
from app.loading import ensure_loaded

MAX_QUESTION = 2000
MAX_REASON = 4000
MAX_JUSTIFICATION = 10_000


# --- reading ------------------------------------------------------------------


_BALLOT_PARTS = (joinedload(Ballot.standard), joinedload(Ballot.version))


def get_ballot(session: Session, ballot_id: int) -> Ballot:
    ballot = session.get(Ballot, ballot_id, options=_BALLOT_PARTS)
    if ballot is None:
        raise NotFound(_("There is no ballot %(id)s.", id=ballot_id))
    read_as_closed(session, [ballot])
    return ballot


def list_ballots(
    session: Session, *, closed_only: bool = False, limit: int | None = None
) -> list[Ballot]:
    """Return ballots, newest first, due ones read as closed; closed_only: those closed."""
    query = (
        select(Ballot)
        .options(*_BALLOT_PARTS)
        .order_by(Ballot.opens_at.desc(), Ballot.id.desc())
        .limit(limit)
    )
    if closed_only:
        query = query.where(or_(Ballot.closed_at.is_not(None), Ballot.closes_at <= utcnow()))
    found = list(session.scalars(query))
    read_as_closed(session, found)
    return found


def current_votes(session: Session, ballot: Ballot) -> dict[int, Vote]:
    """Return each voter's latest vote: one vote per voter counts."""
    rows = session.scalars(
        latest(Vote, key=[Vote.ballot_id, Vote.voter_id], by=Vote.id).where(
            Vote.ballot_id == ballot.id
        )
    )
    return {v.voter_id: v for v in rows}


def roll_standing(session: Session, ballot: Ballot) -> dict[int, bool]:
    """Map each voter on the opening roll to whether they still count.

    The roll is fixed when the ballot opens (nobody joins it later), and a
    member whose committee role is withdrawn, or whose account is closed,
    before the close leaves it: their vote is not counted and they no longer
    count towards quorum. The role grants say who is a member now; the audit
    log records each withdrawal, so the tally can be re-derived.
    """
    still_members = set(
        session.scalars(
            select(RoleGrant.user_id)
            .join(User, User.id == RoleGrant.user_id)
            .join(BallotVoter, BallotVoter.user_id == RoleGrant.user_id)
            .where(
                BallotVoter.ballot_id == ballot.id,
                RoleGrant.role == Role.COMMITTEE,
                User.active.is_(True),
            )
        )
    )
    return {v.user_id: v.user_id in still_members for v in ballot.voters}


def may_vote(session: Session, ballot: Ballot, user: User | None) -> bool:
    """Tell whether user's vote on this open ballot would be counted."""
    if user is None or not can_vote(user, ballot):
        return False
    return roll_standing(session, ballot).get(user.id, False)


def count_votes(session: Session, ballot: Ballot) -> arithmetic.Tally:
    """Tally the current votes of the roll with the ballot's own rules."""
    roll = {uid for uid, counts in roll_standing(session, ballot).items() if counts}
    choices = [v.choice for uid, v in current_votes(session, ballot).items() if uid in roll]
    return arithmetic.count(len(roll), choices, quorum=ballot.quorum, threshold=ballot.threshold)


# --- ISEAL flags ----------------------------------------------------------------


def ballot_flags(
    session: Session, standard: Standard, question_kind: str, now: dt.datetime
) -> list[dict]:
    """List where the standard's process falls short of its ISEAL rules at a ballot."""
    adoption = question_kind == BallotQuestion.ADOPT
    flags = iseal.process_flags(session, standard, now, adoption=adoption)
    rounds = iseal.held_rounds(session, standard, now)
    unanswered = count_unanswered(session, [r.id for r in rounds])
    if unanswered:
        flags.append({"code": iseal.UNANSWERED, "comments": unanswered})
    return flags


# --- opening --------------------------------------------------------------------


def committee_members(session: Session) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.role == Role.COMMITTEE, User.active.is_(True))
            .order_by(User.name)
        ).unique()
    )


def _fraction(value, field: str) -> Fraction:
    try:
        fraction = arithmetic.as_fraction(value)
    except (ValueError, ZeroDivisionError, TypeError):
        raise ValidationError(_("Give a fraction such as 1/2 or 2/3."), field=field) from None
    if not 0 < fraction <= 1:
        raise ValidationError(_("Give a fraction above 0 and at most 1."), field=field)
    return fraction


def open_ballot(
    session: Session,
    actor: User,
    version: Version,
    *,
    question_kind: str,
    question: str,
    closes_at: dt.datetime,
    quorum: float | Fraction | str = arithmetic.DEFAULT_QUORUM,
    threshold: float | Fraction | str = arithmetic.DEFAULT_THRESHOLD,
    justification: str = "",
    now: dt.datetime | None = None,
) -> Ballot:
    """Open a ballot on a frozen version; the committee members of today are its roll.

    Adoption is not put to the vote while a consultation round on the standard is
    open or scheduled, and where the ISEAL expectations are not met the secretariat
    must justify going ahead.
    """
    require(can_open_ballot(actor, session.get(Standard, version.standard_id)))
    now = now or utcnow()
    if version.state != VersionState.FROZEN:
        raise ValidationError(_("Ballots are held on frozen versions only."), field="version")
    try:
        kind = BallotQuestion(question_kind)
    except ValueError:
        raise ValidationError(_("Choose what the ballot decides."), field="question_kind") from None
    question = (question or "").strip()
    if not question:
        raise ValidationError(_("Write the question put to the vote."), field="question")
    if len(question) > MAX_QUESTION:
        raise ValidationError(_("The question is too long."), field="question")
    if closes_at.tzinfo is None:
        raise ValueError("closes_at must be an aware datetime")
    if closes_at <= now:
        raise ValidationError(_("The closing time must be in the future."), field="closes_at")
    quorum_f, threshold_f = _fraction(quorum, "quorum"), _fraction(threshold, "threshold")
    justification = (justification or "").strip()
    if len(justification) > MAX_JUSTIFICATION:
        raise ValidationError(_("The justification is too long."), field="justification")
    flags: list[dict] = []
    if kind == BallotQuestion.ADOPT:
        refuse_adoption_during_consultation(session, version.standard_id, now)
        flags = ballot_flags(session, session.get_one(Standard, version.standard_id), kind, now)
        if flags and not justification:
            raise ValidationError(
                _(
                    "The ISEAL expectations are not met (see the list above): write why "
                    "adoption should be put to the vote all the same."
                ),
                field="justification",
            )
    if session.scalar(
        select(Ballot.id).where(
            Ballot.version_id == version.id,
            Ballot.question_kind == kind,
            Ballot.closed_at.is_(None),
        )
    ):
        raise Conflict(_("A ballot on this question is already open for this version."))
    members = committee_members(session)
    if not members:
        raise ValidationError(_("There are no committee members to vote."))
    ballot = Ballot(
        standard_id=version.standard_id,
        version_id=version.id,
        question_kind=kind,
        question=question,
        opens_at=now,
        closes_at=closes_at,
        quorum=float(quorum_f),
        threshold=float(threshold_f),
        created_by_id=actor.id,
        created_at=now,
        justification=justification,
    )
    session.add(ballot)
    session.flush()
    session.add_all(BallotVoter(ballot_id=ballot.id, user_id=m.id) for m in members)
    session.flush()
    session.refresh(ballot)
    record(
        session,
        actor,
        "ballot.open",
        ballot,
        summary=f"Opened ballot on {version.label}: {question[:200]}",
        voters=[m.id for m in members],
        quorum=str(quorum_f),
        threshold=str(threshold_f),
        closes_at=utc_iso(closes_at),
        iseal_flags=[f["code"] for f in flags],
        justification=justification,
    )
    return ballot


# --- voting -----------------------------------------------------------------------


def cast_vote(
    session: Session,
    actor: User,
    ballot: Ballot,
    *,
    choice: str,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Vote:
    """Record a voter's position; the latest one counts until the ballot closes."""
    now = now or utcnow()
    if ballot.closed_at is not None or now >= ballot.closes_at:
        close_due_ballots(session, now)
        raise Gone(_("This ballot closed at its closing time; votes are no longer taken."))
    require(
        can_vote(actor, ballot), _("You are not on the roll of eligible voters of this ballot.")
    )
    if not may_vote(session, ballot, actor):
        raise PermissionDenied(
            _(
                "You are no longer a member of the Standards Committee, so you no longer "
                "vote on this ballot."
            )
        )
    try:
        choice = VoteChoice(choice)
    except ValueError:
        raise ValidationError(_("Choose yes, no, abstain or recuse."), field="choice") from None
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise ValidationError(_("The reason is too long."), field="reason")
    if choice == VoteChoice.NO and not reason:
        raise ValidationError(_("Give the reason for voting no."), field="reason")
    if choice == VoteChoice.RECUSE and not reason:
        raise ValidationError(_("Give the reason for recusing yourself."), field="reason")
    previous = current_votes(session, ballot).get(actor.id)
    if previous is not None and previous.choice == choice and previous.reason == reason:
        return previous
    vote = Vote(ballot_id=ballot.id, voter_id=actor.id, choice=choice, reason=reason, cast_at=now)
    session.add(vote)
    session.flush()
    record(
        session,
        actor,
        "ballot.vote" if previous is None else "ballot.vote-change",
        ballot,
        summary=f"{'Voted' if previous is None else 'Changed vote to'} {choice}",
        choice=str(choice),
    )
    return vote


# --- closing ----------------------------------------------------------------------


@dataclass(frozen=True)
class RollEntry:
    user_id: int
    name: str
    choice: str | None
    reason: str
    cast_at: str
    counted: bool = True


def roll_of(session: Session, ballot: Ballot) -> list[RollEntry]:
    votes = current_votes(session, ballot)
    standing = roll_standing(session, ballot)
    names = dict(
        session.execute(
            select(User.id, User.name)
            .join(BallotVoter, BallotVoter.user_id == User.id)
            .where(BallotVoter.ballot_id == ballot.id)
        ).all()
    )
    entries = []
    for voter in sorted(ballot.voters, key=lambda v: names[v.user_id]):
        vote = votes.get(voter.user_id)
        entries.append(
            RollEntry(
                voter.user_id,
                names[voter.user_id],
                str(vote.choice) if vote else None,
                vote.reason if vote else "",
                utc_iso(vote.cast_at) if vote else "",
                standing[voter.user_id],
            )
        )
    return entries


def _outcome(session: Session, ballot: Ballot) -> dict:
    """Compute what closing a due ballot records: outcome, tally with roll, ISEAL flags."""
    counted = count_votes(session, ballot)
    record_ = counted.as_record()
    record_["roll"] = [entry.__dict__ for entry in roll_of(session, ballot)]
    standard = session.get_one(Standard, ballot.standard_id)
    flags = ballot_flags(session, standard, ballot.question_kind, ballot.closes_at)
    return {
        "closed_at": ballot.closes_at,
        "outcome": counted.outcome,
        "tally": record_,
        "flags": flags,
        "counted": counted,
    }


def close(session: Session, ballot: Ballot, now: dt.datetime) -> bool:
    """Compute and record the outcome of a due ballot, once; return whether this call did."""
    if ballot.closed_at is not None or now < ballot.closes_at:
        return False
    values = _outcome(session, ballot)
    counted = values.pop("counted")
    # Compare-and-set: of two requests closing the same ballot, only one records it.
    result = session.execute(
        update(Ballot).where(Ballot.id == ballot.id, Ballot.closed_at.is_(None)).values(**values)
    )
    if cast(CursorResult, result).rowcount != 1:
        session.refresh(ballot)
        return False
    session.refresh(ballot)
    if ballot.question_kind == BallotQuestion.ADOPT and counted.outcome == BallotOutcome.CARRIED:
        # The version is adopted by the vote itself; publishing it is the secretariat's next step.
        session.execute(
            update(Version)
            .where(Version.id == ballot.version_id, Version.state == VersionState.FROZEN)
            .values(state=VersionState.ADOPTED)
        )
        session.refresh(ensure_loaded(session, ballot, "version").version)
    record(
        session,
        None,
        "ballot.close",
        ballot,
        summary=f"Ballot {ballot.id} closed: {counted.outcome}",
        outcome=str(counted.outcome),
        yes=counted.yes,
        no=counted.no,
        abstain=counted.abstain,
        recused=counted.recused,
        eligible=counted.eligible,
    )
    return True


def close_due_ballots(session: Session, now: dt.datetime | None = None) -> list[Ballot]:
    """Close every ballot whose closing time has passed; return those closed now."""
    now = now or utcnow()
    due = session.scalars(
        select(Ballot)
        .where(Ballot.closed_at.is_(None), Ballot.closes_at <= now)
        .order_by(Ballot.id)
        .execution_options(populate_existing=True)
    ).all()
    return [b for b in due if close(session, b, now)]


def read_as_closed(
    session: Session, ballots: Iterable[Ballot], now: dt.datetime | None = None
) -> None:
    """Show due ballots as closed without writing (GET pages never write).

    Votes are refused from the closing time on, so the outcome computed here is
    the one `flask ballots close-due` (or the next vote attempt) records; the
    values are set as if loaded, so the session has nothing to flush.
    """
    now = now or utcnow()
    for ballot in ballots:
        if ballot.closed_at is None and now >= ballot.closes_at:
            values = _outcome(session, ballot)
            values.pop("counted")
            for name, value in values.items():
                set_committed_value(ballot, name, value)
