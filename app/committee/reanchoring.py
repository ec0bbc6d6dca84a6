"""Locate comments made on an earlier draft in a later one; never drop a comment."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup, escape

from app.consultation.models import Comment
from app.drafting.tree import DraftNode
from app.text.anchoring import Anchor, AnchorStatus, locate
from app.text.markdown import plain_text

# A quote shorter than this is too common ("shall") to be looked for in other clauses.
MIN_QUOTE_ELSEWHERE = 12
EXCERPT = 80


@dataclass(frozen=True)
class Placement:
    """Where a comment's passage (or clause) is in the newer text."""

    comment_id: int
    status: AnchorStatus
    uid: str | None = None  # the clause it is in now (None: orphaned or whole draft)
    clause_id: int | None = None
    start: int | None = None
    end: int | None = None
    similarity: float = 0.0
    text: str = ""  # the clause's plain text in the newer version
    elsewhere: bool = False  # found in another clause than the one commented on

    @property
    def passage(self) -> str:
        if self.start is None or self.end is None:
            return ""
        return self.text[self.start : self.end]

    def highlighted(self) -> Markup:
        """Return an excerpt of the new text with the located passage marked."""
        if self.start is None or self.end is None:
            return Markup("")
        lead = max(0, self.start - EXCERPT)
        tail = min(len(self.text), self.end + EXCERPT)
        return Markup('{}{}<mark class="anchor">{}</mark>{}{}').format(
            "…" if lead else "",
            self.text[lead : self.start],
            self.text[self.start : self.end],
            self.text[self.end : tail],
            "…" if tail < len(self.text) else "",
        )


def comment_anchor(comment: Comment) -> Anchor | None:
    if not comment.anchor_exact:
        return None
    return Anchor(
        exact=comment.anchor_exact,
        prefix=comment.anchor_prefix or "",
        suffix=comment.anchor_suffix or "",
        start=comment.anchor_start or 0,
        end=comment.anchor_end or 0,
    )


class Locator:
    """Place many comments in one newer text, reading each clause's plain text once."""

    def __init__(self, nodes: list[DraftNode]) -> None:
        self.nodes = nodes
        self.by_clause = {n.clause_id: n for n in nodes}
        self._texts: dict[int, str] = {}

    def text(self, clause_id: int) -> str:
        if clause_id not in self._texts:
            self._texts[clause_id] = plain_text(self.by_clause[clause_id].revision.body)
        return self._texts[clause_id]

    def place(self, comment: Comment) -> Placement:
        """Place one comment: exact quote, then fuzzy and context matching, then other clauses."""
        if comment.clause_id is None:
            return Placement(comment.id, AnchorStatus.ANCHORED)
        node = self.by_clause.get(comment.clause_id)
        anchor = comment_anchor(comment)
        if anchor is None:
            if node is None:
                return Placement(comment.id, AnchorStatus.ORPHANED)
            return Placement(
                comment.id,
                AnchorStatus.ANCHORED,
                node.uid,
                node.clause_id,
                text=self.text(node.clause_id),
            )
        if node is not None:
            text = self.text(node.clause_id)
            location = locate(anchor, text)
            if location.found:
                return Placement(
                    comment.id,
                    location.status,
                    node.uid,
                    node.clause_id,
                    location.start,
                    location.end,
                    location.similarity,
                    text,
                )
        found = self._elsewhere(anchor, exclude=comment.clause_id)
        if found is not None:
            text = self.text(found.clause_id)
            start = text.find(anchor.exact)
            return Placement(
                comment.id,
                AnchorStatus.MOVED,
                found.uid,
                found.clause_id,
                start,
                start + len(anchor.exact),
                1.0,
                text,
                elsewhere=True,
            )
        return Placement(comment.id, AnchorStatus.ORPHANED)

    def _elsewhere(self, anchor: Anchor, exclude: int) -> DraftNode | None:
        if len(anchor.exact.strip()) < MIN_QUOTE_ELSEWHERE:
            return None
        for node in self.nodes:
            if node.clause_id != exclude and anchor.exact in self.text(node.clause_id):
                return node
        return None

    def place_all(self, comments: Iterable[Comment]) -> dict[int, Placement]:
        return {c.id: self.place(c) for c in comments}


def status_counts(placements: Iterable[Placement]) -> dict[str, int]:
    counts = {str(s): 0 for s in AnchorStatus}
    for p in placements:
        counts[str(p.status)] += 1
    return counts


def mark_passage(text: str, start: int | None, end: int | None) -> Markup:
    """Return the whole text escaped, with one passage marked."""
    if start is None or end is None:
        return escape(text)
    return Markup('{}<mark class="anchor">{}</mark>{}').format(
        text[:start], text[start:end], text[end:]
    )
