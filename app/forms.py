"""Form plumbing shared by every area's views."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from babel import support
from flask import current_app, flash, has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf import i18n as flask_wtf_i18n
from wtforms import DateTimeLocalField, IntegerField
from wtforms.i18n import messages_path
from wtforms.validators import StopValidation

from app.errors import ValidationError
from app.request_guard import DB_INT_MAX


@lru_cache(maxsize=64)
def _wtforms_catalogue(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def _wtforms_translations() -> support.Translations | None:
    """Flask-WTF's lookup of WTForms' own messages, with each catalogue read once per process.

    Flask-WTF (flask_wtf.i18n._get_translations) reads and parses the catalogue file
    on every request that builds a form: a tenth of a one-step comment post.
    """
    if not has_request_context() or "babel" not in current_app.extensions:
        return None
    return _wtforms_catalogue(str(get_locale()))


flask_wtf_i18n._get_translations = _wtforms_translations

# Dates a round or ballot may name: far enough for any real schedule, and far
# from datetime's limits so converting between time zones cannot overflow.
EARLIEST_YEAR, LATEST_YEAR = 1970, 2999


class BoundedIntegerField(IntegerField):
    """An integer field that refuses numbers no database column can hold."""

    def pre_validate(self, form) -> None:
        if self.data is not None and not -DB_INT_MAX <= self.data <= DB_INT_MAX:
            self.data = None
            raise StopValidation(_l("Give a smaller number."))


class BoundedDateTimeLocalField(DateTimeLocalField):
    """A date and time field limited to the years a schedule can use."""

    def pre_validate(self, form) -> None:
        value: dt.datetime | None = self.data
        if value is not None and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
            self.data = None
            raise StopValidation(
                _l(
                    "Give a date between the years %(low)d and %(high)d.",
                    low=EARLIEST_YEAR,
                    high=LATEST_YEAR,
                )
            )


def show_error(form: FlaskForm, exc: ValidationError) -> None:
    """Attach a service's validation message to its field, or flash it for the page."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "error")
