from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from app.committee.models import DECISION_LABELS, BallotOutcome, BallotQuestion, VoteChoice
from app.drafting.forms import ClauseFields
from app.forms import BoundedDateTimeLocalField, BoundedIntegerField

QUESTION_LABELS = {
    BallotQuestion.ADOPT: _l("Adopt this version as the final standard"),
    BallotQuestion.ANOTHER_ROUND: _l("Send the draft to another round of consultation"),
    BallotQuestion.OTHER: _l("Another question"),
}
OUTCOME_LABELS = {
    BallotOutcome.CARRIED: _l("Carried"),
    BallotOutcome.FAILED: _l("Failed"),
    BallotOutcome.NO_QUORUM: _l("No quorum"),
}
CHOICE_LABELS = {
    VoteChoice.YES: _l("Yes"),
    VoteChoice.NO: _l("No"),
    VoteChoice.ABSTAIN: _l("Abstain"),
    VoteChoice.RECUSE: _l("Recuse myself"),
}
FRACTION_LABELS = {
    "1/2": _l("one half"),
    "2/3": _l("two thirds"),
    "3/4": _l("three quarters"),
    "3/5": _l("three fifths"),
    "1/3": _l("one third"),
    "1": _l("all"),
}


def _choices(labels: dict):
    return lambda: [SelectChoice(str(k), str(v)) for k, v in labels.items()]


decision_choices = _choices(DECISION_LABELS)


class DispositionForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=decision_choices)
    response = TextAreaField(
        _l("Response"),
        validators=[Length(max=10_000)],
        description=_l("The answer the commenter and the public will read. Markdown."),
    )
    duplicate_of = BoundedIntegerField(
        _l("Duplicate of comment number"),
        validators=[Optional()],
        description=_l("Only for the decision ‘Duplicate’: the number of the comment answered."),
    )
    addressed_by = SelectField(_l("Clause revision that addresses it"), validate_choice=False)


class AgreeForm(FlaskForm):
    pass


class DuplicatesForm(FlaskForm):
    original = BoundedIntegerField(
        _l("Comment number they all duplicate"), validators=[DataRequired()]
    )
    response = TextAreaField(
        _l("Response for all selected comments"), validators=[Length(max=10_000)]
    )


class MeetingForm(FlaskForm):
    """Record proposed dispositions as agreed at a committee meeting."""

    meeting_on = DateField(_l("Date of the meeting"), validators=[Optional()])
    minutes_ref = StringField(
        _l("Minutes reference"),
        validators=[Length(max=120)],
        description=_l("Where the minutes record the decision, for example SC-2027-03, item 4."),
    )


class ReviseForm(ClauseFields, FlaskForm):
    based_on = HiddenField(validators=[DataRequired()])
    decision = SelectField(_l("Decision"), choices=decision_choices)
    response = TextAreaField(_l("Response"), validators=[Length(max=10_000)])


class BallotForm(FlaskForm):
    version = SelectField(_l("Version put to the vote"), validate_choice=False)
    question_kind = SelectField(
        _l("What the ballot decides"),
        choices=_choices(QUESTION_LABELS),
    )
    question = TextAreaField(_l("Question"), validators=[Length(max=2000)])
    closes_at = BoundedDateTimeLocalField(
        _l("Closes at"),
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired()],
        description=_l("In your time zone."),
    )
    quorum = SelectField(
        _l("Quorum: share of eligible voters who must take part"),
        choices=_choices(FRACTION_LABELS),
        default="1/2",
    )
    threshold = SelectField(
        _l("Threshold: share of yes among yes and no votes needed to carry"),
        choices=_choices(FRACTION_LABELS),
        default="2/3",
    )
    justification = TextAreaField(
        _l("Justification"),
        validators=[Length(max=10_000)],
        description=_l(
            "Required for adoption when ISEAL expectations are not met (rounds too short or "
            "too few, comments without an agreed response): why the vote should go ahead. "
            "It is shown on the ballot and on the publication."
        ),
    )


class VoteForm(FlaskForm):
    choice = RadioField(
        _l("Your vote"),
        choices=_choices(CHOICE_LABELS),
        validate_choice=False,
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[Length(max=4000)],
        description=_l("Required when you vote no or recuse yourself."),
    )
