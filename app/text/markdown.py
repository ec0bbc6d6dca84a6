"""Render untrusted Markdown to safe HTML and to the plain text readers select."""

from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import urlsplit

from markdown_it import MarkdownIt, helpers
from markdown_it.common.utils import unescapeAll
from markdown_it.rules_inline import StateInline
from markupsafe import Markup

ALLOWED_SCHEMES = {"http", "https", "mailto"}
MAX_MARKDOWN_CHARS = 100_000
# Steps the link-label scanner may take per character of the document, plus a floor.
# Ordinary text needs about one step per character inside link text (a few with
# nested brackets); "[[[[…" needs a hundred per character without a bound.
LABEL_STEPS_PER_CHAR = 2
LABEL_STEPS_FLOOR = 2_000
_BUDGET_KEY = "clausewise_label_steps_left"
# Bump whenever render_markdown's output for some input changes (a new rule, another
# markdown-it-py release that renders differently): `flask text rerender` then
# re-renders every stored row whose rendered_with is older (see app/rendering.py).
RENDERER_VERSION = 1


def is_safe_link(url: str) -> bool:
    """Allow http, https and mailto links, and in-page or relative ones."""
    candidate = url.strip()
    # Browsers ignore control characters and whitespace inside schemes.
    compact = "".join(ch for ch in candidate if ch.isprintable() and not ch.isspace())
    scheme = urlsplit(compact).scheme.lower()
    if scheme:
        return scheme in ALLOWED_SCHEMES
    return not compact.startswith("//") and not compact.startswith("\\")


def parse_link_label_bounded(state: StateInline, start: int, disableNested: bool = False) -> int:  # noqa: N803
    """Find the end of the link label opened at start, within the document's step budget.

    markdown-it's scanner walks forward from every "[" to its matching "]" (or to
    the end of the paragraph, or to its nesting limit of 100), so each unmatched
    or deeply nested bracket costs up to a hundred steps and a comment of 10,000
    brackets took seconds. The steps are counted in the render's env; once the
    budget is spent a "[" opens no link and stays text. The count depends only on
    the input, so the same text always renders the same way.
    """
    env = state.env
    if _BUDGET_KEY not in env:  # rendered without render_markdown's env: upstream behaviour
        return helpers.parseLinkLabel(state, start, disableNested)
    old_pos = state.pos
    state.pos = start + 1
    level = 1
    label_end = -1
    while state.pos < state.posMax:
        if env[_BUDGET_KEY] <= 0:
            break
        env[_BUDGET_KEY] -= 1  # nested scans inside skipToken spend from the same budget
        marker = state.src[state.pos]
        if marker == "]":
            level -= 1
            if level == 0:
                label_end = state.pos
                break
        prev_pos = state.pos
        state.md.inline.skipToken(state)
        if marker == "[":
            if prev_pos == state.pos - 1:
                level += 1  # a literal "[", not the start of a nested token
            elif disableNested:
                label_end = -1
                break
    state.pos = old_pos
    return label_end


# Characters a link destination runs over without a decision (CommonMark: not
# space, control, backslash or parenthesis); skipped by the regex engine at once.
_DESTINATION_RUN = re.compile(r"[^\x00-\x20\x7f\\()]+")
# cmark and markdown-it allow 32 nested parentheses in a destination; each "[](" of
# "[]([]([](…" then rescans up to 32 of them. Real links nest two or three.
MAX_DESTINATION_PARENS = 8


def parse_link_destination_bounded(string: str, pos: int, maximum: int):
    """Parse a link destination as markdown-it does, with fewer nested parentheses."""
    if pos >= maximum or string[pos] == "<":
        return helpers.parseLinkDestination(string, pos, maximum)
    start, level = pos, 0
    result = SimpleNamespace(ok=False, pos=0, str="")
    while pos < maximum:
        run = _DESTINATION_RUN.match(string, pos, maximum)
        if run:
            pos = run.end()
            if pos >= maximum:
                break
        char = string[pos]
        if char == " " or char < " " or char == "\x7f":
            break
        if char == "\\" and pos + 1 < maximum:
            if string[pos + 1] == " ":
                break
            pos += 2
            continue
        if char == "(":
            level += 1
            if level > MAX_DESTINATION_PARENS:
                return result
        if char == ")":
            if level == 0:
                break
            level -= 1
        pos += 1
    if start == pos or level != 0:
        return result
    result.str = unescapeAll(string[start:pos])
    result.pos = pos
    result.ok = True
    return result


def _build() -> MarkdownIt:
    md = MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False})
    md.disable("image")
    md.validateLink = is_safe_link  # type: ignore[method-assign]
    md.helpers = SimpleNamespace(  # type: ignore[assignment]
        parseLinkLabel=parse_link_label_bounded,
        parseLinkDestination=parse_link_destination_bounded,
        parseLinkTitle=helpers.parseLinkTitle,
    )

    def link_open(self, tokens, idx, options, env):
        tokens[idx].attrSet("rel", "nofollow ugc noopener")
        return self.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    return md


_md = _build()


def _render_uncached(source: str) -> str:
    budget = LABEL_STEPS_FLOOR + LABEL_STEPS_PER_CHAR * len(source)
    return _md.render(source, {_BUDGET_KEY: budget})


@lru_cache(maxsize=4096)
def _render_cached(source: str) -> str:
    return _render_uncached(source)


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
