"""Dates, times and time zones as every area shows them; anyone may import this module."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

from flask_babel import format_datetime, get_timezone


def utc_iso(value: dt.datetime | None) -> str:
    """Return an aware datetime as ISO 8601 in UTC to the second ('' for None)."""
    return value.astimezone(dt.UTC).isoformat(timespec="seconds") if value else ""


def format_when(value: dt.datetime | None, style: str = "medium") -> str:
    """Show a UTC datetime in the reader's zone, naming the zone."""
    if value is None:
        return ""
    return f"{format_datetime(value, style)} {get_timezone().zone}"


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
