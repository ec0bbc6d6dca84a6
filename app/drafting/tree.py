"""Order clause revisions into the tree a reader sees."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

from app.drafting.models import ClauseRevision


@dataclass
class DraftNode:
    revision: ClauseRevision
    depth: int
    ordinal: int

    @property
    def clause_id(self) -> int:
        return self.revision.clause_id

    @property
    def uid(self) -> str:
        return self.revision.clause.uid

    @property
    def title(self) -> str:
        return self.revision.title


class ClauseOutline(NamedTuple):
    """A frozen clause as a clause picker lists it (app.drafting.service.version_outline)."""

    uid: str
    depth: int
    title: str  # number and heading, as ClauseRevision.title


@dataclass(frozen=True, slots=True)
class ClauseReading:
    """A frozen clause as a reader sees it: plain values, no ORM object to build.

    The 600-clause round page lists these (app.drafting.service.version_reading).
    """

    clause_id: int
    uid: str
    depth: int
    kind: str
    number: str
    heading: str
    body_html: str
    title: str  # number and heading, as ClauseRevision.title

    @property
    def revision(self) -> ClauseReading:
        """Itself: the translation macros read `n.revision.heading` of a DraftNode."""
        return self


def order_tree(revisions: list[ClauseRevision]) -> list[DraftNode]:
    """Return live revisions depth first, siblings by position, orphans at the end."""
    live = {rev.clause_id: rev for rev in revisions if not rev.deleted}
    children: dict[int | None, list[ClauseRevision]] = defaultdict(list)
    for rev in live.values():
        parent = rev.parent_clause_id if rev.parent_clause_id in live else None
        children[parent].append(rev)
    for siblings in children.values():
        siblings.sort(key=lambda r: (r.position, r.clause_id))
    nodes: list[DraftNode] = []
    seen: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        stack = [(rev, depth) for rev in reversed(children.get(parent, []))]
        while stack:
            rev, d = stack.pop()
            if rev.clause_id in seen:
                continue
            seen.add(rev.clause_id)
            nodes.append(DraftNode(rev, d, len(nodes)))
            stack.extend((child, d + 1) for child in reversed(children.get(rev.clause_id, [])))

    walk(None, 0)
    return nodes
