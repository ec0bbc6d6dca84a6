"""Follow and unfollow a standard; the one-click unfollow link mailed to followers."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app.drafting import service as drafting
from app.extensions import db
from app.publishing import following

bp = Blueprint("following", __name__)


class FollowForm(FlaskForm):
    """A button: the CSRF token is the whole form."""


@bp.app_context_processor
def _follow_state():
    def follow_state(standard) -> dict:
        return {
            "following": following.is_following(db.session, current_user, standard),
            "form": FollowForm(),
        }

    return {"follow_state": follow_state}


@bp.post("/standards/<slug>/follow")
@login_required
def follow(slug: str):
    standard = drafting.get_standard(db.session, slug)
    if not FollowForm().validate_on_submit():
        abort(400)
    following.follow(db.session, current_user, standard)
    flash(
        _("You follow %(title)s: we will mail you when its record moves.", title=standard.title),
        "success",
    )
    return redirect(url_for("drafting.standard", slug=slug))


@bp.post("/standards/<slug>/unfollow")
@login_required
def unfollow(slug: str):
    standard = drafting.get_standard(db.session, slug)
    if not FollowForm().validate_on_submit():
        abort(400)
    following.unfollow(db.session, current_user, standard)
    flash(_("You no longer follow %(title)s.", title=standard.title), "success")
    return redirect(url_for("drafting.standard", slug=slug))


@bp.get("/unfollow/<token>")
def confirm_unfollow(token: str):
    _user, standard = following.read_token(db.session, token)
    return render_template(
        "publishing/unfollow.html", standard=standard, token=token, form=FollowForm()
    )


@bp.post("/unfollow/<token>")
def unfollow_by_link(token: str):
    if not FollowForm().validate_on_submit():
        abort(400)
    standard, _was = following.unfollow_by_token(db.session, token)
    return render_template("publishing/unfollow.html", standard=standard, done=True)
