"""Pure text functions: safe Markdown, plain text, word diffs, three-way merge."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.text.diffing import DELETE, EQUAL, INSERT, render_inline, word_diff
from app.text.markdown import plain_text, render_markdown
from app.text.merge import merge


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<a href='javascript:alert(1)'>x</a>",
        "[x](javascript:alert(1))",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](java\tscript:alert(1))",
        "![img](https://example.org/pixel.png)",
    ],
)
def test_markdown_never_emits_active_content(source):
    html = str(render_markdown(source)).lower()
    assert "<script" not in html and "<img" not in html
    for scheme in ("javascript", "vbscript", "data", "java\tscript"):
        assert f'href="{scheme}' not in html


def test_markdown_keeps_safe_links_and_marks_them():
    html = str(
        render_markdown(
            "See [ISEAL](https://www.isealalliance.org) or [mail](mailto:sec@example.org)."
        )
    )
    assert '<a href="https://www.isealalliance.org" rel="nofollow ugc noopener">' in html
    assert 'href="mailto:sec@example.org"' in html


def test_plain_text_matches_what_the_browser_shows():
    assert plain_text("The Entity shall **not** exceed *6 t*.") == (
        "The Entity shall not exceed 6 t.\n"
    )
    assert plain_text("- one\n- two") == "\none\ntwo\n\n"
    assert plain_text("A &amp; B — é") == "A & B — é\n"


def test_word_diff_works_on_whole_words():
    diffs = word_diff(
        "The Entity shall report every year.", "The Entity shall report every quarter."
    )
    assert (DELETE, "year") in diffs and (INSERT, "quarter") in diffs
    assert str(render_inline(diffs)).count("<del") == 1


def test_word_diff_escapes_html():
    html = str(render_inline(word_diff("a <b>", "a <i>")))
    assert "<b>" not in html and "<i>" not in html and "&lt;" in html


@given(st.text(max_size=80), st.text(max_size=80))
def test_word_diff_reconstructs_both_texts(a, b):
    diffs = word_diff(a, b)
    assert "".join(t for op, t in diffs if op != INSERT) == a
    assert "".join(t for op, t in diffs if op != DELETE) == b
    assert all(op in (EQUAL, INSERT, DELETE) for op, _ in diffs)


def test_merge_combines_separate_changes_and_refuses_overlaps():
    base = "The Entity shall report annually to the board on progress."
    ours = "The Entity shall publicly report annually to the board on progress."
    theirs = "The Entity shall report annually to the board on its progress."
    assert merge(base, ours, theirs).text == (
        "The Entity shall publicly report annually to the board on its progress."
    )
    clash = merge(base, base.replace("annually", "monthly"), base.replace("annually", "weekly"))
    assert clash.conflict and clash.text is None
    assert merge(base, ours, ours).text == ours


@given(st.lists(st.sampled_from(["alpha", "beta", "gamma", "delta", " ", ", "]), max_size=12))
def test_merge_with_one_side_unchanged_takes_the_other(words):
    base = "".join(words)
    other = base + " extra"
    assert merge(base, base, other).text == other
    assert merge(base, other, base).text == other
