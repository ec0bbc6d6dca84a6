"""Round definitions kept as TOML files in consultations/ (`flask rounds load FILE`).

The format, one round per file::

    standard = "responsible-aluminium"   # the standard's short name
    version = "3.0-draft-2"              # a frozen version of that standard
    number = 2                           # optional; the next number if left out
    title = "Second public consultation"
    summary = '''Markdown text.'''       # optional
    opens_at = 2026-11-05T12:00:00Z      # TOML date-times with Z or an offset
    closes_at = 2027-01-14T12:00:00Z
    visibility = "live"                  # "live" or "after-close"; optional, default live
    audiences = "Everyone"               # optional

Files are checked by the same service as the web form, so the same rules and
ISEAL flags apply.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

from sqlalchemy.orm import Session

from app.auth.models import User
from app.consultation import service
from app.consultation.models import ConsultationRound

REQUIRED = {"standard", "version", "title", "opens_at", "closes_at"}
OPTIONAL = {"number", "summary", "visibility", "audiences"}


class RoundFileError(ValueError):
    """A round file that cannot be read; the message names the file and the problem."""


def _datetime(name: str, value, where: str) -> dt.datetime:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise RoundFileError(f"{where}: {name} is not a date-time: {value!r}") from None
    if not isinstance(value, dt.datetime):
        raise RoundFileError(f"{where}: {name} must be a date-time like 2026-11-05T12:00:00Z")
    if value.tzinfo is None:
        raise RoundFileError(
            f"{where}: {name} has no time zone; add Z (UTC) or an offset like +01:00"
        )
    return value


def parse(text: str, where: str = "round file") -> dict:
    """Read a round definition into keyword arguments for service.clean_round."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RoundFileError(f"{where}: not valid TOML ({exc})") from None
    missing = sorted(REQUIRED - data.keys())
    if missing:
        raise RoundFileError(f"{where}: missing {', '.join(missing)}")
    unknown = sorted(data.keys() - REQUIRED - OPTIONAL)
    if unknown:
        raise RoundFileError(f"{where}: unknown keys {', '.join(unknown)}")
    for key in ("standard", "version", "title", "summary", "visibility", "audiences"):
        if key in data and not isinstance(data[key], str):
            raise RoundFileError(f"{where}: {key} must be a string")
    number = data.get("number")
    if number is not None and (not isinstance(number, int) or isinstance(number, bool)):
        raise RoundFileError(f"{where}: number must be a whole number")
    return {
        "standard_slug": data["standard"],
        "version_label": data["version"],
        "number": number,
        "title": data["title"],
        "summary": data.get("summary", ""),
        "opens_at": _datetime("opens_at", data["opens_at"], where),
        "closes_at": _datetime("closes_at", data["closes_at"], where),
        "visibility": data.get("visibility", "live"),
        "audiences": data.get("audiences", ""),
    }


def load(session: Session, actor: User, path: Path) -> ConsultationRound:
    """Create the round a file defines; refuse it as the web form would."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RoundFileError(f"{path}: not UTF-8 text ({exc.reason})") from None
    fields = service.clean_round(session, **parse(text, str(path)))
    return service.create_round(session, actor, fields)
