from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class PublishForm(FlaskForm):
    version = SelectField(_l("Adopted version"), validate_choice=False)
    number = StringField(
        _l("Edition number"),
        validators=[DataRequired(), Length(max=20)],
        description=_l("Digits separated by dots, like 3.0; a correction takes the next, 3.0.1."),
    )
    effective_on = DateField(
        _l("Effective date"),
        validators=[DataRequired()],
        description=_l("The day the edition takes effect."),
    )
    notes = TextAreaField(
        _l("Release notes"),
        validators=[Length(max=50_000)],
        description=_l("What changed and why, in Markdown. Published with the edition."),
    )
    corrects = SelectField(
        _l("Corrects"),
        validate_choice=False,
        description=_l("For a correction only: the publication it corrects."),
    )
