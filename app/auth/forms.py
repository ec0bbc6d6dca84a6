from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
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
    )


class RegisterForm(ProfileFields, FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(min=10, max=200)],
        description=_l("At least 10 characters."),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
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
        validators=[DataRequired(), Length(min=10, max=200)],
        description=_l("At least 10 characters."),
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
