"""Render untrusted Markdown to safe HTML and to the plain text readers select."""

from __future__ import annotations

from functools import lru_cache
from html.parser import HTMLParser
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_SCHEMES = {"http", "https", "mailto"}
MAX_MARKDOWN_CHARS = 100_000


def is_safe_link(url: str) -> bool:
    """Allow http, https and mailto links, and in-page or relative ones."""
    candidate = url.strip()
    # Browsers ignore control characters and whitespace inside schemes.
    compact = "".join(ch for ch in candidate if ch.isprintable() and not ch.isspace())
    scheme = urlsplit(compact).scheme.lower()
    if scheme:
        return scheme in ALLOWED_SCHEMES
    return not compact.startswith("//") and not compact.startswith("\\")


def _build() -> MarkdownIt:
    md = MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False})
    md.disable("image")
    md.validateLink = is_safe_link  # type: ignore[method-assign]

    def link_open(self, tokens, idx, options, env):
        tokens[idx].attrSet("rel", "nofollow ugc noopener")
        return self.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    return md


_md = _build()


@lru_cache(maxsize=4096)
def _render_cached(source: str) -> str:
    return _md.render(source)


def render_markdown(source: str | None) -> Markup:
    """Render Markdown with raw HTML off and unsafe links refused."""
    if not source:
        return Markup("")
    if len(source) > MAX_MARKDOWN_CHARS:
        source = source[:MAX_MARKDOWN_CHARS]
    return Markup(_render_cached(source))  # noqa: S704 - markdown-it escapes; html is off


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


@lru_cache(maxsize=4096)
def plain_text(source: str | None) -> str:
    """Return the text a browser shows for the rendered Markdown (its textContent)."""
    if not source:
        return ""
    collector = _TextCollector()
    collector.feed(str(render_markdown(source)))
    collector.close()
    return "".join(collector.parts)
