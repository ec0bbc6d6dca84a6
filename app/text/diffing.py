"""Word-level diffs with diff-match-patch, rendered with our own markup."""

from __future__ import annotations

import re
from dataclasses import dataclass

from diff_match_patch import diff_match_patch
from markupsafe import Markup, escape

TOKEN = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)
DIFF_TIMEOUT_S = 1.0

EQUAL, INSERT, DELETE = 0, 1, -1


def _engine() -> diff_match_patch:
    dmp = diff_match_patch()
    dmp.Diff_Timeout = DIFF_TIMEOUT_S
    return dmp


def _encode(a: str, b: str) -> tuple[str, str, list[str]]:
    """Map each word token to one private character so dmp diffs words, not letters."""
    vocabulary: dict[str, str] = {}
    tokens: list[str] = []

    def encode(text: str) -> str:
        out = []
        for token in TOKEN.findall(text):
            code = vocabulary.get(token)
            if code is None:
                index = len(tokens)
                # Skip the surrogate range, which Python strings cannot hold alone.
                code = chr(0xE000 + index) if index < 0x1900 else chr(0x10000 + index)
                vocabulary[token] = code
                tokens.append(token)
            out.append(code)
        return "".join(out)

    return encode(a), encode(b), tokens


def _decode(chars: str, tokens: list[str]) -> str:
    out = []
    for ch in chars:
        code = ord(ch)
        index = code - 0xE000 if code < 0x10000 else code - 0x10000
        out.append(tokens[index])
    return "".join(out)


def word_diff(a: str, b: str, *, semantic: bool = True) -> list[tuple[int, str]]:
    """Diff two texts word by word: a list of (op, text) with op -1, 0 or 1."""
    if a == b:
        return [(EQUAL, a)] if a else []
    dmp = _engine()
    ea, eb, tokens = _encode(a, b)
    diffs = dmp.diff_main(ea, eb, False)
    if semantic:
        dmp.diff_cleanupSemantic(diffs)
    return [(op, _decode(text, tokens)) for op, text in diffs]


@dataclass(frozen=True)
class DiffStats:
    inserted_words: int
    deleted_words: int

    @property
    def changed(self) -> bool:
        return bool(self.inserted_words or self.deleted_words)


def diff_stats(diffs: list[tuple[int, str]]) -> DiffStats:
    count = lambda text: len(re.findall(r"\w+", text))  # noqa: E731
    return DiffStats(
        inserted_words=sum(count(t) for op, t in diffs if op == INSERT),
        deleted_words=sum(count(t) for op, t in diffs if op == DELETE),
    )


def render_inline(diffs: list[tuple[int, str]]) -> Markup:
    """Render a diff as one text with <del> and <ins> marks."""
    parts = []
    for op, text in diffs:
        if op == EQUAL:
            parts.append(escape(text))
        elif op == DELETE:
            parts.append(Markup('<del class="diff-del">{}</del>').format(text))
        else:
            parts.append(Markup('<ins class="diff-ins">{}</ins>').format(text))
    return Markup("").join(parts)


def render_side_by_side(diffs: list[tuple[int, str]]) -> tuple[Markup, Markup]:
    """Render a diff as the old text with deletions and the new with insertions."""
    left, right = [], []
    for op, text in diffs:
        if op == EQUAL:
            left.append(escape(text))
            right.append(escape(text))
        elif op == DELETE:
            left.append(Markup('<del class="diff-del">{}</del>').format(text))
        else:
            right.append(Markup('<ins class="diff-ins">{}</ins>').format(text))
    return Markup("").join(left), Markup("").join(right)
