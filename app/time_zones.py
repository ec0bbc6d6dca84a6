"""The time zones a person may pick: real places grouped by region, plus UTC."""

from __future__ import annotations

import functools
import zoneinfo

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

# IANA areas people live in; "Etc/…", "Factory", "localtime", "posixrules" and the
# old aliases ("US/Eastern", "GB", "EST5EDT") are left out: each names no place.
REGIONS = {
    "Africa": _l("Africa"),
    "America": _l("Americas"),
    "Antarctica": _l("Antarctica"),
    "Arctic": _l("Arctic"),
    "Asia": _l("Asia"),
    "Atlantic": _l("Atlantic Ocean"),
    "Australia": _l("Australia"),
    "Europe": _l("Europe"),
    "Indian": _l("Indian Ocean"),
    "Pacific": _l("Pacific Ocean"),
}


@functools.cache
def _zones_by_region() -> dict[str, tuple[str, ...]]:
    names = zoneinfo.available_timezones()
    return {
        region: tuple(sorted(n for n in names if n.startswith(region + "/"))) for region in REGIONS
    }


def offered_zones() -> list[str]:
    """Return every zone name the picker offers, UTC first."""
    return ["UTC", *(name for zones in _zones_by_region().values() for name in zones)]


def place_name(zone: str) -> str:
    """Return the place a zone is named after: "America/Argentina/Buenos_Aires" → "Buenos Aires"."""
    return zone.split("/", 1)[-1].replace("_", " ").replace("/", " – ")


def zone_choices(current: str | None = None) -> list[SelectChoice]:
    """Return the picker's choices: UTC, then each region's places as an optgroup.

    A zone a person chose before the list was narrowed (e.g. "Etc/GMT+3") stays
    offered to them, so saving a profile never changes their zone silently.
    """
    coordinated = str(_l("Coordinated time"))
    choices = [SelectChoice("UTC", "UTC", optgroup=coordinated)]
    if current and current != "UTC" and current not in offered_zones():
        choices.append(SelectChoice(current, current, optgroup=coordinated))
    for region, label in REGIONS.items():
        choices.extend(
            SelectChoice(name, place_name(name), optgroup=str(label))
            for name in _zones_by_region()[region]
        )
    return choices
