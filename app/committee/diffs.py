"""Compare two versions of a standard clause by clause, matched by uid, and word by word."""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.drafting import service as drafting
from app.drafting.models import Clause, ClauseRevision, Standard, Version, VersionEntry
from app.drafting.permissions import can_read_working_draft
from app.drafting.tree import DraftNode
from app.errors import PermissionDenied, ValidationError
from app.text.diffing import diff_stats, render_inline, render_side_by_side, word_diff

ADDED, REMOVED, MOVED, RENUMBERED, CHANGED, UNCHANGED = (
    "added",
    "removed",
    "moved",
    "renumbered",
    "changed",
    "unchanged",
)
KINDS = (ADDED, REMOVED, MOVED, RENUMBERED, CHANGED, UNCHANGED)
CACHE_SIZE = 32


@dataclass(frozen=True)
class ClauseText:
    """What a clause looked like on one side of a comparison (plain values, cacheable)."""

    uid: str
    number: str
    heading: str
    kind: str
    body: str
    parent_uid: str | None
    revision_id: int

    @property
    def title(self) -> str:
        return " ".join(part for part in (self.number, self.heading) if part)


@dataclass(frozen=True)
class ClauseChange:
    """One clause of the comparison: its two sides, what happened to it, and its diffs."""

    uid: str
    old: ClauseText | None
    new: ClauseText | None
    kinds: frozenset[str]
    inline: Markup = Markup("")
    left: Markup = Markup("")
    right: Markup = Markup("")
    heading_inline: Markup = Markup("")
    inserted_words: int = 0
    deleted_words: int = 0

    @property
    def unchanged(self) -> bool:
        return self.kinds == {UNCHANGED}

    @property
    def ordered_kinds(self) -> list[str]:
        return sorted(self.kinds)

    @property
    def current(self) -> ClauseText:
        return self.new or self.old  # type: ignore[return-value]


@dataclass
class VersionDiff:
    """The comparison of two sides of a standard; entries in reading order of the newer side."""

    old_label: str
    new_label: str
    entries: list[ClauseChange] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, int]:
        counts = dict.fromkeys(KINDS, 0)
        for entry in self.entries:
            for kind in entry.kinds:
                counts[kind] += 1
        return counts

    @property
    def changes(self) -> list[ClauseChange]:
        return [e for e in self.entries if not e.unchanged]

    def entry(self, uid: str) -> ClauseChange | None:
        return next((e for e in self.entries if e.uid == uid), None)


def _texts(nodes: list[DraftNode]) -> list[ClauseText]:
    uid_of = {n.clause_id: n.uid for n in nodes}
    return [
        ClauseText(
            uid=n.uid,
            number=n.revision.number,
            heading=n.revision.heading,
            kind=str(n.revision.kind),
            body=n.revision.body,
            parent_uid=uid_of.get(n.revision.parent_clause_id),
            revision_id=n.revision.id,
        )
        for n in nodes
    ]


def _out_of_order(old_positions: list[int]) -> set[int]:
    """Return the indexes not on a longest increasing run: the clauses that moved."""
    tails: list[int] = []  # tails[k]: index of the smallest tail of an increasing run of k+1
    tail_values: list[int] = []
    previous = [-1] * len(old_positions)
    for i, value in enumerate(old_positions):
        k = bisect.bisect_left(tail_values, value)
        if k > 0:
            previous[i] = tails[k - 1]
        if k == len(tails):
            tails.append(i)
            tail_values.append(value)
        else:
            tails[k] = i
            tail_values[k] = value
    keep: set[int] = set()
    i = tails[-1] if tails else -1
    while i != -1:
        keep.add(i)
        i = previous[i]
    return set(range(len(old_positions))) - keep


def _change(old: ClauseText | None, new: ClauseText | None, moved: bool) -> ClauseChange:
    if old is None or new is None:
        side = old or new
        kinds = frozenset({ADDED if old is None else REMOVED})
        ops = word_diff("" if old is None else side.body, side.body if old is None else "")
        left, right = render_side_by_side(ops)
        stats = diff_stats(ops)
        return ClauseChange(
            side.uid,
            old,
            new,
            kinds,
            render_inline(ops),
            left,
            right,
            inserted_words=stats.inserted_words,
            deleted_words=stats.deleted_words,
        )
    kinds: set[str] = set()
    if moved or old.parent_uid != new.parent_uid:
        kinds.add(MOVED)
    if old.number != new.number:
        kinds.add(RENUMBERED)
    # Equal texts (an unchanged revision) are never word-diffed.
    text_changed = (old.body, old.heading, old.kind) != (new.body, new.heading, new.kind)
    if text_changed:
        kinds.add(CHANGED)
    if not kinds:
        return ClauseChange(new.uid, old, new, frozenset({UNCHANGED}))
    if not text_changed:
        return ClauseChange(new.uid, old, new, frozenset(kinds))
    ops = word_diff(old.body, new.body)
    left, right = render_side_by_side(ops)
    stats = diff_stats(ops)
    return ClauseChange(
        new.uid,
        old,
        new,
        frozenset(kinds),
        render_inline(ops),
        left,
        right,
        render_inline(word_diff(old.heading, new.heading)),
        stats.inserted_words,
        stats.deleted_words,
    )


def diff_texts(
    old_label: str, old: list[ClauseText], new_label: str, new: list[ClauseText]
) -> VersionDiff:
    """Compare two ordered lists of clauses by uid."""
    old_by_uid = {c.uid: c for c in old}
    new_by_uid = {c.uid: c for c in new}
    old_index = {c.uid: i for i, c in enumerate(old)}
    common = [c.uid for c in new if c.uid in old_by_uid]
    moved_idx = _out_of_order([old_index[uid] for uid in common])
    moved = {common[i] for i in moved_idx}
    entries: list[ClauseChange] = []
    # Removed clauses go where they stood: after the clause that preceded them in the old text.
    removed_after: dict[str | None, list[ClauseText]] = {}
    last_kept: str | None = None
    for c in old:
        if c.uid in new_by_uid:
            last_kept = c.uid
        else:
            removed_after.setdefault(last_kept, []).append(c)
    for gone in removed_after.get(None, []):
        entries.append(_change(gone, None, False))
    for c in new:
        entries.append(_change(old_by_uid.get(c.uid), c, c.uid in moved))
        for gone in removed_after.get(c.uid, []):
            entries.append(_change(gone, None, False))
    placed = {e.uid for e in entries}
    # A removed clause whose old neighbour moved away still has to be listed.
    for c in old:
        if c.uid not in placed:
            entries.append(_change(c, None, False))
    return VersionDiff(old_label, new_label, entries)


class _FrozenPairCache:
    """An in-process LRU of comparisons of two frozen versions (they never change)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple[int, int], VersionDiff] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[int, int]) -> VersionDiff | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: tuple[int, int], value: VersionDiff) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.hits = self.misses = 0


frozen_pairs = _FrozenPairCache(CACHE_SIZE)


def _frozen_texts(session: Session, version: Version) -> list[ClauseText]:
    """Read a frozen version's clauses as plain values in one query (no ORM objects)."""
    found = session.execute(
        select(
            Clause.uid,
            ClauseRevision.id,
            ClauseRevision.clause_id,
            ClauseRevision.parent_clause_id,
            ClauseRevision.number,
            ClauseRevision.heading,
            ClauseRevision.kind,
            ClauseRevision.body,
        )
        .select_from(VersionEntry)
        .join(ClauseRevision, VersionEntry.revision_id == ClauseRevision.id)
        .join(Clause, ClauseRevision.clause_id == Clause.id)
        .where(VersionEntry.version_id == version.id)
        .order_by(VersionEntry.ordinal)
    ).all()
    uid_of = {r.clause_id: r.uid for r in found}
    return [
        ClauseText(
            uid=r.uid,
            number=r.number,
            heading=r.heading,
            kind=str(r.kind),
            body=r.body,
            parent_uid=uid_of.get(r.parent_clause_id),
            revision_id=r.id,
        )
        for r in found
    ]


def side_version(
    session: Session, viewer: User | None, standard: Standard, label: str
) -> Version | None:
    """Return the version a comparison names (None for the working draft, staff only)."""
    if label == drafting.WORKING:
        if not can_read_working_draft(viewer, standard):
            raise PermissionDenied(_("Only the committee may compare with the working draft."))
        return None
    return drafting.get_version(session, standard, label)


def side_texts(session: Session, standard: Standard, version: Version | None) -> list[ClauseText]:
    """Return one side of a comparison: a frozen version's clauses, or the working draft's."""
    if version is None:
        return _texts(drafting.working_draft(session, standard))
    return _frozen_texts(session, version)


def compare(
    session: Session, viewer: User | None, standard: Standard, old_label: str, new_label: str
) -> VersionDiff:
    """Compare two versions of a standard (or one and the working draft).

    Two frozen versions never change: their comparison is cached, and looked up
    before any clause is read.
    """
    if not old_label or not new_label:
        raise ValidationError(_("Choose two versions to compare."), field="from")
    old_version = side_version(session, viewer, standard, old_label)
    new_version = side_version(session, viewer, standard, new_label)
    key = None
    if old_version is not None and new_version is not None:
        key = (old_version.id, new_version.id)
        cached = frozen_pairs.get(key)
        if cached is not None:
            return cached
    old = side_texts(session, standard, old_version)
    new = side_texts(session, standard, new_version)
    result = diff_texts(old_label, old, new_label, new)
    if key is not None:
        frozen_pairs.put(key, result)
    return result


def previous_label(versions: list[Version], label: str) -> str | None:
    """Return the label of the version frozen before the given one (versions newest first)."""
    labels = [v.label for v in versions]
    if label == drafting.WORKING:
        return labels[0] if labels else None
    if label in labels and labels.index(label) + 1 < len(labels):
        return labels[labels.index(label) + 1]
    return None
