from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from wtforms import SelectChoice

from app.auth import service
from app.auth.forms import (
    EmptyForm,
    ForgotPasswordForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    RoleForm,
    SignInForm,
)
from app.auth.models import ROLE_LABELS, Role
from app.auth.permissions import require_any_role
from app.errors import ValidationError
from app.extensions import db, limiter
from app.formatting import timezones
from app.forms import show_error
from app.mail import queue_mail

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") and "\\" not in target:
        return target
    return url_for("site.home")


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATE_LIMIT_SIGN_IN"], methods=["POST"])
def sign_in():
    form = SignInForm()
    if form.validate_on_submit():
        user = service.authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            next_url = _safe_next(request.args.get("next"))
            session.clear()
            login_user(user, remember=form.remember.data)
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            return redirect(next_url)
        flash(_("That email and password do not match an account."), "error")
        # Record the failed attempt, but show the form again with 401.
        db.session.commit()
        return render_template("auth/sign_in.html", form=form), 401
    status = 422 if form.is_submitted() else 200
    return render_template("auth/sign_in.html", form=form), status


@bp.post("/sign-out")
def sign_out():
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    logout_user()
    session.clear()
    flash(_("You are signed out."), "success")
    return redirect(url_for("site.home"))


def _profile_form(form_cls, **kwargs):
    form = form_cls(**kwargs)
    form.timezone.choices = [SelectChoice(tz) for tz in timezones()]
    return form


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATE_LIMIT_REGISTER"], methods=["POST"])
def register():
    form = _profile_form(RegisterForm)
    if form.validate_on_submit():
        try:
            user = service.register(
                db.session,
                email=form.email.data,
                password=form.password.data,
                name=form.name.data,
                organisation=form.organisation.data,
                stakeholder_group=form.stakeholder_group.data,
                timezone=form.timezone.data,
            )
        except ValidationError as exc:
            show_error(form, exc)
        else:
            session.clear()
            login_user(user)
            flash(_("Your account is ready. Welcome, %(name)s.", name=user.name), "success")
            return redirect(_safe_next(request.args.get("next")))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATE_LIMIT_SIGN_IN"], methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = service.find_by_email(db.session, form.email.data)
        if user is not None and user.active:
            token = service.password_reset_token(user, current_app.config["SECRET_KEY"])
            link = url_for("auth.reset_password", token=token, _external=True)
            queue_mail(
                db.session,
                to=user.email,
                subject=_("Reset your Clausewise password"),
                body=_(
                    "Someone asked to reset the password of your Clausewise account.\n\n"
                    "To choose a new password, open this link within an hour:\n%(link)s\n\n"
                    "If it was not you, ignore this message.",
                    link=link,
                ),
            )
        # Same answer either way, so the form does not reveal who has an account.
        flash(
            _("If an account uses that address, we have sent it a link to reset the password."),
            "success",
        )
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            service.reset_password(
                db.session, token, form.password.data, current_app.config["SECRET_KEY"]
            )
        except ValidationError as exc:
            show_error(form, exc)
        else:
            flash(_("Your password is changed. Sign in with the new one."), "success")
            return redirect(url_for("auth.sign_in"))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/reset.html", form=form), status


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = _profile_form(ProfileForm, obj=current_user)
    if form.validate_on_submit():
        try:
            service.update_profile(
                db.session,
                current_user,
                name=form.name.data,
                organisation=form.organisation.data,
                stakeholder_group=form.stakeholder_group.data,
                timezone=form.timezone.data,
            )
        except ValidationError as exc:
            show_error(form, exc)
        else:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("auth.profile"))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/profile.html", form=form), status


@bp.get("/admin/users")
@login_required
def users():
    query = request.args.get("q", "")
    people = service.list_users(db.session, current_user, query)
    return render_template("auth/users.html", users=people, q=query, role_labels=ROLE_LABELS)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def user_roles(user_id: int):
    require_any_role(current_user, Role.ADMIN)
    person = service.get_user(db.session, user_id)
    form = RoleForm()
    if form.validate_on_submit():
        action = request.form.get("action")
        try:
            if action == "revoke":
                changed = service.revoke_role(db.session, current_user, person, form.role.data)
            else:
                changed = service.grant_role(db.session, current_user, person, form.role.data)
        except ValidationError as exc:
            flash(exc.message, "error")
            return render_template(
                "auth/user.html", person=person, form=form, role_labels=ROLE_LABELS
            ), 422
        label = ROLE_LABELS[Role(form.role.data)]
        if changed:
            flash(
                (
                    _("Granted: %(role)s.", role=label)
                    if action != "revoke"
                    else _("Revoked: %(role)s.", role=label)
                ),
                "success",
            )
        return redirect(url_for("auth.user_roles", user_id=person.id))
    return render_template("auth/user.html", person=person, form=form, role_labels=ROLE_LABELS)
