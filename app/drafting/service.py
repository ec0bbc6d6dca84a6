"""Standards, reading drafts, and freezing versions.

Editing the working draft (clauses and their revisions) is in app.drafting.editing.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session, contains_eager, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app.audit.service import record
from app.auth.models import User
from app.auth.permissions import require
from app.database import utcnow
from app.drafting.models import (
    Clause,
    ClauseRevision,
    Standard,
    Version,
    VersionEntry,
    VersionState,
)
from app.drafting.permissions import (
    can_change_standard_settings,
    can_create_standard,
    can_freeze,
    can_read_working_draft,
)
from app.drafting.tree import ClauseOutline, ClauseReading, DraftNode, order_tree
from app.drafting.validation import (
    LABEL,
    SLUG,
    UID_PREFIX,
)
from app.errors import NotFound, ValidationError
from app.search.queue import UpdateKind, queue_update

WORKING = "working"


# --- standards ---------------------------------------------------------------


def create_standard(
    session: Session, actor: User, *, slug: str, title: str, summary: str = "", uid_prefix: str
) -> Standard:
    """Create an empty standard (secretariat only)."""
    require(can_create_standard(actor))
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


MIN_ROUND_DAYS_RANGE = (1, 365)
MIN_ROUNDS_RANGE = (1, 10)


def _whole_number(value, field: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high or str(value).strip() != str(number):
        raise ValidationError(
            _("Give a whole number from %(low)d to %(high)d.", low=low, high=high), field=field
        )
    return number


def update_iseal_rules(
    session: Session, actor: User, standard: Standard, *, min_round_days, min_rounds
) -> Standard:
    """Set the standard's minimum round length and number of rounds (secretariat only)."""
    require(can_change_standard_settings(actor, standard))
    values = {
        "iseal_min_round_days": _whole_number(
            min_round_days, "min_round_days", *MIN_ROUND_DAYS_RANGE
        ),
        "iseal_min_rounds": _whole_number(min_rounds, "min_rounds", *MIN_ROUNDS_RANGE),
    }
    before = {key: getattr(standard, key) for key in values}
    if before == values:
        return standard
    for key, value in values.items():
        setattr(standard, key, value)
    session.flush()
    record(
        session,
        actor,
        "standard.settings",
        standard,
        summary=(
            f"ISEAL rules of {standard.slug}: rounds of at least "
            f"{values['iseal_min_round_days']} days, at least {values['iseal_min_rounds']} rounds"
        ),
        before=before,
        after=values,
    )
    return standard


# --- reading drafts ----------------------------------------------------------


def working_draft(session: Session, standard: Standard) -> list[DraftNode]:
    """Return the working draft: every live clause's head revision, in tree order."""
    revisions = session.scalars(
        select(ClauseRevision)
        .join(Clause, Clause.head_revision_id == ClauseRevision.id)
        .where(Clause.standard_id == standard.id)
        .options(contains_eager(ClauseRevision.clause), joinedload(ClauseRevision.author))
    ).all()
    return order_tree(list(revisions))


def version_nodes(session: Session, version: Version) -> list[DraftNode]:
    """Return a frozen version's clauses in their frozen order."""
    entries = session.scalars(
        select(VersionEntry)
        .where(VersionEntry.version_id == version.id)
        .order_by(VersionEntry.ordinal)
        .options(joinedload(VersionEntry.revision).joinedload(ClauseRevision.clause))
    ).all()
    return [DraftNode(e.revision, e.depth, e.ordinal) for e in entries]


def version_reading(session: Session, version: Version) -> list[ClauseReading]:
    """Return a frozen version's clauses, in order, as plain rows for reading pages."""
    rows = session.execute(
        select(
            VersionEntry.clause_id,
            Clause.uid,
            VersionEntry.depth,
            ClauseRevision.kind,
            ClauseRevision.number,
            ClauseRevision.heading,
            ClauseRevision.body_html,
        )
        .join(ClauseRevision, ClauseRevision.id == VersionEntry.revision_id)
        .join(Clause, Clause.id == VersionEntry.clause_id)
        .where(VersionEntry.version_id == version.id)
        .order_by(VersionEntry.ordinal)
    )
    return [
        ClauseReading(*row, title=" ".join(part for part in (row.number, row.heading) if part))
        for row in rows
    ]


def version_outline(session: Session, version: Version) -> list[ClauseOutline]:
    """Return a frozen version's clauses, in order, as (uid, depth, title): for clause pickers.

    Three short columns per clause, no body and no ORM object (the record page's
    clause filter lists 600 clauses on every view)."""
    rows = session.execute(
        select(Clause.uid, VersionEntry.depth, ClauseRevision.number, ClauseRevision.heading)
        .join(ClauseRevision, ClauseRevision.id == VersionEntry.revision_id)
        .join(Clause, Clause.id == VersionEntry.clause_id)
        .where(VersionEntry.version_id == version.id)
        .order_by(VersionEntry.ordinal)
    )
    # The title as ClauseRevision.title joins it, without a generator per clause.
    return [
        ClauseOutline(
            uid, depth, f"{number} {heading}" if number and heading else number or heading
        )
        for uid, depth, number, heading in rows
    ]


def get_clause(session: Session, uid: str) -> Clause:
    clause = session.scalar(
        select(Clause)
        .where(Clause.uid == uid)
        .options(
            joinedload(Clause.head).joinedload(ClauseRevision.author),
            joinedload(Clause.standard),
        )
    )
    if clause is None:
        raise NotFound(_("There is no clause %(uid)s.", uid=uid))
    return clause


def clause_history(session: Session, clause: Clause) -> list[ClauseRevision]:
    """Return every revision of a clause, newest first."""
    return list(
        session.scalars(
            select(ClauseRevision)
            .where(ClauseRevision.clause_id == clause.id)
            .options(joinedload(ClauseRevision.author))
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


# --- versions ----------------------------------------------------------------


def freeze(
    session: Session,
    actor: User,
    standard: Standard,
    *,
    label: str,
    note: str = "",
    now: dt.datetime | None = None,
) -> Version:
    """Freeze the working draft as a named, immutable version (secretariat only)."""
    require(can_freeze(actor, standard))
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
        title=standard.title,
        summary=standard.summary,
        note=(note or "").strip(),
        created_by_id=actor.id,
        created_at=now or utcnow(),
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
    if "standard" in inspect(version).unloaded:
        set_committed_value(version, "standard", standard)  # the caller's, no second load
    return version


def read_version(
    session: Session, viewer: User | None, standard: Standard, label: str
) -> tuple[Version | None, list[DraftNode]]:
    """Return a version and its clauses; the working draft is for staff only."""
    if label == WORKING:
        require(
            can_read_working_draft(viewer, standard),
            _("The working draft is open to the committee only."),
        )
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
