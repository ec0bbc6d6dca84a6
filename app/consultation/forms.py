from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from app.auth.models import STAKEHOLDER_LABELS
from app.consultation.models import (
    COMMENT_TYPE_LABELS,
    SUBMISSION_KIND_LABELS,
    CommentVisibility,
)
from app.forms import BoundedDateTimeLocalField, BoundedIntegerField
from app.i18n.names import COMMENT_LANGUAGES, language_name

# Server-side limits are enforced by the service (from the settings); these
# only stop absurd input before it gets that far.
_LONG = Length(max=200_000)


def choices(pairs, lang: str | None = None) -> list[SelectChoice]:
    """Turn (value, label) pairs into WTForms choices; `lang` marks labels that are content."""
    return [
        SelectChoice(str(value), str(label), render_kw={"lang": lang} if lang and value else {})
        for value, label in pairs
    ]


def comment_language_choices():
    locale = str(get_locale())
    return choices((code, language_name(code, locale)) for code in COMMENT_LANGUAGES)


def comment_type_choices():
    return choices(COMMENT_TYPE_LABELS.items())


def stakeholder_choices(blank: str = ""):
    return [("", blank)] + [(str(k), str(v)) for k, v in STAKEHOLDER_LABELS.items()]


class RoundForm(FlaskForm):
    version = SelectField(
        _l("Frozen version"),
        validate_choice=False,
        description=_l("The draft that will be put out for comment."),
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(
        _l("Summary"),
        validators=[Length(max=5000)],
        description=_l("What the round is about and what feedback is sought. Markdown."),
    )
    number = BoundedIntegerField(
        _l("Round number"),
        validators=[Optional()],
        description=_l("Leave empty for the next number."),
    )
    opens_at = BoundedDateTimeLocalField(
        _l("Opens"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()]
    )
    closes_at = BoundedDateTimeLocalField(
        _l("Closes"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()]
    )
    timezone = SelectField(
        _l("Time zone of these times"),
        validate_choice=False,
        render_kw={"data-filterable": _l("Type a city to narrow the list")},
    )
    visibility = RadioField(
        _l("Comments are shown"),
        choices=lambda: choices(
            [
                (CommentVisibility.LIVE, _l("publicly as soon as they are submitted")),
                (CommentVisibility.AFTER_CLOSE, _l("publicly only after the round closes")),
            ]
        ),
        default=str(CommentVisibility.LIVE),
    )
    audiences = StringField(
        _l("Audiences"),
        validators=[Length(max=500)],
        description=_l("Who the round is meant to reach (optional)."),
    )


class CommentForm(FlaskForm):
    clause_uid = SelectField(_l("Comment on"), validate_choice=False)
    passage = TextAreaField(
        _l("Passage (optional)"),
        validators=[_LONG],
        description=_l(
            "To comment on part of the clause, paste that passage here exactly as "
            "it appears, or select it in the text above."
        ),
    )
    comment_type = SelectField(_l("Type of comment"), choices=comment_type_choices)
    language = SelectField(
        _l("Language of the comment"),
        choices=comment_language_choices,
        validate_choice=False,
        description=_l("Write in the language you are most at ease in; say which it is."),
    )
    body = TextAreaField(
        _l("Your comment"),
        validators=[_LONG],
        description=_l("Markdown: *emphasis*, **strong**, lists with -, links."),
    )
    proposed_change = TextAreaField(
        _l("Proposed change (optional)"),
        validators=[_LONG],
        description=_l("The text you would like instead."),
    )
    anchor_exact = HiddenField()
    anchor_prefix = HiddenField()
    anchor_suffix = HiddenField()
    anchor_start = HiddenField()
    anchor_end = HiddenField()
    drop_anchor = BooleanField(_l("Comment on the whole clause instead (drop this passage)"))
    # "round": the form was sent from the round's page; go back to the clause afterwards.
    return_to = HiddenField()


class SubmissionForm(FlaskForm):
    kind = RadioField(_l("I am submitting"), default="individual", validate_choice=False)
    organisation = StringField(
        _l("Organisation"),
        validators=[Length(max=200)],
        description=_l("Needed when you submit on behalf of an organisation."),
    )
    stakeholder_group = SelectField(
        _l("Stakeholder group of this submission"),
        choices=lambda: choices(STAKEHOLDER_LABELS.items()),
        validate_choice=False,
        description=_l(
            "Shown with your comments. It starts as the group in your profile; change it if "
            "you speak for another group in this submission."
        ),
    )
    consent_publish_name = BooleanField(
        _l("Publish my name (and organisation) with my comments"),
        description=_l(
            "Without this your name is not published: the public sees only your stakeholder "
            "group, or for a formal submission of the Forum, the Forum's name alone."
        ),
    )
    cover_statement = TextAreaField(
        _l("Cover statement"),
        validators=[_LONG],
        description=_l("Required for a formal submission of the Forum; optional otherwise."),
    )

    def set_kinds(self, allow_formal: bool) -> None:
        self.kind.choices = choices(
            (k, v) for k, v in SUBMISSION_KIND_LABELS.items() if allow_formal or k != "formal"
        )


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that post."""


class WithdrawForm(FlaskForm):
    reason = StringField(_l("Why are you withdrawing it? (optional)"), validators=[Length(max=500)])


class ModerationForm(FlaskForm):
    reason = StringField(
        _l("Reason"),
        validators=[Length(max=500)],
        description=_l("Kept in the record and shown to the committee."),
    )
    action = HiddenField(default="hide")


__all__ = [
    "choices",
    "CommentForm",
    "EmptyForm",
    "ModerationForm",
    "RoundForm",
    "SubmissionForm",
    "WithdrawForm",
    "stakeholder_choices",
]


class ScheduleForm(FlaskForm):
    """Extend a round or close it early; the reason is published."""

    action = RadioField(
        _l("Change"),
        choices=lambda: choices(
            [
                ("extend", _l("Extend the round to a later closing time")),
                ("close-early", _l("Close the round now")),
            ]
        ),
        validators=[DataRequired()],
    )
    closes_at = BoundedDateTimeLocalField(
        _l("New closing time (to extend)"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
        description=_l("In your time zone."),
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("Published on the round's page and sent to everyone who commented."),
    )
