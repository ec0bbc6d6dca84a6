"""The Markdown renderer's work is bounded whatever the input (issue 10, item 1)."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import helpers

from app.text.markdown import (
    MAX_DESTINATION_PARENS,
    _render_uncached,
    parse_link_destination_bounded,
    render_markdown,
)

# A comment may hold 10,000 characters; every shape is cut to that size.
SIZE = 10_000
BUDGET_SECONDS = 0.050

# Shapes that made markdown-it-py (or other Markdown parsers) super-linear.
PATHOLOGICAL = {
    "image openers": "![[" * 3300 + " i",
    "nested brackets": "[" * 5000 + "]" * 5000,
    "open brackets": "[" * SIZE,
    "open brackets with text": "[x" * 5000,
    "open bracket then pairs": ("[" + "[a]" * 30) * 100,
    "reference then nesting": "[a]: /u\n\n" + "[" * 4990 + "a" + "]" * 4990,
    "mixed specials": "[*`<&" * 2000,
    "link openers": "[](" * 3300,
    "link openers with parens": "[]((" * 2500,
    "unclosed destinations": "[a](b" * 2000,
    "unclosed titles": '[a](b "' * 1400,
    "angle destinations": "[a](<" * 2000,
    "emphasis runs": "*a" * 5000,
    "strong runs": "**a" * 3300,
    "underscores": "_a " * 3300,
    "strikethrough": "~~a" * 3300,
    "backtick ladder": "".join("`" * i + "a" for i in range(1, 140)),
    "entities": "&#" * 5000,
    "angle brackets": "<a" * 5000,
    "nested quotes": "> " * 5000,
    "nested lists": "- " * 5000,
    "quote list": "> - " * 2500,
    "table": "|a" * 1600 + "\n" + "|-" * 1600 + "\n" + "|a" * 1600,
    "table rows": "|a|b|\n|-|-|\n" + "|x|y|\n" * 1600,
    "setext": "a\n=\n" * 2500,
    "reference definitions": "[a]: b\n" * 1400,
    "escapes": "\\" * SIZE,
    "brackets and escapes": "[\\" * 5000,
    "closers": "]" * SIZE,
    "pairs": "[]" * 5000,
}


def _cpu(source: str, runs: int = 3, enough: float = 0.0) -> float:
    """Best of a few CPU times, so a busy machine does not make the test flake."""
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        _render_uncached(source)
        best = min(best, time.process_time() - start)
        if best < enough:
            break
    return best


def _within_budget(source: str) -> bool:
    return _cpu(source, enough=BUDGET_SECONDS / 2) < BUDGET_SECONDS


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_shapes_render_within_budget(name):
    source = PATHOLOGICAL[name][:SIZE]
    assert _within_budget(source), name


@pytest.mark.parametrize(
    "unit",
    ["[", "![[", "[x", "[" + "[a]" * 30, "[*`<&", "[]((", "[a](b"],
)
def test_work_grows_linearly(unit):
    """Doubling the input must not do (much) more than double the work."""
    small = unit * (4000 // len(unit))
    large = unit * (8000 // len(unit))
    # Quadratic growth gives a ratio of about 4; allow noise well below that.
    assert _cpu(large) < 3 * _cpu(small) + 0.005


def test_ordinary_links_still_render():
    html = str(render_markdown("See [the clause](https://example.org/c) and [x [nested]](/y)."))
    assert '<a href="https://example.org/c" rel="nofollow ugc noopener">the clause</a>' in html
    assert '<a href="/y" rel="nofollow ugc noopener">x [nested]</a>' in html


def test_long_document_with_many_links_keeps_every_link():
    source = "\n\n".join(
        f"Paragraph {i} cites [source {i}](https://example.org/{i})." for i in range(300)
    )
    assert str(render_markdown(source)).count("<a href=") == 300


def test_neutralised_brackets_stay_as_text():
    html = str(render_markdown("[" * 5000 + "]" * 5000))
    assert html.count("[") == 5000 and html.count("]") == 5000


markdown_alphabet = st.sampled_from(list("[]()!<>*_`~\\&#|-=: \n>ax\"'"))
# Random shapes include thousands of tiny blocks ("#\n" * 5000), which markdown-it
# renders in linear time but at ~10 µs a block: judge them by growth (a quadratic
# shape quadruples when the input doubles), with an absolute cap generous enough for
# a loaded shared machine (the quadratic shapes of the finding took seconds).
FUZZ_CAP_SECONDS = 0.500


def _grows_linearly(source_of) -> bool:
    small, large = source_of(SIZE // 2), source_of(SIZE)
    large_cpu = _cpu(large, enough=BUDGET_SECONDS / 2)
    if large_cpu < BUDGET_SECONDS / 2:
        return True
    return large_cpu < min(FUZZ_CAP_SECONDS, 3 * _cpu(small) + 0.010)


@settings(max_examples=40, deadline=None)
@given(unit=st.text(markdown_alphabet, min_size=1, max_size=6))
def test_fuzzed_repetitions_render_in_linear_time(unit):
    assert _grows_linearly(lambda size: unit * (size // len(unit))), repr(unit)


@settings(max_examples=25, deadline=None)
@given(
    head=st.text(markdown_alphabet, max_size=8),
    unit=st.text(markdown_alphabet, min_size=1, max_size=4),
    tail=st.text(markdown_alphabet, max_size=8),
)
def test_fuzzed_nestings_render_in_linear_time(head, unit, tail):
    def source_of(size: int) -> str:
        half = size // 2 // (len(head) + len(unit) + len(tail))
        return ((head + unit) * half + tail * half)[:size]

    assert _grows_linearly(source_of), repr((head, unit, tail))


@settings(max_examples=300, deadline=None)
@given(
    source=st.text(st.sampled_from(list("ab()<>\\ \n\t\x7f:/")), max_size=40),
    start=st.integers(0, 40),
)
def test_bounded_destination_parser_agrees_with_markdown_it(source, start):
    """Same result as upstream whenever parentheses nest no deeper than our limit."""
    start = min(start, len(source))
    if source.count("(") > MAX_DESTINATION_PARENS:
        return
    ours = parse_link_destination_bounded(source, start, len(source))
    theirs = helpers.parseLinkDestination(source, start, len(source))
    assert (ours.ok, ours.pos, ours.str) == (theirs.ok, theirs.pos, theirs.str) or (
        not ours.ok and not theirs.ok
    )


def test_deeply_parenthesised_destination_is_text():
    nested = "(" * (MAX_DESTINATION_PARENS + 1) + ")" * (MAX_DESTINATION_PARENS + 1)
    assert "<a " not in str(render_markdown(f"[x](/a{nested})"))
    assert '<a href="/a(b(c))"' in str(render_markdown("[x](/a(b(c)))"))
