"""Language codes and their names: pure data any layer may import."""

from __future__ import annotations

# The interface languages, each in its own name (a language switch names languages so).
INTERFACE_LANGUAGES = {"en": "English", "fr": "Français", "es": "Español"}

# Languages a comment may be written in: the interface languages first, then the languages
# of the regions an aluminium standard reaches. Shown in the interface language by Babel.
COMMENT_LANGUAGES = ("en", "fr", "es", "pt", "ar", "zh", "id", "ru", "de", "hi", "ms", "sw")
