from __future__ import annotations

import time

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
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import second_factor, service, sessions, throttle
from app.auth.account_views import throttled_response
from app.auth.data_views import send_verification
from app.auth.forms import (
    CodeForm,
    EmptyForm,
    ForgotPasswordForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    RoleForm,
    SignInForm,
)
from app.auth.models import PRIVILEGED_ROLES, ROLE_LABELS, Role, User
from app.auth.permissions import require_any_role
from app.errors import ValidationError
from app.extensions import db, limiter
from app.forms import show_error
from app.mail import queue_mail
from app.safe_redirect import safe_next
from app.time_zones import zone_choices

bp = Blueprint("auth", __name__)


def _complete_sign_in(user, *, remember: bool, second_factor: bool) -> None:
    """Start a fresh server-side session for the user (a new cookie: no fixation)."""
    session.clear()
    sessions.start(
        db.session,
        user,
        remember=remember,
        second_factor=second_factor,
        user_agent=request.user_agent.string,
        address=request.remote_addr or "",
    )
    login_user(user, remember=remember)


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATE_LIMIT_SIGN_IN"], methods=["POST"])
def sign_in():
    form = SignInForm()
    if form.validate_on_submit():
        keys = throttle.keys_for(form.email.data, request.remote_addr)
        wait = throttle.retry_after(db.session, keys)
        if wait:
            return throttled_response(wait)
        user = service.authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            next_url = safe_next(request.args.get("next"))
            if second_factor.enrolment(db.session, user) is not None:
                # The account's failures are cleared only once the code is right too:
                # knowing the password must not reset the count of wrong codes.
                session.clear()
                session[PENDING] = {
                    "user": user.id,
                    "remember": bool(form.remember.data),
                    "next": next_url,
                    "at": int(time.time()),
                }
                return redirect(url_for("auth.sign_in_code"))
            throttle.succeed(db.session, keys[0])
            service.record_sign_in(db.session, user, second_factor=False)
            _complete_sign_in(user, remember=form.remember.data, second_factor=False)
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            return redirect(next_url)
        throttle.fail(db.session, keys)
        flash(_("That email and password do not match an account."), "error")
        # Record the failed attempt, but show the form again with 401.
        db.session.commit()
        return render_template("auth/sign_in.html", form=form), 401
    status = 422 if form.is_submitted() else 200
    return render_template("auth/sign_in.html", form=form), status


PENDING = "sign_in_pending"
PENDING_MAX_AGE_S = 300


def _pending_user():
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_MAX_AGE_S:
        return None, None
    user = db.session.get(User, pending.get("user"))
    if user is None or not user.active:
        return None, None
    return user, pending


@bp.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATE_LIMIT_SIGN_IN"], methods=["POST"])
def sign_in_code():
    """Second step of signing in: a code from the authenticator or a recovery code."""
    user, pending = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash(_("Sign in again: the code step has expired."), "error")
        return redirect(url_for("auth.sign_in"))
    form = CodeForm()
    if form.validate_on_submit():
        keys = throttle.keys_for(user.email, request.remote_addr)
        wait = throttle.retry_after(db.session, keys)
        if wait:
            return throttled_response(wait)
        if second_factor.verify(db.session, user, form.code.data):
            throttle.succeed(db.session, keys[0])
            service.record_sign_in(db.session, user, second_factor=True)
            _complete_sign_in(user, remember=pending["remember"], second_factor=True)
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            return redirect(pending["next"])
        throttle.fail(db.session, keys)
        service.record_failed_code(db.session, user)
        db.session.commit()
        form.code.errors = [_("That code is not right. Enter the code your app shows now.")]
        return render_template("auth/sign_in_code.html", form=form), 401
    status = 422 if form.is_submitted() else 200
    return render_template("auth/sign_in_code.html", form=form), status


@bp.post("/sign-out")
def sign_out():
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        sessions.revoke(db.session, current_user.acting_session, "signed out")
    logout_user()
    session.clear()
    flash(_("You are signed out."), "success")
    return redirect(url_for("site.home"))


def _profile_form(form_cls, **kwargs):
    form = form_cls(**kwargs)
    form.timezone.choices = zone_choices(form.timezone.data)
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
                accept_terms=form.accept_terms.data,
                language=str(get_locale()),
            )
        except ValidationError as exc:
            show_error(form, exc)
        else:
            send_verification(user)
            _complete_sign_in(user, remember=False, second_factor=False)
            flash(_("Your account is ready. Welcome, %(name)s.", name=user.name), "success")
            return redirect(safe_next(request.args.get("next")))
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
    if not form.is_submitted() and not current_user.language:
        form.language.data = str(get_locale())
    if form.validate_on_submit():
        try:
            service.update_profile(
                db.session,
                current_user,
                name=form.name.data,
                organisation=form.organisation.data,
                stakeholder_group=form.stakeholder_group.data,
                timezone=form.timezone.data,
                language=form.language.data or None,
            )
        except ValidationError as exc:
            show_error(form, exc)
        else:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("auth.profile"))
    status = 422 if form.is_submitted() else 200
    readiness = None
    if current_user.held_privileged_roles and not current_user.may_act_privileged:
        readiness = service.privileged_readiness(db.session, current_user)
    return render_template("auth/profile.html", form=form, readiness=readiness), status


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
                "auth/user.html",
                person=person,
                form=form,
                role_labels=ROLE_LABELS,
                has_factor=second_factor.enrolment(db.session, person) is not None,
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
            if action != "revoke" and Role(form.role.data) in PRIVILEGED_ROLES:
                flash(
                    _(
                        "%(name)s can act in this role once they sign in with a second factor "
                        "and a password of at least 15 characters; their profile tells them.",
                        name=person.name,
                    ),
                    "success",
                )
        return redirect(url_for("auth.user_roles", user_id=person.id))
    return render_template(
        "auth/user.html",
        person=person,
        form=form,
        role_labels=ROLE_LABELS,
        has_factor=second_factor.enrolment(db.session, person) is not None,
    )
