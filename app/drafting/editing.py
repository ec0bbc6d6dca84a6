"""Editing the working draft: add, save (merging concurrent edits), move, delete, renumber."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app.audit.service import record
from app.auth.models import User
from app.auth.permissions import require
from app.drafting.models import Clause, ClauseKind, ClauseRevision, Standard
from app.drafting.permissions import can_edit_draft
from app.drafting.service import working_draft
from app.drafting.tree import DraftNode
from app.drafting.validation import MAX_BODY_DEFAULT, MAX_MESSAGE, clean_clause_fields
from app.errors import Conflict, ValidationError
from app.search.queue import UpdateKind, queue_update
from app.text.merge import merge


@dataclass
class SaveResult:
    revision: ClauseRevision
    merged: bool = False
    unchanged: bool = False


class EditConflict(Conflict):
    """The edit overlaps a change saved since the editor opened the clause."""

    def __init__(
        self, message: str, *, head: ClauseRevision, base: ClauseRevision, fields: list[str]
    ) -> None:
        super().__init__(message)
        self.head = head
        self.base = base
        self.fields = fields


def _new_uid(session: Session, standard: Standard) -> str:
    while True:
        uid = f"{standard.uid_prefix}-{secrets.token_hex(2)}"
        if not session.scalar(select(Clause.id).where(Clause.uid == uid)):
            return uid


def _lock_clause(session: Session, clause: Clause) -> Clause:
    """Take the clause row lock so concurrent saves queue (SQLite's BEGIN IMMEDIATE does it)."""
    locked = session.scalar(
        select(Clause)
        .where(Clause.id == clause.id)
        .with_for_update(of=Clause)
        .execution_options(populate_existing=True)
    )
    assert locked is not None
    # Revisions never change: the one in the session (if any) is the head as stored.
    head = session.get(ClauseRevision, locked.head_revision_id) if locked.head_revision_id else None
    set_committed_value(locked, "head", head)
    return locked


def append_revision(session: Session, actor: User, clause: Clause, **values) -> ClauseRevision:
    """Append a revision after the clause's head."""
    head = None
    if clause.head_revision_id is not None:
        if "head" in inspect(clause).unloaded:
            head = session.get(ClauseRevision, clause.head_revision_id)
        else:
            head = clause.head
    seq = (head.seq + 1) if head else 1
    if head is not None:
        inherited = {
            "kind": head.kind,
            "number": head.number,
            "heading": head.heading,
            "body": head.body,
            "parent_clause_id": head.parent_clause_id,
            "position": head.position,
            "deleted": head.deleted,
        }
        inherited.update(values)
        values = inherited
    revision = ClauseRevision(
        clause=clause,
        seq=seq,
        based_on_id=head.id if head else None,
        author_id=actor.id,
        **values,
    )
    session.add(revision)
    session.flush()
    clause.head_revision_id = revision.id
    clause.head = revision
    session.flush()
    queue_update(session, UpdateKind.CLAUSE, clause.id)  # search: the working draft changed
    return revision


def _parent_for(session: Session, standard: Standard, parent_uid: str | None) -> Clause | None:
    if not parent_uid:
        return None
    parent = session.scalar(
        select(Clause)
        .where(Clause.uid == parent_uid, Clause.standard_id == standard.id)
        .options(joinedload(Clause.head))
    )
    if parent is None or parent.head is None or parent.head.deleted:
        raise ValidationError(
            _("The parent clause %(uid)s is not in this draft.", uid=parent_uid), field="parent"
        )
    return parent


def _sibling_positions(
    session: Session, standard: Standard, parent_id: int | None, exclude: int | None = None
) -> list[tuple[float, int]]:
    nodes = working_draft(session, standard)
    return sorted(
        (n.revision.position, n.clause_id)
        for n in nodes
        if n.revision.parent_clause_id == parent_id and n.clause_id != exclude
    )


def _position_at(siblings: list[tuple[float, int]], index: int | None) -> float:
    """Return a position that puts a clause at index among siblings (None: at the end)."""
    if not siblings:
        return 1.0
    if index is None or index >= len(siblings):
        return siblings[-1][0] + 1.0
    if index <= 0:
        return siblings[0][0] - 1.0
    return (siblings[index - 1][0] + siblings[index][0]) / 2


def add_clause(
    session: Session,
    actor: User,
    standard: Standard,
    *,
    kind: str,
    number: str = "",
    heading: str = "",
    body: str = "",
    parent_uid: str | None = None,
    index: int | None = None,
    message: str = "",
    uid: str | None = None,
    max_body: int = MAX_BODY_DEFAULT,
) -> ClauseRevision:
    """Add a clause to the working draft under a parent, at index among its siblings."""
    require(can_edit_draft(actor))
    clause_kind, number, heading, body = clean_clause_fields(
        kind=kind, number=number, heading=heading, body=body, max_body=max_body
    )
    parent = _parent_for(session, standard, parent_uid)
    siblings = _sibling_positions(session, standard, parent.id if parent else None)
    clause = Clause(uid=uid or _new_uid(session, standard), standard_id=standard.id)
    session.add(clause)
    session.flush()
    revision = append_revision(
        session,
        actor,
        clause,
        kind=clause_kind,
        number=number,
        heading=heading,
        body=body,
        parent_clause_id=parent.id if parent else None,
        position=_position_at(siblings, index),
        message=_message(message, _("Added")),
    )
    record(
        session,
        actor,
        "clause.add",
        clause,
        object_id=clause.uid,
        summary=f"Added {revision.title}",
        revision=revision.seq,
    )
    return revision


def _message(message: str, default: str) -> str:
    message = " ".join((message or "").split())
    if len(message) > MAX_MESSAGE:
        raise ValidationError(
            _("The change note is too long (%(n)d characters at most).", n=MAX_MESSAGE),
            field="message",
        )
    return message or default


def save_clause(
    session: Session,
    actor: User,
    clause: Clause,
    *,
    based_on_id: int,
    kind: str,
    number: str,
    heading: str,
    body: str,
    message: str = "",
    max_body: int = MAX_BODY_DEFAULT,
) -> SaveResult:
    """Save an edit as a new revision, merging it with any non-overlapping concurrent edit."""
    require(can_edit_draft(actor))
    clause_kind, number, heading, body = clean_clause_fields(
        kind=kind, number=number, heading=heading, body=body, max_body=max_body
    )
    message = _message(message, "")
    clause = _lock_clause(session, clause)
    head = clause.head
    if head is None or head.deleted:
        raise Conflict(_("This clause has been deleted from the working draft."))
    base = session.get(ClauseRevision, based_on_id)
    if base is None or base.clause_id != clause.id:
        raise ValidationError(_("The edit is not based on a revision of this clause."))
    mine = {"kind": str(clause_kind), "number": number, "heading": heading, "body": body}
    merged = False
    if base.id != head.id:
        result: dict[str, str] = {}
        conflicts = []
        for name, value in mine.items():
            if name in ("kind", "number"):
                # Atomic fields: a concurrent change wins unless both agree.
                b, t = str(getattr(base, name)), str(getattr(head, name))
                if value == b:
                    result[name] = t
                elif t in (b, value):
                    result[name] = value
                else:
                    conflicts.append(name)
                continue
            outcome = merge(getattr(base, name), value, getattr(head, name))
            if outcome.conflict:
                conflicts.append(name)
            else:
                result[name] = outcome.text or ""
        if conflicts:
            raise EditConflict(
                _(
                    "Someone else changed the same text since you opened this clause. "
                    "Your text is kept below: compare it with theirs and save again."
                ),
                head=head,
                base=base,
                fields=conflicts,
            )
        mine = result
        merged = True
    if all(str(getattr(head, k)) == v for k, v in mine.items()):
        return SaveResult(head, merged=merged, unchanged=True)
    revision = append_revision(
        session, actor, clause, message=message or _("Edited"), merged=merged, **mine
    )
    record(
        session,
        actor,
        "clause.save",
        clause,
        object_id=clause.uid,
        summary=f"Saved {revision.title} (revision {revision.seq})",
        revision=revision.seq,
        merged=merged,
    )
    return SaveResult(revision, merged=merged)


def _descendants(nodes: list[DraftNode], clause_id: int) -> set[int]:
    children: dict[int | None, list[int]] = {}
    for n in nodes:
        children.setdefault(n.revision.parent_clause_id, []).append(n.clause_id)
    found: set[int] = set()
    stack = [clause_id]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def move_clause(
    session: Session,
    actor: User,
    clause: Clause,
    *,
    parent_uid: str | None,
    index: int | None,
    message: str = "",
) -> ClauseRevision:
    """Move a clause (with its sub-clauses) under a new parent at index among its siblings."""
    require(can_edit_draft(actor))
    clause = _lock_clause(session, clause)
    if clause.head is None or clause.head.deleted:
        raise Conflict(_("This clause has been deleted from the working draft."))
    standard = session.get_one(Standard, clause.standard_id)
    parent = _parent_for(session, standard, parent_uid)
    if parent is not None:
        nodes = working_draft(session, standard)
        if parent.id == clause.id or parent.id in _descendants(nodes, clause.id):
            raise ValidationError(_("A clause cannot be moved inside itself."), field="parent")
    siblings = _sibling_positions(
        session, standard, parent.id if parent else None, exclude=clause.id
    )
    revision = append_revision(
        session,
        actor,
        clause,
        parent_clause_id=parent.id if parent else None,
        position=_position_at(siblings, index),
        message=_message(message, _("Moved")),
    )
    record(
        session,
        actor,
        "clause.move",
        clause,
        object_id=clause.uid,
        summary=f"Moved {revision.title}",
        parent=parent_uid,
        index=index,
    )
    return revision


def delete_clause(
    session: Session, actor: User, clause: Clause, *, message: str = ""
) -> list[ClauseRevision]:
    """Delete a clause and its sub-clauses from the working draft; history keeps them."""
    require(can_edit_draft(actor))
    clause = _lock_clause(session, clause)
    if clause.head is None or clause.head.deleted:
        raise Conflict(_("This clause has already been deleted."))
    nodes = working_draft(session, session.get_one(Standard, clause.standard_id))
    doomed = [clause.id, *sorted(_descendants(nodes, clause.id))]
    note = _message(message, _("Deleted"))
    revisions = []
    for clause_id in doomed:
        target = session.get_one(Clause, clause_id)
        revisions.append(append_revision(session, actor, target, deleted=True, message=note))
    record(
        session,
        actor,
        "clause.delete",
        clause,
        object_id=clause.uid,
        summary=f"Deleted {clause.uid} and {len(doomed) - 1} sub-clauses",
        clauses=[session.get_one(Clause, c).uid for c in doomed],
    )
    return revisions


def renumber(session: Session, actor: User, standard: Standard) -> int:
    """Number clauses by their place in the tree; return how many changed."""
    require(can_edit_draft(actor))
    nodes = working_draft(session, standard)
    numbers: dict[int, str] = {}
    counters: dict[int | None, int] = {}
    annexes = 0
    changed = 0
    for node in nodes:
        rev = node.revision
        if rev.kind in (ClauseKind.GUIDANCE, ClauseKind.DEFINITION):
            continue
        parent = rev.parent_clause_id
        parent_number = numbers.get(parent) if parent else None
        if rev.kind == ClauseKind.ANNEX and parent is None:
            annexes += 1
            number = chr(ord("A") + annexes - 1)
        elif parent is not None and not parent_number:
            continue  # under an unnumbered parent (a definitions section): leave it
        else:
            counters[parent] = counters.get(parent, 0) + 1
            number = (
                f"{parent_number}.{counters[parent]}" if parent_number else str(counters[parent])
            )
        numbers[rev.clause_id] = number
        if rev.number != number:
            clause = session.get_one(Clause, rev.clause_id)
            append_revision(session, actor, clause, number=number, message=_("Renumbered"))
            changed += 1
    record(session, actor, "standard.renumber", standard, summary=f"Renumbered {changed} clauses")
    return changed
