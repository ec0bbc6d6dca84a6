"""Three-way merge of concurrent edits, refusing overlapping changes."""

from __future__ import annotations

from dataclasses import dataclass

from app.text.diffing import DELETE, EQUAL, INSERT, word_diff


@dataclass(frozen=True)
class Edit:
    start: int  # offset in the base text
    end: int
    replacement: str


def _edits(base: str, other: str) -> list[Edit]:
    edits: list[Edit] = []
    pos = 0
    pending: Edit | None = None
    for op, text in word_diff(base, other, semantic=False):
        if op == EQUAL:
            if pending:
                edits.append(pending)
                pending = None
            pos += len(text)
            continue
        if pending is None:
            pending = Edit(pos, pos, "")
        if op == DELETE:
            pos += len(text)
            pending = Edit(pending.start, pos, pending.replacement)
        elif op == INSERT:
            pending = Edit(pending.start, pending.end, pending.replacement + text)
    if pending:
        edits.append(pending)
    return edits


def _overlap(a: Edit, b: Edit) -> bool:
    if a.start == b.start:
        return True  # both touch the same point: order would be a guess
    return a.start < b.end and b.start < a.end


@dataclass(frozen=True)
class MergeResult:
    text: str | None
    conflict: bool


def merge(base: str, ours: str, theirs: str) -> MergeResult:
    """Merge two edits of base; text is None when they change the same words."""
    if ours == theirs:
        return MergeResult(ours, False)
    if ours == base:
        return MergeResult(theirs, False)
    if theirs == base:
        return MergeResult(ours, False)
    mine, other = _edits(base, ours), _edits(base, theirs)
    for a in mine:
        for b in other:
            if _overlap(a, b):
                return MergeResult(None, True)
    out = []
    pos = 0
    for edit in sorted(mine + other, key=lambda e: (e.start, e.end)):
        out.append(base[pos : edit.start])
        out.append(edit.replacement)
        pos = edit.end
    out.append(base[pos:])
    return MergeResult("".join(out), False)
