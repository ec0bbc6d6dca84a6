"""Account security pages: password, signed-in browsers, second factor."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from app.auth import second_factor, service, sessions, throttle
from app.auth.forms import ChangePasswordForm, CodeForm, EmptyForm, RemoveFactorForm
from app.auth.models import User
from app.errors import NotFound, ValidationError
from app.extensions import db, limiter
from app.forms import show_error
from app.mail import queue_mail

bp = Blueprint("account", __name__)

ENROLMENT = "second_factor_enrolment"


def notify(user: User, subject: str, body: str) -> None:
    """Tell the person by mail that something changed about how they sign in."""
    queue_mail(db.session, to=user.email, subject=subject, body=body)


def throttled_response(wait: int):
    """Answer 429 with Retry-After: too many failed sign-ins or codes."""
    response = current_app.make_response(
        (
            render_template(
                "site/error.html",
                status=429,
                title=_("Too many attempts"),
                message=_(
                    "Too many failed sign-ins. Wait %(seconds)d seconds and try again.",
                    seconds=wait,
                ),
            ),
            429,
        )
    )
    response.headers["Retry-After"] = str(wait)
    return response


@bp.route("/profile/password", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["RATE_LIMIT_SIGN_IN"], methods=["POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            service.change_password(
                db.session, current_user, form.current_password.data, form.password.data
            )
        except ValidationError as exc:
            show_error(form, exc)
        else:
            notify(
                current_user,
                _("Your Clausewise password was changed"),
                _(
                    "The password of your Clausewise account was changed and every other "
                    "browser was signed out. If it was not you, reset your password now."
                ),
            )
            flash(_("Your password is changed. Other browsers are signed out."), "success")
            return redirect(url_for("auth.profile"))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/password.html", form=form), status


@bp.get("/profile/sessions")
@login_required
def list_sessions():
    rows = sessions.live_sessions(db.session, current_user)
    return render_template(
        "auth/sessions.html",
        rows=rows,
        current=current_user.acting_session,
        form=EmptyForm(),
    )


@bp.post("/profile/sessions/<int:session_id>/revoke")
@login_required
def revoke_session(session_id: int):
    form = EmptyForm()
    if not form.validate_on_submit():
        raise ValidationError(_("The form has expired. Reload the page and try again."))
    if not sessions.revoke_one(db.session, current_user, session_id):
        raise NotFound(_("There is no such signed-in browser."))
    if current_user.acting_session is not None and current_user.acting_session.id == session_id:
        logout_user()
        session.clear()
        flash(_("You are signed out."), "success")
        return redirect(url_for("site.home"))
    flash(_("That browser is signed out."), "success")
    return redirect(url_for("account.list_sessions"))


@bp.post("/profile/sessions/revoke-all")
@login_required
def revoke_all_sessions():
    """Sign out everywhere, this browser included."""
    form = EmptyForm()
    if not form.validate_on_submit():
        raise ValidationError(_("The form has expired. Reload the page and try again."))
    sessions.revoke_all(db.session, current_user, "signed out everywhere")
    logout_user()
    session.clear()
    flash(_("You are signed out on every browser."), "success")
    return redirect(url_for("auth.sign_in"))


@bp.route("/profile/second-factor", methods=["GET", "POST"])
@login_required
def second_factor_page():
    """Show the authenticator state, or enrol one by QR code."""
    factor = second_factor.enrolment(db.session, current_user)
    if factor is not None:
        return render_template(
            "auth/second_factor.html",
            factor=factor,
            remaining=second_factor.remaining_recovery_codes(db.session, current_user),
            remove_form=RemoveFactorForm(),
            codes_form=CodeForm(),
        )
    secret = session.get(ENROLMENT)
    if not isinstance(secret, str) or len(secret) != 32:
        secret = session[ENROLMENT] = second_factor.new_secret()
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = second_factor.enrol(db.session, current_user, secret, form.code.data)
        except ValidationError as exc:
            show_error(form, exc)
        else:
            session.pop(ENROLMENT, None)
            notify(
                current_user,
                _("An authenticator was added to your Clausewise account"),
                _(
                    "An authenticator app was enrolled as the second factor of your Clausewise "
                    "account. If it was not you, reset your password and tell an administrator."
                ),
            )
            flash(_("Your authenticator is set up. Keep the recovery codes safe."), "success")
            return render_template("auth/recovery_codes.html", codes=codes)
    uri = second_factor.provisioning_uri(current_user, secret)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "auth/second_factor_enrol.html",
        form=form,
        secret=secret,
        qr=second_factor.qr_code_data_url(uri),
    ), status


@bp.route("/profile/verify", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["RATE_LIMIT_SIGN_IN"], methods=["POST"])
def verify_second_factor():
    """Enter the code again in a browser that is already signed in (step-up)."""
    if second_factor.enrolment(db.session, current_user) is None:
        return redirect(url_for("account.second_factor_page"))
    form = CodeForm()
    if form.validate_on_submit():
        keys = throttle.keys_for(current_user.email, request.remote_addr)
        wait = throttle.retry_after(db.session, keys)
        if wait:
            return throttled_response(wait)
        if second_factor.verify(db.session, current_user, form.code.data):
            throttle.succeed(db.session, keys[0])
            sessions.mark_second_factor(db.session, current_user)
            flash(_("Code accepted: your staff roles are active in this browser."), "success")
            return redirect(url_for("auth.profile"))
        throttle.fail(db.session, keys)
        service.record_failed_code(db.session, current_user)
        db.session.commit()
        form.code.errors = [_("That code is not right. Enter the code your app shows now.")]
        return render_template("auth/verify.html", form=form), 401
    status = 422 if form.is_submitted() else 200
    return render_template("auth/verify.html", form=form), status


@bp.post("/profile/second-factor/recovery-codes")
@login_required
def new_recovery_codes():
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = second_factor.regenerate_recovery_codes(
                db.session, current_user, form.code.data
            )
        except ValidationError as exc:
            flash(exc.message, "error")
            return redirect(url_for("account.second_factor_page"))
        return render_template("auth/recovery_codes.html", codes=codes)
    flash(_("Enter a code from your authenticator."), "error")
    return redirect(url_for("account.second_factor_page"))


@bp.post("/profile/second-factor/remove")
@login_required
def remove_second_factor():
    form = RemoveFactorForm()
    if form.validate_on_submit():
        try:
            second_factor.remove_own(db.session, current_user, form.password.data, form.code.data)
        except ValidationError as exc:
            flash(exc.message, "error")
            return redirect(url_for("account.second_factor_page"))
        notify(
            current_user,
            _("The authenticator was removed from your Clausewise account"),
            _(
                "The second factor of your Clausewise account was removed. If it was not you, "
                "reset your password and tell an administrator."
            ),
        )
        flash(_("Your authenticator is removed."), "success")
    else:
        flash(_("Enter your password and a code."), "error")
    return redirect(url_for("account.second_factor_page"))


@bp.post("/admin/users/<int:user_id>/second-factor/reset")
@login_required
def reset_second_factor(user_id: int):
    person = service.get_user(db.session, user_id)
    form = EmptyForm()
    if not form.validate_on_submit():
        raise ValidationError(_("The form has expired. Reload the page and try again."))
    second_factor.reset(db.session, current_user, person)
    notify(
        person,
        _("The second factor of your Clausewise account was reset"),
        _(
            "An administrator removed the authenticator of your Clausewise account. "
            "Sign in and enrol a new one on your profile."
        ),
    )
    flash(_("The second factor is reset; that person's browsers are signed out."), "success")
    return redirect(url_for("auth.user_roles", user_id=person.id))
