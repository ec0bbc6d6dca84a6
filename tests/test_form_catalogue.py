"""WTForms' own messages: translated, and their catalogue read once per process, not per request."""

from __future__ import annotations

from babel import support
from flask_babel import force_locale
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from app import forms


class _Form(FlaskForm):
    class Meta:
        csrf = False

    name = StringField("Name", validators=[DataRequired()])


def _error(app, locale: str) -> str:
    with app.test_request_context(method="POST", data={"name": ""}), force_locale(locale):
        form = _Form()
        assert not form.validate()
        return form.name.errors[0]


def test_wtforms_messages_follow_the_locale_and_the_catalogue_is_read_once(app, monkeypatch):
    forms._wtforms_catalogue.cache_clear()
    reads = []
    load = support.Translations.load

    def counting(*args, **kwargs):
        reads.append(args)
        return load(*args, **kwargs)

    monkeypatch.setattr(support.Translations, "load", counting)
    english = _error(app, "en")
    french = [_error(app, "fr") for _ in range(3)]
    assert english == "This field is required."
    assert french == ["Ce champ est requis."] * 3
    assert len(reads) == 2  # English once, French once, for four requests
