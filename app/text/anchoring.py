"""Text anchors in the W3C Web Annotation shape: make, find and re-locate them.

Offsets are on a clause's plain text (app.text.markdown.plain_text), which is the
textContent a browser shows for the rendered clause body.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from diff_match_patch import diff_match_patch

CONTEXT = 32  # characters of prefix and suffix kept with a quote
MAX_QUOTE = 2000
MIN_SIMILARITY = 0.6
# Between an intact prefix and suffix a rewritten quote needs less likeness.
MIN_BRACKET_SIMILARITY = 0.3
CONTEXT_THRESHOLD = 0.25  # bitap error ratio allowed when matching a context
# Weights of the Hypothesis client: quote, prefix, suffix, position.
W_QUOTE, W_PREFIX, W_SUFFIX, W_POSITION = 50, 20, 20, 2


@dataclass(frozen=True)
class Anchor:
    exact: str
    prefix: str
    suffix: str
    start: int
    end: int


class AnchorStatus(StrEnum):
    ANCHORED = "anchored"  # the exact passage is still there
    MOVED = "moved"  # found, but edited or elsewhere
    ORPHANED = "orphaned"  # the passage is gone


@dataclass(frozen=True)
class Location:
    status: AnchorStatus
    start: int | None = None
    end: int | None = None
    similarity: float = 0.0

    @property
    def found(self) -> bool:
        return self.status != AnchorStatus.ORPHANED


class PassageNotFound(ValueError):
    """The passage is not in the text."""


class PassageAmbiguous(ValueError):
    """The passage occurs more than once; more context is needed."""

    def __init__(self, count: int) -> None:
        super().__init__(f"the passage occurs {count} times")
        self.count = count


def make_anchor(text: str, start: int, end: int) -> Anchor:
    """Build an anchor from offsets into text, with context on either side."""
    if not (0 <= start < end <= len(text)):
        raise PassageNotFound(f"offsets {start}-{end} are outside the text")
    return Anchor(
        exact=text[start:end],
        prefix=text[max(0, start - CONTEXT) : start],
        suffix=text[end : end + CONTEXT],
        start=start,
        end=end,
    )


def _fold(text: str) -> tuple[str, list[int]]:
    """Fold case, quotes and whitespace; return the folded text and a map to the original."""
    out: list[str] = []
    index: list[int] = []
    last_space = False
    for i, ch in enumerate(text):
        ch = unicodedata.normalize("NFKC", ch)
        ch = {
            "\u2018": "'",
            "\u2019": "'",
            "\u201c": '"',
            "\u201d": '"',
            "\u2013": "-",
            "\u2014": "-",
        }.get(ch, ch)
        if ch.isspace():
            if last_space:
                continue
            ch = " "
            last_space = True
        else:
            last_space = False
        for c in ch.casefold():
            out.append(c)
            index.append(i)
    index.append(len(text))
    return "".join(out), index


def find_passage(text: str, passage: str) -> Anchor:
    """Find a pasted passage in text: exactly first, then ignoring case, quotes and spacing."""
    passage = passage.strip()
    if not passage:
        raise PassageNotFound("empty passage")
    if len(passage) > MAX_QUOTE:
        raise PassageNotFound("passage too long")
    hits = [m.start() for m in re.finditer(re.escape(passage), text)]
    if len(hits) == 1:
        return make_anchor(text, hits[0], hits[0] + len(passage))
    if len(hits) > 1:
        raise PassageAmbiguous(len(hits))
    folded, index = _fold(text)
    needle, _ = _fold(passage)
    needle = needle.strip()
    hits = [m.start() for m in re.finditer(re.escape(needle), folded)]
    if not hits:
        raise PassageNotFound("passage not in text")
    if len(hits) > 1:
        raise PassageAmbiguous(len(hits))
    start = index[hits[0]]
    end = index[hits[0] + len(needle) - 1] + 1
    return make_anchor(text, start, end)


def check_anchor(
    text: str, exact: str, prefix: str, suffix: str, start: int | None, end: int | None
) -> Anchor:
    """Trust client offsets only if they hold the quote; otherwise locate the quote."""
    if (
        start is not None
        and end is not None
        and 0 <= start < end <= len(text)
        and text[start:end] == exact
    ):
        return make_anchor(text, start, end)
    location = locate(Anchor(exact, prefix or "", suffix or "", start or 0, end or 0), text)
    if location.status != AnchorStatus.ANCHORED or location.start is None or location.end is None:
        raise PassageNotFound("quote not in text")
    return make_anchor(text, location.start, location.end)


def _context_score(text: str, start: int, end: int, anchor: Anchor) -> float:
    score = 0.0
    if anchor.prefix:
        before = text[max(0, start - len(anchor.prefix)) : start]
        score += W_PREFIX * similarity(before, anchor.prefix)
    if anchor.suffix:
        after = text[end : end + len(anchor.suffix)]
        score += W_SUFFIX * similarity(after, anchor.suffix)
    distance = abs(start - anchor.start)
    score += W_POSITION * (1 - min(distance, len(text) or 1) / (len(text) or 1))
    return score


def similarity(a: str, b: str) -> float:
    """Return how alike two texts are, from 0 (nothing shared) to 1 (equal)."""
    if not a and not b:
        return 1.0
    if not a or not b:
        return 0.0
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 0.1
    diffs = dmp.diff_main(a, b, False)
    return 1 - dmp.diff_levenshtein(diffs) / max(len(a), len(b))


def _engine() -> diff_match_patch:
    dmp = diff_match_patch()
    dmp.Match_Threshold = 0.4
    dmp.Match_Distance = 1000
    dmp.Diff_Timeout = 0.2
    return dmp


def _fuzzy(anchor: Anchor, text: str) -> Location:
    """Match the quote's head and tail near the old position (Match_MaxBits is 32)."""
    dmp = _engine()
    bits = dmp.Match_MaxBits
    quote = anchor.exact
    scale = len(text) / max(anchor.end, len(text), 1)
    expected = min(int(anchor.start * scale), len(text))
    if len(quote) <= bits:
        loc = dmp.match_main(text, quote, expected)
        if loc == -1:
            return Location(AnchorStatus.ORPHANED)
        start, end = loc, min(len(text), loc + len(quote))
    else:
        head, tail = quote[:bits], quote[-bits:]
        head_loc = dmp.match_main(text, head, expected)
        tail_loc = dmp.match_main(text, tail, min(len(text), expected + len(quote) - bits))
        if head_loc != -1 and tail_loc != -1 and tail_loc > head_loc:
            start, end = head_loc, tail_loc + bits
        elif head_loc != -1:
            start, end = head_loc, min(len(text), head_loc + len(quote))
        elif tail_loc != -1:
            start, end = max(0, tail_loc + bits - len(quote)), tail_loc + bits
        else:
            return Location(AnchorStatus.ORPHANED)
        if not 0.5 * len(quote) <= end - start <= 1.5 * len(quote):
            return Location(AnchorStatus.ORPHANED)
    start, end = _settle(anchor, text, start, end)
    likeness = similarity(text[start:end], quote)
    if likeness < MIN_SIMILARITY:
        return Location(AnchorStatus.ORPHANED, similarity=likeness)
    return Location(AnchorStatus.MOVED, start, end, likeness)


def _settle(anchor: Anchor, text: str, start: int, end: int) -> tuple[int, int]:
    """Fit a fuzzy match to the edited passage: words inserted at its edges belong to it.

    Bitap gives where the quote's head (or tail) starts, and the end was guessed from the
    old length, which cuts off words added at the end of the passage — the very text that
    changed. The end becomes the place the quote's last character maps to, then the old
    suffix (and the start the old prefix) pulls the edge out over an insertion there.
    """
    quote = anchor.exact
    dmp = _engine()
    window = text[start : start + 2 * len(quote) + CONTEXT]
    diffs = dmp.diff_main(quote, window, False)
    dmp.diff_cleanupSemantic(diffs)
    end = max(end, start + dmp.diff_xIndex(diffs, len(quote) - 1) + 1)
    reach = CONTEXT + len(quote) // 2
    suffix = anchor.suffix[:CONTEXT].strip()
    if suffix:
        found = text.find(suffix, max(start, end - len(quote) // 2), end + reach + len(suffix))
        if found != -1:
            end = found
    prefix = anchor.prefix[-CONTEXT:].strip()
    if prefix:
        found = text.rfind(prefix, max(0, start - reach - len(prefix)), start + len(prefix))
        if found != -1 and found + len(prefix) <= end:
            start = found + len(prefix)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _find_context(text: str, needle: str, expected: int, *, tail: bool) -> int:
    """Return where a context string starts in text, nearest the expected place, or -1."""
    if not needle:
        return -1
    hits: list[int] = []
    begin = text.find(needle)
    while begin != -1 and len(hits) < 200:
        hits.append(begin)
        begin = text.find(needle, begin + 1)
    if hits:
        return min(hits, key=lambda h: abs(h - expected))
    dmp = _engine()
    dmp.Match_Threshold = CONTEXT_THRESHOLD
    bits = dmp.Match_MaxBits
    # The part of the context next to the quote says most about where it stood.
    part = needle[-bits:] if tail else needle[:bits]
    offset = len(needle) - len(part) if tail else 0
    loc = dmp.match_main(text, part, max(0, min(len(text), expected + offset)))
    return -1 if loc == -1 else max(0, loc - offset)


def _bracket(anchor: Anchor, text: str) -> Location:
    """Locate the passage between its old prefix and suffix, when both are still there.

    A quote rewritten beyond fuzzy matching ("within seven days" became "within
    48 hours") is still at the place its context marks; the committee should see
    the new wording there rather than an orphan.
    """
    quote = anchor.exact
    if anchor.prefix:
        p_start = _find_context(text, anchor.prefix, anchor.start - len(anchor.prefix), tail=True)
        if p_start == -1:
            return Location(AnchorStatus.ORPHANED)
        start = p_start + len(anchor.prefix)
    elif anchor.start == 0:
        start = 0  # the quote began the text
    else:
        return Location(AnchorStatus.ORPHANED)
    if anchor.suffix:
        end = _find_context(text[start:], anchor.suffix, len(quote), tail=False)
        if end == -1:
            return Location(AnchorStatus.ORPHANED)
        end += start
    elif anchor.prefix:
        end = len(text)  # the quote ended the text
    else:
        return Location(AnchorStatus.ORPHANED)  # no context at all to go by
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end <= start or end - start > 3 * len(quote) + CONTEXT:
        return Location(AnchorStatus.ORPHANED)
    likeness = similarity(text[start:end], quote)
    if likeness < MIN_BRACKET_SIMILARITY:
        return Location(AnchorStatus.ORPHANED, similarity=likeness)
    return Location(AnchorStatus.MOVED, start, end, likeness)


def locate(anchor: Anchor, text: str) -> Location:
    """Find an anchor's passage in a (possibly newer) text.

    Exact quote first, choosing among repeats by prefix, suffix and position;
    then a bounded fuzzy match of the quote's head and tail near the old place;
    then the stretch between the old prefix and suffix, if both are still there.
    """
    quote = anchor.exact
    if not quote or len(quote) > MAX_QUOTE:
        return Location(AnchorStatus.ORPHANED)
    hits: list[int] = []
    begin = text.find(quote)
    while begin != -1 and len(hits) < 200:
        hits.append(begin)
        begin = text.find(quote, begin + 1)
    if hits:
        best = max(hits, key=lambda s: _context_score(text, s, s + len(quote), anchor))
        return Location(AnchorStatus.ANCHORED, best, best + len(quote), 1.0)
    if not text:
        return Location(AnchorStatus.ORPHANED)
    fuzzy = _fuzzy(anchor, text)
    if fuzzy.found:
        return fuzzy
    bracketed = _bracket(anchor, text)
    if bracketed.found:
        return bracketed
    return Location(AnchorStatus.ORPHANED, similarity=max(fuzzy.similarity, bracketed.similarity))
