from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from app.i18n.names import language_name
from app.translation.service import MAX_BODY, MAX_HEADING, TEXT_LANGUAGES


def text_language_choices() -> list[SelectChoice]:
    return [SelectChoice(code, language_name(code, str(get_locale()))) for code in TEXT_LANGUAGES]


class ImportTranslationForm(FlaskForm):
    language = SelectField(_l("Language of the translation"), choices=text_language_choices)
    source = FileField(
        _l("Translation file"),
        description=_l(
            "Markdown in the standards_src format, with the same clause identifiers "
            "({#RA-1f28}) as the English text. Clauses left out keep their current translation."
        ),
    )
    text = TextAreaField(_l("Or paste its text"), validators=[Length(max=1_000_000)])


class ClauseTranslationForm(FlaskForm):
    heading = StringField(_l("Translated heading"), validators=[Length(max=MAX_HEADING)])
    body = TextAreaField(
        _l("Translated text"),
        validators=[Length(max=MAX_BODY)],
        description=_l("Markdown: *emphasis*, **strong**, lists with -, links."),
    )
