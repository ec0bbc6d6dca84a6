"""Decide whether a redirect target taken from the request stays on this site."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import url_for


def _is_same_site_path(target: str) -> bool:
    # Printable ASCII only: browsers drop tabs and newlines inside URLs ("/\t/x" is
    # "//x") and read "\" as "/"; our own paths are ASCII and percent-encoded.
    if not all("\x21" <= ch <= "\x7e" for ch in target) or "\\" in target:
        return False
    # Exactly one leading slash: "//x" and "///x" name another host.
    if not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def is_safe_next(target: str | None) -> bool:
    """Tell whether target is a path on this site, also once percent-decoded."""
    if not target:
        return False
    # A proxy or a later redirect may decode the value once more: "/%2F%2Fx".
    return _is_same_site_path(target) and _is_same_site_path(unquote(target))


def safe_next(target: str | None, default: str | None = None) -> str:
    """Return target if it is a same-site path, else default (the home page)."""
    if is_safe_next(target):
        return target  # type: ignore[return-value]
    return default if default is not None else url_for("site.home")
