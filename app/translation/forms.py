from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from app.i18n.names import language_name
from app.translation.service import MAX_BODY, MAX_HEADING, TEXT_LANGUAGES


def text_language_choices() -> list[SelectChoice]:
    return [SelectChoice(code, language_name(code, str(get_locale()))) for code in TEXT_LANGUAGES]


class ImportTranslationForm(FlaskForm):
    language = SelectField(_l("Language of the translation"), choices=text_language_choices)
    # Clausewise takes no file uploads (app/request_guard.py): the file's text is pasted,
    # or read into this field by static/js/translation.js when a file is chosen.
    text = TextAreaField(
        _l("The translation, in the standards_src format"),
        validators=[Length(max=1_000_000)],
        description=_l(
            "Markdown in the standards_src format, with the same clause identifiers "
            "({#RA-1f28}) as the English text. Clauses left out keep their current translation."
        ),
    )


class ClauseTranslationForm(FlaskForm):
    heading = StringField(_l("Translated heading"), validators=[Length(max=MAX_HEADING)])
    body = TextAreaField(
        _l("Translated text"),
        validators=[Length(max=MAX_BODY)],
        description=_l("Markdown: *emphasis*, **strong**, lists with -, links."),
    )
