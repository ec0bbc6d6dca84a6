from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.drafting.models import CLAUSE_KIND_LABELS
from app.forms import BoundedIntegerField


def kind_choices():
    return [SelectChoice(str(k), str(v)) for k, v in CLAUSE_KIND_LABELS.items()]


class StandardForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        _l("Short name"),
        validators=[DataRequired(), Length(max=80)],
        description=_l("Used in addresses: lower-case letters, digits and hyphens."),
    )
    uid_prefix = StringField(
        _l("Clause prefix"),
        validators=[DataRequired(), Length(max=8)],
        description=_l("Starts every clause identifier, e.g. PS for PS-7f3a."),
    )
    summary = TextAreaField(_l("Summary"), validators=[Length(max=2000)])


class ClauseFields:
    kind = SelectField(_l("Kind"), choices=kind_choices)
    number = StringField(
        _l("Number"),
        validators=[Length(max=32)],
        description=_l("Like 4, 4.2 or 4.2.1; leave empty for guidance and definitions."),
    )
    heading = StringField(_l("Heading"), validators=[Length(max=300)])
    body = TextAreaField(
        _l("Text"),
        description=_l(
            "Markdown: *emphasis*, **strong**, lists with -, links [text](https://…). No HTML."
        ),
    )
    message = StringField(
        _l("Change note"),
        validators=[Length(max=500)],
        description=_l("Say briefly what you changed and why; it is kept in the history."),
    )

    def clause_values(self) -> dict:
        """The clause fields as keyword arguments for the drafting service."""
        return {
            "kind": self.kind.data,
            "number": self.number.data,
            "heading": self.heading.data,
            "body": self.body.data,
            "message": self.message.data,
        }


class ClauseEditForm(ClauseFields, FlaskForm):
    based_on = HiddenField(validators=[DataRequired()])


class ClauseAddForm(ClauseFields, FlaskForm):
    parent = SelectField(_l("Place under"), validate_choice=False)
    index = BoundedIntegerField(
        _l("Position among its siblings"),
        validators=[Optional()],
        description=_l("1 for first; leave empty to add it at the end."),
    )


class ClauseMoveForm(FlaskForm):
    parent = SelectField(_l("Move under"), validate_choice=False)
    index = BoundedIntegerField(
        _l("Position among its new siblings"),
        validators=[Optional()],
        description=_l("1 for first; leave empty to put it at the end."),
    )
    message = StringField(_l("Change note"), validators=[Length(max=500)])


class DeleteForm(FlaskForm):
    message = StringField(_l("Why delete it?"), validators=[Length(max=500)])


class FreezeForm(FlaskForm):
    label = StringField(
        _l("Version label"),
        validators=[DataRequired(), Length(max=40)],
        description=_l("For example 3.0-draft-2. It cannot be changed later."),
    )
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])


class SettingsForm(FlaskForm):
    min_round_days = StringField(
        _l("Minimum length of a consultation round, in days"),
        validators=[DataRequired(), Length(max=4)],
        description=_l("The ISEAL Code expects at least 60. Shorter rounds are flagged."),
    )
    min_rounds = StringField(
        _l("Minimum number of consultation rounds before adoption"),
        validators=[DataRequired(), Length(max=2)],
        description=_l(
            "The ISEAL Code expects at least 2. An adoption ballot with fewer is flagged."
        ),
    )
