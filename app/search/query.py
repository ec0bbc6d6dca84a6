"""What a search asks for and what it returns, independent of the engine."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Filter parameter -> index field. The same names are used in URLs and the API.
FACETS: dict[str, str] = {
    "what": "kind",
    "standard": "standard",
    "version": "version",
    "round": "round",
    "clause": "clause",
    "kind": "clause_kind",
    "group": "stakeholder",
    "type": "comment_type",
    "decision": "decision",
}
MAX_QUERY_CHARS = 300
MAX_ITEMS = 12
MIN_PREFIX = 3
PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 500
# Matches looked at per search: ranked, counted and faceted exactly up to this many;
# beyond it the total and facet counts are lower bounds ("1,000+").
MATCH_CAP = 1000
# Highlight markers: private-use characters, stripped from every indexed text.
MARK_START, MARK_END = "\ue000", "\ue001"
_MARKERS = re.compile(f"[{MARK_START}{MARK_END}]")
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Viewer:
    """Who is searching: the public, or staff who may see the working draft and hidden comments."""

    staff: bool = False


@dataclass(frozen=True)
class Item:
    """One part of a query: a word, a quoted phrase or a prefix (`bauxit*`)."""

    kind: str  # "term" | "phrase" | "prefix"
    text: str
    negated: bool = False
    or_previous: bool = False


@dataclass
class SearchRequest:
    text: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    page: int = 1
    per_page: int = PER_PAGE
    cap: int = MATCH_CAP

    @property
    def items(self) -> list[Item]:
        return parse(self.text)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def clean_text(value: str) -> str:
    """Remove the highlight markers from text about to be indexed or searched."""
    return _MARKERS.sub("", value or "")


def parse(text: str) -> list[Item]:
    """Split a query into words, "phrases", prefix* words, -exclusions and OR."""
    items: list[Item] = []
    pending_or = False
    for match in _TOKEN.finditer(clean_text(text)[:MAX_QUERY_CHARS]):
        dash, phrase, bare = match.groups()
        if bare is not None and bare == "OR":
            pending_or = bool(items)
            continue
        negated = bool(dash)
        if phrase is not None:
            words = _WORD.findall(phrase.lower())
            if not words:
                continue
            item = Item("phrase" if len(words) > 1 else "term", " ".join(words), negated)
        else:
            if bare.startswith("-") and len(bare) > 1:
                negated, bare = True, bare[1:]
            words = _WORD.findall(bare.lower())
            if not words:
                continue
            if bare.endswith("*") and len(words) == 1 and len(words[0]) >= MIN_PREFIX:
                item = Item("prefix", words[0], negated)
            elif len(words) > 1:
                item = Item("phrase", " ".join(words), negated)  # spent-pot-lining
            else:
                item = Item("term", words[0], negated)
        if pending_or and not negated:
            item = Item(item.kind, item.text, item.negated, or_previous=True)
        pending_or = False
        items.append(item)
        if len(items) >= MAX_ITEMS:
            break
    return items


def segments(marked: str) -> list[tuple[str, bool]]:
    """Split engine output with highlight markers into (text, highlighted) pieces.

    Templates escape every piece and wrap the highlighted ones in <mark>: no
    engine-made markup ever reaches the page.
    """
    out: list[tuple[str, bool]] = []
    for i, piece in enumerate(re.split(f"{MARK_START}|{MARK_END}", marked)):
        if piece:
            out.append((piece, i % 2 == 1))
    return out


@dataclass
class Snippet:
    field: str  # "body" | "proposed" | "response" | "heading"
    pieces: list[tuple[str, bool]]


@dataclass
class Hit:
    """A clause of a version (or of the working draft) or a comment, as found."""

    kind: str  # "clause" | "comment"
    key: str
    standard: str  # slug
    version: str  # version id or "working"
    clause_uid: str
    title: str  # clause number and heading
    snippets: list[Snippet] = field(default_factory=list)
    comment_id: int | None = None
    round_id: int | None = None
    receipt: str = ""
    hidden: bool = False
    score: float = 0.0
    version_label: str = ""  # set for links and display
    edition: str = ""  # the publication number, when the version is published


@dataclass
class FacetValue:
    value: str
    count: int
    label: str = ""
    selected: bool = False
    exact: bool = True  # False: at least this many (the matches went past the cap)


@dataclass
class SearchResults:
    request: SearchRequest
    hits: list[Hit]
    total: int
    facets: dict[str, list[FacetValue]]
    suggestion: str | None = None
    exact: bool = True  # False: more than `total` (= the cap) match; the best of those are shown

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.per_page))


def capped_results(
    request: SearchRequest, hits: list[Hit], matched: int, counts: dict[str, list[FacetValue]]
) -> SearchResults:
    """Results from at most cap + 1 matches: past the cap, totals and counts are lower bounds."""
    exact = matched <= request.cap
    if not exact:
        for values in counts.values():
            for value in values:
                value.exact = False
    return SearchResults(request, hits, min(matched, request.cap), counts, exact=exact)
