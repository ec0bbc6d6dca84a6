"""Refuse hostile input at the edge, before any view reads it: a clear 400, never a 500.

Three rules hold for every request, whatever the route:

- no NUL character in the path, the query, a form field (name or value) or a
  JSON string: PostgreSQL refuses NUL in text columns, and no field of ours
  has a use for one;
- no file parts: Clausewise takes no uploads, and a file sent for a text field
  reached the views as an object they could not read;
- a JSON body must parse (not too deep) and be an object: the only JSON
  endpoints take objects, and Flask-WTF reads a JSON body as form data.

Integers are bounded where they are read: path parameters by the `int`
converter (BoundedIntegerConverter), query parameters by int_arg, form fields
by their validators.
"""

from __future__ import annotations

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

# The range of an INTEGER column on PostgreSQL; SQLite stores up to 2**63 - 1.
DB_INT_MAX = 2**31 - 1


class BoundedIntegerConverter(IntegerConverter):
    """Match only integers an id column can hold; a larger one is a 404, not an overflow."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's parameter name
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)


def int_arg(name: str, default: int = 1, *, minimum: int = 1, maximum: int = DB_INT_MAX) -> int:
    """Read a query parameter as an integer within bounds; 400 if it is not one."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    raw = raw.strip()
    if not raw.isascii() or not raw.lstrip("-").isdigit() or len(raw) > 12:
        raise BadRequest(_("%(name)s must be a whole number.", name=name))
    value = int(raw)
    if not minimum <= value <= maximum:
        raise BadRequest(
            _(
                "%(name)s must be between %(low)d and %(high)d.",
                name=name,
                low=minimum,
                high=maximum,
            )
        )
    return value


def _has_nul(value: object, depth: int = 0) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if depth > 64:
        return False  # deeper than any JSON we accept; refused by the depth rule
    if isinstance(value, dict):
        return any(_has_nul(k, depth + 1) or _has_nul(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v, depth + 1) for v in value)
    return False


def _nul_refused() -> BadRequest:
    return BadRequest(_("The request contains a NUL character, which no field accepts."))


def check_request() -> None:
    """Raise BadRequest for input no view may receive."""
    if "\x00" in request.path:
        raise _nul_refused()
    for key, value in request.args.items(multi=True):
        if "\x00" in key or "\x00" in value:
            raise _nul_refused()
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.is_json:
        _check_json()
        return
    if request.files:
        raise BadRequest(_("Clausewise accepts no file uploads; send the text instead."))
    for key, value in request.form.items(multi=True):
        if "\x00" in key or "\x00" in value:
            raise _nul_refused()


def _check_json() -> None:
    if not request.get_data(cache=True):
        return
    try:
        body = request.get_json(silent=False)
    except RecursionError:
        raise BadRequest(_("The JSON body is nested too deeply.")) from None
    if not isinstance(body, dict):
        raise BadRequest(_("The JSON body must be an object."))
    if _has_nul(body):
        raise _nul_refused()


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(check_request)
