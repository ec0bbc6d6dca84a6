"""Bring a standard's Markdown source into the working draft, and write it back out."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.audit.service import record
from app.auth.models import Role, User
from app.auth.permissions import require_any_role
from app.drafting import source
from app.drafting.editing import append_revision
from app.drafting.models import Clause, Standard, Version
from app.drafting.service import version_nodes, working_draft
from app.drafting.tree import DraftNode
from app.drafting.validation import clean_clause_fields
from app.errors import ValidationError


@dataclass
class ImportReport:
    standard: Standard
    created: bool
    added: int = 0
    changed: int = 0
    deleted: int = 0
    unchanged: int = 0


def import_source(
    session: Session, actor: User, text: str, filename: str = "<source>"
) -> ImportReport:
    """Make the working draft match a source file; all or nothing (secretariat only)."""
    require_any_role(actor, Role.SECRETARIAT)
    doc = source.parse(text, filename)
    for clause in doc.clauses:
        try:
            clean_clause_fields(
                kind=clause.kind, number=clause.number, heading=clause.heading, body=clause.body
            )
        except ValidationError as exc:
            raise source.SourceError(filename, clause.line, exc.message) from None
    standard = session.scalar(select(Standard).where(Standard.slug == doc.slug))
    created = standard is None
    if standard is None:
        holder = session.scalar(select(Standard).where(Standard.uid_prefix == doc.uid_prefix))
        if holder is not None:
            raise source.SourceError(
                filename,
                doc.key_lines.get("uid-prefix", 1),
                f"uid-prefix {doc.uid_prefix} is already used by the standard "
                f"'{holder.title}' ({holder.slug}): choose another",
            )
        standard = Standard(
            slug=doc.slug,
            title=doc.title,
            summary=doc.summary,
            uid_prefix=doc.uid_prefix,
            created_by_id=actor.id,
        )
        session.add(standard)
        session.flush()
    else:
        if standard.uid_prefix != doc.uid_prefix:
            raise source.SourceError(
                filename,
                doc.key_lines.get("uid-prefix", 1),
                f"uid-prefix {doc.uid_prefix} differs from the standard's {standard.uid_prefix}",
            )
        standard.title, standard.summary = doc.title, doc.summary
    report = ImportReport(standard=standard, created=created)

    uids = [c.uid for c in doc.clauses]
    existing: dict[str, Clause] = {}
    for start in range(0, len(uids), 200):  # bounded IN lists, whatever the standard's size
        existing.update(
            (c.uid, c)
            for c in session.scalars(
                select(Clause)
                .where(Clause.uid.in_(uids[start : start + 200]))
                .options(joinedload(Clause.head))
            )
        )
    for clause in doc.clauses:
        other = existing.get(clause.uid)
        if other is not None and other.standard_id != standard.id:
            holder = session.get_one(Standard, other.standard_id)
            raise source.SourceError(
                filename,
                clause.line,
                f"uid '{clause.uid}' already names a clause of the standard "
                f"'{holder.title}' ({holder.slug}): clause uids are unique across standards",
            )

    current = {n.uid: n for n in working_draft(session, standard)}
    current_siblings: dict[str | None, list[str]] = {}
    uid_of = dict(
        session.execute(
            select(Clause.id, Clause.uid).where(Clause.standard_id == standard.id)
        ).all()
    )
    for node in current.values():
        parent = uid_of.get(node.revision.parent_clause_id or 0)
        current_siblings.setdefault(parent, []).append(node.uid)
    for siblings in current_siblings.values():
        siblings.sort(key=lambda uid: (current[uid].revision.position, uid))
    file_siblings: dict[str | None, list[str]] = {}
    for clause in doc.clauses:
        file_siblings.setdefault(clause.parent_uid, []).append(clause.uid)

    note = f"Imported from {filename}"
    clause_ids: dict[str, int] = {uid: c.id for uid, c in existing.items()}
    for clause in doc.clauses:
        siblings = file_siblings[clause.parent_uid]
        same_order = current_siblings.get(clause.parent_uid) == siblings
        found = current.get(clause.uid)
        position = (
            found.revision.position
            if same_order and found is not None
            else float(siblings.index(clause.uid) + 1)
        )
        values = {
            "kind": clause.kind,
            "number": clause.number,
            "heading": clause.heading,
            "body": clause.body,
            "position": position,
            "deleted": False,
            "parent_clause_id": clause_ids[clause.parent_uid] if clause.parent_uid else None,
        }
        row = existing.get(clause.uid)
        if row is None:
            row = Clause(uid=clause.uid, standard_id=standard.id)
            session.add(row)
            session.flush()
            existing[clause.uid] = row
            clause_ids[clause.uid] = row.id
            append_revision(session, actor, row, message=note, **values)
            report.added += 1
            continue
        head = row.head
        if head is not None and all(getattr(head, k) == v for k, v in values.items()):
            report.unchanged += 1
            continue
        append_revision(session, actor, row, message=note, **values)
        report.changed += 1
    for uid, node in current.items():
        if uid not in clause_ids:
            row = session.get_one(Clause, node.clause_id, options=[joinedload(Clause.head)])
            append_revision(session, actor, row, deleted=True, message=note)
            report.deleted += 1
    record(
        session,
        actor,
        "standard.import",
        standard,
        summary=note,
        added=report.added,
        changed=report.changed,
        deleted=report.deleted,
    )
    return report


def _document(
    standard: Standard, version: Version | None, nodes: list[DraftNode]
) -> source.SourceDocument:
    uid_of = {n.clause_id: n.uid for n in nodes}
    # A frozen version keeps the title and summary it was frozen with.
    described = version or standard
    return source.SourceDocument(
        slug=standard.slug,
        title=described.title,
        summary=described.summary,
        uid_prefix=standard.uid_prefix,
        clauses=[
            source.SourceClause(
                uid=n.uid,
                kind=n.revision.kind,
                number=n.revision.number,
                heading=n.revision.heading,
                depth=n.depth,
                parent_uid=(
                    uid_of.get(n.revision.parent_clause_id) if n.revision.parent_clause_id else None
                ),
                line=0,
                body_lines=n.revision.body.split("\n") if n.revision.body else [],
            )
            for n in nodes
        ],
    )


def export_source(session: Session, standard: Standard, version: Version | None = None) -> str:
    """Write the working draft, or a frozen version, as Markdown source."""
    nodes = version_nodes(session, version) if version else working_draft(session, standard)
    return source.write(_document(standard, version, nodes))
