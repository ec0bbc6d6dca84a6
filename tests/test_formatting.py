"""Times read alike on every page: the fast `format_when` says what Flask-Babel would."""

from __future__ import annotations

import datetime as dt

import pytest
import pytz
from flask_babel import (
    _get_current_context,
    force_locale,
    format_date,
    format_time,
    get_locale,
    get_timezone,
)

from app.formatting import format_when

ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"]


def reference(value: dt.datetime, zone: bool = True) -> str:
    """`format_when` as it was written before it cached the locale's patterns."""
    from babel.dates import get_datetime_format

    date = format_date(value, "medium")
    time = format_time(value, "short")
    pattern = str(get_datetime_format("medium", locale=get_locale()))
    text = pattern.replace("{1}", date).replace("{0}", time).replace("'", "")
    return f"{text} {get_timezone().zone}" if zone else text


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_every_locale_and_zone_reads_as_flask_babel_would(app, language):
    # Every 7 hours and some minutes over a year: both DST changes of each zone.
    moments = [
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=h, minutes=h % 60)
        for h in range(0, 24 * 370, 7)
    ]
    moments.append(dt.datetime(2026, 3, 29, 1, 30))  # naive: taken as UTC
    with app.test_request_context("/"), force_locale(language):
        for name in ZONES:
            _get_current_context().babel_tzinfo = pytz.timezone(name)
            for value in moments:
                assert format_when(value) == reference(value)
                assert format_when(value, zone=False) == reference(value, zone=False)
        assert format_when(None) == ""


def test_a_locale_forced_inside_a_request_is_followed(app):
    """Mails to other people are written inside a request, in each person's language."""
    value = dt.datetime(2026, 2, 4, 21, 57, tzinfo=dt.UTC)
    with app.test_request_context("/"):
        _get_current_context().babel_tzinfo = pytz.timezone("Europe/Paris")
        with force_locale("en"):
            assert format_when(value) == "Feb 4, 2026, 10:57\u202fPM Europe/Paris"
        with force_locale("fr"):
            assert format_when(value) == "4 févr. 2026, 22:57 Europe/Paris"
