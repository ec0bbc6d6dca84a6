"""Operations on standards, clauses, revisions and versions."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth.models import Role, User
from app.auth.permissions import is_staff, require_any_role
from app.drafting.models import (
    Clause,
    ClauseKind,
    ClauseRevision,
    Standard,
    Version,
    VersionEntry,
    VersionState,
)
from app.drafting.tree import DraftNode, order_tree
from app.drafting.validation import (
    LABEL,
    MAX_BODY_DEFAULT,
    MAX_MESSAGE,
    SLUG,
    UID_PREFIX,
    clean_clause_fields,
)
from app.errors import Conflict, NotFound, PermissionDenied, ValidationError
from app.search import UpdateKind, queue_update
from app.text.merge import merge

EDITORS = (Role.COMMITTEE, Role.SECRETARIAT)
WORKING = "working"


# --- standards ---------------------------------------------------------------


def create_standard(
    session: Session, actor: User, *, slug: str, title: str, summary: str = "", uid_prefix: str
) -> Standard:
    """Create an empty standard (secretariat only)."""
    require_any_role(actor, Role.SECRETARIAT)
    slug = (slug or "").strip().lower()
    title = " ".join((title or "").split())
    uid_prefix = (uid_prefix or "").strip().upper()
    if not title:
        raise ValidationError(_("Give the standard a title."), field="title")
    if len(title) > 200:
        raise ValidationError(_("The title is too long (200 characters at most)."), field="title")
    if not SLUG.match(slug) or len(slug) > 80:
        raise ValidationError(
            _("The short name may use lower-case letters, digits and hyphens only."), field="slug"
        )
    if not UID_PREFIX.match(uid_prefix):
        raise ValidationError(
            _("The clause prefix is 1 to 8 capital letters or digits, starting with a letter."),
            field="uid_prefix",
        )
    if session.scalar(select(Standard.id).where(Standard.slug == slug)):
        raise ValidationError(_("A standard with this short name already exists."), field="slug")
    if session.scalar(select(Standard.id).where(Standard.uid_prefix == uid_prefix)):
        raise ValidationError(
            _("Another standard already uses this clause prefix."), field="uid_prefix"
        )
    standard = Standard(
        slug=slug,
        title=title,
        summary=(summary or "").strip(),
        uid_prefix=uid_prefix,
        created_by_id=actor.id,
    )
    session.add(standard)
    session.flush()
    record(session, actor, "standard.create", standard, summary=f"Created standard {slug}")
    return standard


def list_standards(session: Session) -> list[Standard]:
    return list(session.scalars(select(Standard).order_by(Standard.title)))


def get_standard(session: Session, slug: str) -> Standard:
    standard = session.scalar(select(Standard).where(Standard.slug == slug))
    if standard is None:
        raise NotFound(_("There is no standard called %(slug)s.", slug=slug))
    return standard


# --- reading drafts ----------------------------------------------------------


def working_draft(session: Session, standard: Standard) -> list[DraftNode]:
    """Return the working draft: every live clause's head revision, in tree order."""
    revisions = session.scalars(
        select(ClauseRevision)
        .join(Clause, Clause.head_revision_id == ClauseRevision.id)
        .where(Clause.standard_id == standard.id)
    ).all()
    return order_tree(list(revisions))


def version_nodes(session: Session, version: Version) -> list[DraftNode]:
    """Return a frozen version's clauses in their frozen order."""
    entries = session.scalars(
        select(VersionEntry)
        .where(VersionEntry.version_id == version.id)
        .order_by(VersionEntry.ordinal)
    ).all()
    return [DraftNode(e.revision, e.depth, e.ordinal) for e in entries]


def get_clause(session: Session, uid: str) -> Clause:
    clause = session.scalar(select(Clause).where(Clause.uid == uid))
    if clause is None:
        raise NotFound(_("There is no clause %(uid)s.", uid=uid))
    return clause


def clause_history(session: Session, clause: Clause) -> list[ClauseRevision]:
    """Return every revision of a clause, newest first."""
    return list(
        session.scalars(
            select(ClauseRevision)
            .where(ClauseRevision.clause_id == clause.id)
            .order_by(ClauseRevision.seq.desc())
        )
    )


def get_revision(session: Session, clause: Clause, seq: int) -> ClauseRevision:
    rev = session.scalar(
        select(ClauseRevision).where(
            ClauseRevision.clause_id == clause.id, ClauseRevision.seq == seq
        )
    )
    if rev is None:
        raise NotFound(_("Clause %(uid)s has no revision %(seq)s.", uid=clause.uid, seq=seq))
    return rev


# --- writing the working draft ------------------------------------------------


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
    return locked


def _append_revision(session: Session, actor: User, clause: Clause, **values) -> ClauseRevision:
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
        clause_id=clause.id,
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


def _check_editor(actor: User) -> None:
    require_any_role(actor, *EDITORS)


def _parent_for(session: Session, standard: Standard, parent_uid: str | None) -> Clause | None:
    if not parent_uid:
        return None
    parent = session.scalar(
        select(Clause).where(Clause.uid == parent_uid, Clause.standard_id == standard.id)
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
    _check_editor(actor)
    clause_kind, number, heading, body = clean_clause_fields(
        kind=kind, number=number, heading=heading, body=body, max_body=max_body
    )
    parent = _parent_for(session, standard, parent_uid)
    siblings = _sibling_positions(session, standard, parent.id if parent else None)
    clause = Clause(uid=uid or _new_uid(session, standard), standard_id=standard.id)
    session.add(clause)
    session.flush()
    revision = _append_revision(
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
    _check_editor(actor)
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
    revision = _append_revision(
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
    _check_editor(actor)
    clause = _lock_clause(session, clause)
    if clause.head is None or clause.head.deleted:
        raise Conflict(_("This clause has been deleted from the working draft."))
    standard = clause.standard
    parent = _parent_for(session, standard, parent_uid)
    if parent is not None:
        nodes = working_draft(session, standard)
        if parent.id == clause.id or parent.id in _descendants(nodes, clause.id):
            raise ValidationError(_("A clause cannot be moved inside itself."), field="parent")
    siblings = _sibling_positions(
        session, standard, parent.id if parent else None, exclude=clause.id
    )
    revision = _append_revision(
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
    _check_editor(actor)
    clause = _lock_clause(session, clause)
    if clause.head is None or clause.head.deleted:
        raise Conflict(_("This clause has already been deleted."))
    nodes = working_draft(session, clause.standard)
    doomed = [clause.id, *sorted(_descendants(nodes, clause.id))]
    note = _message(message, _("Deleted"))
    revisions = []
    for clause_id in doomed:
        target = session.get(Clause, clause_id)
        revisions.append(_append_revision(session, actor, target, deleted=True, message=note))
    record(
        session,
        actor,
        "clause.delete",
        clause,
        object_id=clause.uid,
        summary=f"Deleted {clause.uid} and {len(doomed) - 1} sub-clauses",
        clauses=[session.get(Clause, c).uid for c in doomed],
    )
    return revisions


def renumber(session: Session, actor: User, standard: Standard) -> int:
    """Number clauses by their place in the tree; return how many changed."""
    _check_editor(actor)
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
            clause = session.get(Clause, rev.clause_id)
            _append_revision(session, actor, clause, number=number, message=_("Renumbered"))
            changed += 1
    record(session, actor, "standard.renumber", standard, summary=f"Renumbered {changed} clauses")
    return changed


# --- versions ----------------------------------------------------------------


def freeze(
    session: Session, actor: User, standard: Standard, *, label: str, note: str = ""
) -> Version:
    """Freeze the working draft as a named, immutable version (secretariat only)."""
    require_any_role(actor, Role.SECRETARIAT)
    label = (label or "").strip()
    if not LABEL.match(label) or label == WORKING:
        raise ValidationError(
            _("A version label uses letters, digits, dots and hyphens, like 3.0-draft-1."),
            field="label",
        )
    if session.scalar(
        select(Version.id).where(Version.standard_id == standard.id, Version.label == label)
    ):
        raise ValidationError(
            _("This standard already has a version %(label)s.", label=label), field="label"
        )
    nodes = working_draft(session, standard)
    if not nodes:
        raise ValidationError(_("The working draft is empty: there is nothing to freeze."))
    version = Version(
        standard_id=standard.id,
        label=label,
        note=(note or "").strip(),
        created_by_id=actor.id,
        state=VersionState.FROZEN,
    )
    session.add(version)
    session.flush()
    session.add_all(
        VersionEntry(
            version_id=version.id,
            ordinal=n.ordinal,
            depth=n.depth,
            clause_id=n.clause_id,
            revision_id=n.revision.id,
        )
        for n in nodes
    )
    session.flush()
    queue_update(session, UpdateKind.VERSION, version.id)  # search: a new frozen version
    record(
        session,
        actor,
        "version.freeze",
        version,
        summary=f"Froze {standard.slug} {label}",
        clauses=len(nodes),
    )
    return version


def list_versions(session: Session, standard: Standard) -> list[Version]:
    return list(
        session.scalars(
            select(Version).where(Version.standard_id == standard.id).order_by(Version.id.desc())
        )
    )


def get_version(session: Session, standard: Standard, label: str) -> Version:
    version = session.scalar(
        select(Version).where(Version.standard_id == standard.id, Version.label == label)
    )
    if version is None:
        raise NotFound(_("%(slug)s has no version %(label)s.", slug=standard.slug, label=label))
    return version


def read_version(
    session: Session, viewer: User | None, standard: Standard, label: str
) -> tuple[Version | None, list[DraftNode]]:
    """Return a version and its clauses; the working draft is for staff only."""
    if label == WORKING:
        if not is_staff(viewer):
            raise PermissionDenied(_("The working draft is open to the committee only."))
        return None, working_draft(session, standard)
    version = get_version(session, standard, label)
    return version, version_nodes(session, version)


def clause_count(session: Session, version: Version) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(VersionEntry)
            .where(VersionEntry.version_id == version.id)
        )
        or 0
    )
