"""Dates, times, zones and numbers as every area shows them; anyone may import this module.

One way per locale, in the reader's zone.

Every template (filters `when`, `day`, `number`, `percent`), mail and message uses these,
so a time reads the same on every page: the locale's medium date and short time, no
seconds, followed by the zone ("12 mars 2026, 14:00 Europe/Paris").
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo

from babel import Locale
from babel import dates as babel_dates
from babel.dates import DateTimePattern, get_datetime_format
from flask_babel import (
    format_date,
    format_decimal,
    format_percent,
    format_time,
    get_locale,
    get_timezone,
)


def utc_iso(value: dt.datetime | None) -> str:
    """Machine-readable UTC time, for <time datetime> and the API."""
    return value.astimezone(dt.UTC).isoformat(timespec="seconds") if value else ""


@functools.lru_cache(maxsize=64)
def _when_patterns(locale: Locale) -> tuple[DateTimePattern, DateTimePattern, str]:
    """The locale's medium date, short time and their joining pattern, parsed once per process
    (locale data never changes while the process runs)."""
    return (
        babel_dates.parse_pattern(babel_dates.get_date_format("medium", locale=locale)),
        babel_dates.parse_pattern(babel_dates.get_time_format("short", locale=locale)),
        str(get_datetime_format("medium", locale=locale)),  # e.g. "{1}, {0}"
    )


class _WhenTexts:
    """A locale's patterns (`_when_patterns`) and the texts already made with them.

    A list page prints a hundred moments, many on the same days and minutes: the text of
    a day, and of a time of day when the time pattern prints no zone (CLDR's short times),
    is kept (bounded; locale data never changes while the process runs).
    """

    __slots__ = ("date", "days", "joined", "locale", "time", "times", "zoneless")

    def __init__(self, locale: Locale) -> None:
        self.locale = locale
        self.date, self.time, self.joined = _when_patterns(locale)
        fields = re.sub(r"'[^']*'", "", self.time.pattern)
        self.zoneless = not any(letter in fields for letter in "zZvVOxXsSA")
        self.days: dict[dt.date, str] = {}
        self.times: dict[tuple[int, int], str] = {}

    def day(self, day: dt.date) -> str:
        text = self.days.get(day)
        if text is None:
            if len(self.days) >= 4096:
                self.days.clear()
            text = self.days[day] = self.date.apply(day, self.locale)
        return text

    def time_of_day(self, local: dt.datetime, reference: dt.date) -> str:
        if not self.zoneless:
            return self.time.apply(local.timetz(), self.locale, reference_date=reference)
        key = (local.hour, local.minute)
        text = self.times.get(key)
        if text is None:
            text = self.times[key] = self.time.apply(dt.time(*key), self.locale)
        return text


@functools.lru_cache(maxsize=64)
def _texts_of(locale: Locale) -> _WhenTexts:
    return _WhenTexts(locale)


# Flask-Babel gives each request its own Locale object, and hashing and comparing one
# (an lru_cache key) cost more than the lookup: the request's object is looked up by id,
# kept beside it so that its id is not reused while it is here.
_BY_OBJECT: dict[int, tuple[Locale, _WhenTexts]] = {}


def _when_texts(locale: Locale) -> _WhenTexts:
    found = _BY_OBJECT.get(id(locale))
    if found is None or found[0] is not locale:
        if len(_BY_OBJECT) >= 256:
            _BY_OBJECT.clear()
        found = _BY_OBJECT[id(locale)] = (locale, _texts_of(locale))
    return found[1]


def format_when(value: dt.datetime | None, zone: bool = True) -> str:
    """A moment in the reader's zone: medium date, short time, and the zone's name.

    A list page prints a hundred of these: the locale's patterns are parsed once per
    process and applied directly, as Flask-Babel's `format_date` and `format_time`
    would (same output, tested), without their per-call lookups.
    """
    if value is None:
        return ""
    locale, tz = get_locale(), get_timezone()
    if locale is None or tz is None:  # outside a request: Flask-Babel's own defaults
        return _format_when_slow(value, zone)
    texts = _when_texts(locale)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    local = tz.normalize(value.astimezone(tz))
    date = texts.day(local.date())
    time = texts.time_of_day(local, value.date())
    text = texts.joined.replace("{1}", date).replace("{0}", time).replace("'", "")
    return f"{text} {tz.zone}" if zone else text


def _format_when_slow(value: dt.datetime, zone: bool = True) -> str:
    date = format_date(value, "medium")  # Flask-Babel moves both into the reader's zone
    time = format_time(value, "short")
    pattern = str(get_datetime_format("medium", locale=get_locale()))  # e.g. "{1}, {0}"
    text = pattern.replace("{1}", date).replace("{0}", time).replace("'", "")
    return f"{text} {get_timezone().zone}" if zone else text


def format_when_in(value: dt.datetime | None, zone_name: str | None) -> str:
    """A moment in a named zone, not the reader's: a mail to someone else reads in theirs."""
    if value is None:
        return ""
    tz = zone(zone_name)
    locale = get_locale()
    local = value.astimezone(tz)
    date = babel_dates.format_date(local.date(), "medium", locale=locale)
    time = babel_dates.format_time(local, "short", tzinfo=tz, locale=locale)
    pattern = str(get_datetime_format("medium", locale=locale))
    text = pattern.replace("{1}", date).replace("{0}", time).replace("'", "")
    return f"{text} {tz.key}"


def format_day(value: dt.datetime | dt.date | None) -> str:
    """A calendar day (for a moment: its day in the reader's zone)."""
    if value is None:
        return ""
    return format_date(value, "medium")


def format_number(value: float | int | None, digits: int = 0) -> str:
    """A number with the locale's separators, rounded to `digits` decimals."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern)


def format_share(value: float | None) -> str:
    """A fraction (0.25) as a percentage in the locale's way ("25 %" in French)."""
    return "" if value is None else format_percent(value)


@functools.cache
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def timezones() -> list[str]:
    """Return the IANA time zone names a person may choose, sorted."""
    return list(_zone_names())


def is_timezone(name: str) -> bool:
    return name == "UTC" or name in _zone_names()


def zone(name: str | None) -> zoneinfo.ZoneInfo:
    """Return the named zone, or UTC for an empty or unknown name."""
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def localize(value: dt.datetime | None, name: str | None) -> dt.datetime | None:
    """Attach a named zone to a naive datetime from a form; None if the name is unknown."""
    if value is None:
        return None
    try:
        return value.replace(tzinfo=zoneinfo.ZoneInfo(name or "UTC"))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def install(jinja_env) -> None:
    jinja_env.filters["when"] = format_when
    # Flask-Babel's own filters, so that every template formats through this module.
    jinja_env.filters["datetimeformat"] = format_when
    jinja_env.filters["dateformat"] = format_day
    jinja_env.filters["day"] = format_day
    jinja_env.filters["number"] = format_number
    jinja_env.filters["share"] = format_share
    jinja_env.globals["utc_iso"] = utc_iso
