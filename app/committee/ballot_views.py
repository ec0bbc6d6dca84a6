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

from app.auth.permissions import is_staff
from app.committee import ballots as service
from app.committee.forms import (
    CHOICE_LABELS,
    OUTCOME_LABELS,
    QUESTION_LABELS,
    BallotForm,
    VoteForm,
)
from app.database import utcnow
from app.drafting.models import Version, VersionState
from app.errors import Gone, ValidationError
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
    if not is_staff(current_user):
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
            )
        except ValidationError as exc:
            show_error(form, exc)
        except ValueError:
            abort(400)
        else:
            flash(
                _("Ballot opened. %(n)d committee members may vote.", n=len(ballot.voters)),
                "success",
            )
            return redirect(url_for("committee.ballots.ballot", ballot_id=ballot.id))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "committee/ballot_new.html", form=form, members=service.committee_members(db.session)
    ), status


def _ballot_page(ballot, form, status=200):
    votes = service.current_votes(db.session, ballot)
    mine = votes.get(current_user.id) if current_user.is_authenticated else None
    live_flags = None
    if ballot.closed_at is None:
        live_flags = service.iseal_flags(
            db.session, ballot.standard_id, ballot.question_kind, utcnow()
        )
    return render_template(
        "committee/ballot.html",
        ballot=ballot,
        form=form,
        mine=mine,
        may_vote=ballot.closed_at is None and service.is_voter(ballot, current_user),
        cast=len(votes),
        flags=ballot.flags if ballot.closed_at else live_flags,
        flag_message=service.flag_message,
        labels=LABELS,
    ), status


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
