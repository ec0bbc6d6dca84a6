from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length

from app.auth.models import ROLE_LABELS, STAKEHOLDER_LABELS, StakeholderGroup
from app.i18n.names import INTERFACE_LANGUAGES


def stakeholder_choices():
    return [SelectChoice(str(k), str(v)) for k, v in STAKEHOLDER_LABELS.items()]


class SignInForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class ProfileFields:
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    organisation = StringField(
        _l("Organisation (optional)"),
        validators=[Length(max=200)],
        description=_l("The organisation you belong to or speak for, if any."),
    )
    stakeholder_group = SelectField(
        _l("Stakeholder group"),
        choices=stakeholder_choices,
        default=StakeholderGroup.INDIVIDUAL.value,
        description=_l("Shown with your comments; change it if you speak for a group."),
    )
    timezone = SelectField(
        _l("Time zone"),
        default="UTC",
        description=_l("Dates and closing times are shown in this zone."),
        render_kw={"data-filterable": _l("Type a city to narrow the list")},
    )


class RegisterForm(ProfileFields, FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=200)],
        description=_l(
            "At least 10 characters, hard to guess: a few unrelated words work well. "
            "Not your name or email address."
        ),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    accept_terms = BooleanField(
        _l("I agree to the terms of participation and the privacy notice"),
    )


class ProfileForm(ProfileFields, FlaskForm):
    language = SelectField(
        _l("Language of the interface"),
        choices=[SelectChoice(code, name) for code, name in INTERFACE_LANGUAGES.items()],
        description=_l("Pages, forms and messages are shown in this language."),
        # Checked by the service; a form sent without the field keeps the current choice.
        validate_choice=False,
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=200)],
        description=_l(
            "At least 10 characters (15 for staff roles), hard to guess: a few unrelated "
            "words work well."
        ),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class RoleForm(FlaskForm):
    role = SelectField(
        _l("Role"), choices=lambda: [SelectChoice(str(k), str(v)) for k, v in ROLE_LABELS.items()]
    )


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that post."""


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=20)],
        description=_l("The six digits your authenticator app shows, or a recovery code."),
    )


class ChangePasswordForm(ResetPasswordForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=200)]
    )


class RemoveFactorForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=200)])
    code = StringField(
        _l("A code from your authenticator or a recovery code"),
        validators=[DataRequired(), Length(max=20)],
    )


class EmailChangeForm(FlaskForm):
    email = EmailField(
        _l("New email address"), validators=[DataRequired(), Email(), Length(max=254)]
    )
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=200)])


class CloseAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=200)])
    confirm = BooleanField(
        _l("I understand that closing my account cannot be undone"),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )


class PageTextForm(FlaskForm):
    body = TextAreaField(_l("Text (Markdown)"), validators=[DataRequired(), Length(max=20000)])
