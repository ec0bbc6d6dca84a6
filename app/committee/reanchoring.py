"""Locate comments made on an earlier draft in a later one; never drop a comment."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, object_session

from app.consultation.models import Comment, ConsultationRound, Submission
from app.drafting.models import Clause, ClauseRevision, Version
from app.drafting.tree import DraftNode
from app.loading import ensure_loaded
from app.text.anchoring import Anchor, AnchorStatus, locate, similarity
from app.text.markdown import plain_text

# A quote shorter than this is too common ("shall") to be looked for in other clauses.
MIN_QUOTE_ELSEWHERE = 12
EXCERPT = 80
# A removed clause whose text lives on this alike in a new clause was replaced by it.
MIN_SUCCESSOR_SIMILARITY = 0.85


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
    title: str = ""  # number and heading of the clause it is in now

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
        self._successors: dict[tuple, DraftNode | None] = {}

    def text(self, clause_id: int) -> str:
        if clause_id not in self._texts:
            self._texts[clause_id] = plain_text(self.by_clause[clause_id].revision.body)
        return self._texts[clause_id]

    def _at(self, comment: Comment, node: DraftNode, **found) -> Placement:
        return Placement(
            comment.id,
            uid=node.uid,
            clause_id=node.clause_id,
            text=self.text(node.clause_id),
            title=node.revision.title,
            **found,
        )

    def place(self, comment: Comment) -> Placement:
        """Place one comment: exact quote, then fuzzy and context matching, then other clauses.

        A comment on a clause that is gone follows the clause that replaced it: the one
        whose text is (nearly) the removed clause's text under a new uid.
        """
        if comment.clause_id is None:
            return Placement(comment.id, AnchorStatus.ANCHORED)
        node = self.by_clause.get(comment.clause_id)
        anchor = comment_anchor(comment)
        if node is not None and anchor is None:
            return self._at(comment, node, status=AnchorStatus.ANCHORED)
        if node is not None:
            location = locate(anchor, self.text(node.clause_id))
            if location.found:
                return self._at(
                    comment,
                    node,
                    status=location.status,
                    start=location.start,
                    end=location.end,
                    similarity=location.similarity,
                )
        if anchor is not None:
            found = self._elsewhere(anchor, exclude=comment.clause_id)
            if found is not None:
                start = self.text(found.clause_id).find(anchor.exact)
                return self._at(
                    comment,
                    found,
                    status=AnchorStatus.MOVED,
                    start=start,
                    end=start + len(anchor.exact),
                    similarity=1.0,
                    elsewhere=True,
                )
        successor = self.successor(comment) if node is None else None
        if successor is None:
            return Placement(comment.id, AnchorStatus.ORPHANED)
        if anchor is None:
            return self._at(comment, successor, status=AnchorStatus.MOVED, elsewhere=True)
        location = locate(anchor, self.text(successor.clause_id))
        if not location.found:
            return Placement(comment.id, AnchorStatus.ORPHANED)
        return self._at(
            comment,
            successor,
            status=AnchorStatus.MOVED,
            start=location.start,
            end=location.end,
            similarity=location.similarity,
            elsewhere=True,
        )

    def successor(self, comment: Comment) -> DraftNode | None:
        """Return the clause that took over a removed clause's text, if one did."""
        session = object_session(comment)
        assert session is not None
        if comment.revision_id is None:
            return None
        revision = ensure_loaded(session, comment, "revision").revision
        assert revision is not None
        frozen_at = session.scalar(
            select(Version.created_at)
            .join(ConsultationRound, ConsultationRound.version_id == Version.id)
            .join(Submission, Submission.round_id == ConsultationRound.id)
            .where(Submission.id == comment.submission_id)
        )
        key = (revision.id, frozen_at)
        if key not in self._successors:
            self._successors[key] = self._find_successor(session, revision, frozen_at)
        return self._successors[key]

    def _find_successor(
        self, session: Session, revision: ClauseRevision, frozen_at
    ) -> DraftNode | None:
        """Among clauses new since the commented draft, the one that carries its text on."""
        old = plain_text(revision.body)
        if len(old.strip()) < MIN_QUOTE_ELSEWHERE:
            return None
        # Clauses of the same standard created after the commented draft froze
        # (a standard's new clauses: few, and no list of every clause id).
        holder = aliased(Clause)
        new_ids = set(
            session.scalars(
                select(Clause.id).where(
                    Clause.standard_id
                    == select(holder.standard_id)
                    .where(holder.id == revision.clause_id)
                    .scalar_subquery(),
                    Clause.created_at > frozen_at,
                )
            )
        )
        best, best_score = None, MIN_SUCCESSOR_SIMILARITY
        for node in self.nodes:
            if node.clause_id not in new_ids:
                continue  # it stood beside the removed clause: a sibling, not its successor
            new = self.text(node.clause_id)
            if new == old:
                return node
            if not 0.8 * len(old) <= len(new) <= 1.25 * len(old):
                continue
            score = similarity(old, new)
            if score >= best_score:
                best, best_score = node, score
        return best

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
