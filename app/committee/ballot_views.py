"""Ballot pages: list, open, vote, and the recorded outcome."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import SelectChoice

from app.committee import ballots as service
from app.committee.forms import (
    CHOICE_LABELS,
    OUTCOME_LABELS,
    QUESTION_LABELS,
    BallotForm,
    VoteForm,
)
from app.committee.permissions import can_open_ballot, can_vote
from app.consultation import iseal
from app.database import utcnow
from app.drafting.models import Standard, Version, VersionState
from app.errors import Conflict, Gone, ValidationError
from app.extensions import db
from app.formatting import zone as named_zone
from app.forms import show_error

bp = Blueprint("ballots", __name__)
LABELS = {"questions": QUESTION_LABELS, "outcomes": OUTCOME_LABELS, "choices": CHOICE_LABELS}


def _user_zone() -> zoneinfo.ZoneInfo:
    return named_zone(getattr(current_user, "timezone", None))


def _frozen_versions() -> list[Version]:
    return list(
        db.session.scalars(
            select(Version)
            .where(Version.state == VersionState.FROZEN)
            .options(joinedload(Version.standard))
            .order_by(Version.id.desc())
        )
    )


@bp.get("/ballots")
def ballots():
    items = service.list_ballots(db.session)
    return render_template("committee/ballots.html", ballots=items, labels=LABELS)


@bp.route("/ballots/new", methods=["GET", "POST"])
@login_required
def new_ballot():
    if not can_open_ballot(current_user):
        abort(403)
    versions = _frozen_versions()
    zone = _user_zone()
    default_close = (
        (utcnow() + dt.timedelta(days=14))
        .astimezone(zone)
        .replace(tzinfo=None, second=0, microsecond=0)
    )
    form = BallotForm(version=request.args.get("version", ""), closes_at=default_close)
    form.version.choices = [
        SelectChoice(str(v.id), f"{v.standard.title} — {v.label}") for v in versions
    ]
    conflict = False
    if form.validate_on_submit():
        try:
            version = db.session.get(Version, int(form.version.data or 0))
            if version is None:
                raise ValidationError(_("Choose a frozen version."), field="version")
            ballot = service.open_ballot(
                db.session,
                current_user,
                version,
                question_kind=form.question_kind.data,
                question=form.question.data,
                closes_at=form.closes_at.data.replace(tzinfo=zone).astimezone(dt.UTC),
                quorum=form.quorum.data,
                threshold=form.threshold.data,
                justification=form.justification.data,
            )
        except (ValidationError, Conflict) as exc:
            show_error(form, exc)
            if isinstance(exc, Conflict):
                conflict = True
        except ValueError:
            abort(400)
        else:
            flash(
                _("Ballot opened. %(n)d committee members may vote.", n=len(ballot.voters)),
                "success",
            )
            return redirect(url_for("committee.ballots.ballot", ballot_id=ballot.id))
    status = (409 if conflict else 422) if form.is_submitted() else 200
    return render_template(
        "committee/ballot_new.html",
        form=form,
        members=service.committee_members(db.session),
        adoption_flags=_adoption_flags(form.version.data),
        flag_message=iseal.flag_message,
    ), status


def _adoption_flags(version_id: str | None) -> list[dict]:
    """Say, for the chosen version's standard, where adoption now falls short of ISEAL."""
    try:
        version = db.session.get(Version, int(version_id or 0))
    except ValueError:
        return []
    if version is None:
        return []
    standard = db.session.get(Standard, version.standard_id)
    return service.ballot_flags(db.session, standard, "adopt", utcnow())


def _ballot_page(ballot, form, status=200):
    votes = service.current_votes(db.session, ballot)
    standing = service.roll_standing(db.session, ballot)
    if ballot.closed_at is not None:  # the roll as it stood at the close, recorded then
        recorded = (ballot.tally or {}).get("roll", [])
        left_roll = [r["name"] for r in recorded if not r.get("counted", True)]
        eligible = (ballot.tally or {}).get("eligible", len(recorded))
    else:
        names = {e.user_id: e.name for e in service.roll_of(db.session, ballot)}
        left_roll = sorted(names[v.user_id] for v in ballot.voters if not standing[v.user_id])
        eligible = sum(standing.values())
    mine = votes.get(current_user.id) if current_user.is_authenticated else None
    live_flags = None
    if ballot.closed_at is None:
        live_flags = service.ballot_flags(
            db.session, ballot.standard, ballot.question_kind, utcnow()
        )
    return render_template(
        "committee/ballot.html",
        ballot=ballot,
        form=form,
        mine=mine,
        may_vote=ballot.closed_at is None and service.may_vote(db.session, ballot, current_user),
        on_roll=can_vote(current_user, ballot),
        cast=sum(1 for uid in votes if standing.get(uid)),
        eligible=eligible,
        left_roll=left_roll,
        flags=ballot.flags if ballot.closed_at else live_flags,
        flag_message=iseal.flag_message,
        labels=LABELS,
        **_adoption_record(ballot),
    ), status


def _adoption_record(ballot) -> dict:
    """What became of the version a carried adoption ballot adopted."""
    from app.publishing import service as publishing

    if ballot.version.state not in (VersionState.ADOPTED, VersionState.PUBLISHED):
        return {"editions": [], "may_publish": False}
    editions = [
        p
        for p in publishing.list_publications(db.session, ballot.standard)
        if p.version_id == ballot.version_id
    ]
    return {
        "editions": editions,
        "may_publish": ballot.version.state == VersionState.ADOPTED
        and publishing.can_publish(current_user, ballot.standard),
    }


@bp.get("/ballots/<int:ballot_id>")
def ballot(ballot_id: int):
    found = service.get_ballot(db.session, ballot_id)
    mine = None
    if current_user.is_authenticated:
        mine = service.current_votes(db.session, found).get(current_user.id)
    form = VoteForm(choice=str(mine.choice) if mine else None, reason=mine.reason if mine else "")
    return _ballot_page(found, form)


@bp.post("/ballots/<int:ballot_id>/vote")
@login_required
def vote(ballot_id: int):
    found = service.get_ballot(db.session, ballot_id)
    form = VoteForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        service.cast_vote(
            db.session, current_user, found, choice=form.choice.data or "", reason=form.reason.data
        )
    except Gone as exc:
        # Commit the closing this attempt triggered, then show the recorded outcome.
        flash(exc.message, "error")
        return redirect(url_for("committee.ballots.ballot", ballot_id=ballot_id))
    except ValidationError as exc:
        show_error(form, exc)
        return _ballot_page(found, form, 422)
    flash(_("Your vote is recorded. You may change it until the ballot closes."), "success")
    return redirect(url_for("committee.ballots.ballot", ballot_id=ballot_id))
