"""Personal data pages: verification, download, change of address, closing, privacy notice."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from app.auth import pages, personal_data
from app.auth.forms import CloseAccountForm, EmailChangeForm, EmptyForm, PageTextForm
from app.auth.models import Role, User
from app.auth.permissions import require_any_role
from app.data_export import export_personal_data
from app.errors import ValidationError
from app.extensions import db, limiter
from app.forms import show_error
from app.mail import queue_mail

bp = Blueprint("personal", __name__)


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def send_verification(user: User) -> None:
    """Queue the mail with the link that confirms the account's address."""
    token = personal_data.verification_token(user, _secret())
    link = url_for("personal.verify_email", token=token, _external=True)
    queue_mail(
        db.session,
        to=user.email,
        subject=_("Confirm your email address for Clausewise"),
        body=_(
            "To confirm that this address is yours, open this link within a week:\n%(link)s\n\n"
            "Until then your comments are kept as a draft and cannot be submitted.\n"
            "If you did not create a Clausewise account, ignore this message.",
            link=link,
        ),
    )


def _confirm_page(title: str, button: str):
    """Links in mail open a page whose button posts: link scanners confirm nothing."""
    return render_template("auth/confirm_link.html", title=title, button=button, form=EmptyForm())


@bp.route("/email/verify/<token>", methods=["GET", "POST"])
def verify_email(token: str):
    if not EmptyForm().validate_on_submit():
        return _confirm_page(_("Confirm your email address"), _("Confirm my address"))
    user = personal_data.verify_email(db.session, token, _secret())
    flash(_("Thank you: %(email)s is confirmed.", email=user.email), "success")
    return redirect(url_for("auth.profile"))


@bp.post("/email/verify/resend")
@login_required
@limiter.limit("3 per hour")
def resend_verification():
    form = EmptyForm()
    if not form.validate_on_submit():
        raise ValidationError(_("The form has expired. Reload the page and try again."))
    if current_user.email_verified:
        flash(_("Your email address is already confirmed."), "success")
    else:
        send_verification(current_user)
        flash(_("We have sent a new link to %(email)s.", email=current_user.email), "success")
    return redirect(url_for("auth.profile"))


@bp.get("/profile/data.json")
@login_required
def download_data():
    data = export_personal_data(db.session, current_user)
    response = Response(json.dumps(data, indent=2, ensure_ascii=False), mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="clausewise-my-data.json"'
    return response


@bp.route("/profile/email", methods=["GET", "POST"])
@login_required
@limiter.limit("5 per hour", methods=["POST"])
def change_email():
    form = EmailChangeForm()
    if form.validate_on_submit():
        try:
            change = personal_data.request_email_change(
                db.session, current_user, form.email.data, form.password.data
            )
        except ValidationError as exc:
            show_error(form, exc)
        else:
            for side, address in (("old", current_user.email), ("new", change.new_email)):
                token = personal_data.email_change_token(change, side, _secret())
                link = url_for("personal.confirm_email_change", token=token, _external=True)
                queue_mail(
                    db.session,
                    to=address,
                    subject=_("Confirm the change of your Clausewise email address"),
                    body=_(
                        "The Clausewise account of %(name)s is moving from %(old)s to %(new)s.\n"
                        "The change happens once both addresses confirm. To confirm from this "
                        "address, open this link within a day:\n%(link)s\n\n"
                        "If you did not ask for this, do not open the link, and change your "
                        "password.",
                        name=current_user.name,
                        old=current_user.email,
                        new=change.new_email,
                        link=link,
                    ),
                )
            flash(
                _("We have sent a link to both addresses. Open both to complete the change."),
                "success",
            )
            return redirect(url_for("auth.profile"))
    status = 422 if form.is_submitted() else 200
    pending = personal_data.pending_email_change(db.session, current_user)
    return render_template("auth/email_change.html", form=form, pending=pending), status


@bp.route("/email/change/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str):
    if not EmptyForm().validate_on_submit():
        return _confirm_page(_("Confirm the change of address"), _("Confirm the change"))
    change = personal_data.confirm_email_change(db.session, token, _secret())
    if change.done_at is not None:
        flash(_("Your email address is now %(email)s.", email=change.new_email), "success")
    else:
        flash(_("Confirmed. Now open the link sent to the other address."), "success")
    return redirect(url_for("site.home"))


@bp.route("/profile/close", methods=["GET", "POST"])
@login_required
def close_account():
    form = CloseAccountForm()
    if form.validate_on_submit():
        try:
            personal_data.close_account(db.session, current_user, form.password.data)
        except ValidationError as exc:
            show_error(form, exc)
        else:
            logout_user()
            session.clear()
            flash(_("Your account is closed. Thank you for taking part."), "success")
            return redirect(url_for("site.home"))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/close.html", form=form), status


@bp.get("/privacy")
def privacy():
    body_html = pages.page_html(db.session, "privacy")
    can_edit = current_user.is_authenticated and current_user.has_role(Role.SECRETARIAT)
    return render_template("auth/privacy.html", body_html=body_html, can_edit=can_edit)


@bp.route("/privacy/edit", methods=["GET", "POST"])
@login_required
def edit_privacy():
    require_any_role(current_user, Role.SECRETARIAT)
    form = PageTextForm()
    if form.validate_on_submit():
        try:
            pages.update_page(db.session, current_user, "privacy", form.body.data)
        except ValidationError as exc:
            show_error(form, exc)
        else:
            flash(_("The privacy notice is saved."), "success")
            return redirect(url_for("personal.privacy"))
    elif not form.is_submitted():
        form.body.data = pages.page_body(db.session, "privacy")
    status = 422 if form.is_submitted() else 200
    return render_template("auth/privacy_edit.html", form=form), status
