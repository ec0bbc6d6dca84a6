"""Language codes and their names: pure data any layer may import."""

from __future__ import annotations

# The interface languages, each in its own name (a language switch names languages so).
INTERFACE_LANGUAGES = {"en": "English", "fr": "Français", "es": "Español"}

# Languages a comment may be written in: the interface languages first, then the languages
# of the regions an aluminium standard reaches. Shown in the interface language by Babel.
COMMENT_LANGUAGES = ("en", "fr", "es", "pt", "ar", "zh", "id", "ru", "de", "hi", "ms", "sw")


def language_name(code: str, in_language: str | None = None, label: bool = True) -> str:
    """The name of a language in another (default: its own); capitalised for a label.

    In running French or Spanish text language names take no capital (label=False).
    """
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(code).get_display_name(Locale.parse(in_language or code))
    except (ValueError, UnknownLocaleError):
        return code
    name = name or code
    return name[:1].upper() + name[1:] if label else name
