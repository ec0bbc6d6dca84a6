"""Translations of frozen versions: import, clause-by-clause editing, reading.

English (the authoritative language) is never replaced: a translation is attached to
a frozen version per language and aligned by clause uid. Reading version V in language
L takes, for each clause, the newest translated text among the translations of V and
of the versions frozen before it; a clause whose authoritative heading or body differs
from the revision that text translates is out of date.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, joinedload

from app.audit.service import record
from app.auth.models import Role, User
from app.auth.permissions import require_any_role
from app.drafting.models import ClauseRevision, Version, VersionEntry
from app.drafting.source import parse
from app.errors import NotFound, ValidationError
from app.loading import ensure_loaded
from app.translation.models import ClauseTranslation, VersionTranslation

# Languages a standard may be translated into (the authoritative text is English).
AUTHORITATIVE = "en"
TEXT_LANGUAGES = ("fr", "es", "pt", "ar", "zh", "id", "ru")
MAX_HEADING = 300
MAX_BODY = 20_000


@dataclass(frozen=True)
class TranslatedClause:
    clause_id: int
    heading: str
    body: str
    # The authoritative text changed after this translation was written.
    out_of_date: bool
    # The label of the version whose translation supplied the text.
    from_version: str


@dataclass(frozen=True)
class ImportResult:
    translation: VersionTranslation
    written: int
    unchanged: int


def _check_language(language: str) -> str:
    if language not in TEXT_LANGUAGES:
        raise ValidationError(
            _("Translations can be written in: %(langs)s.", langs=", ".join(TEXT_LANGUAGES)),
            field="language",
        )
    return language


def _check_translator(actor: User) -> None:
    require_any_role(actor, Role.SECRETARIAT, Role.ADMIN)


def _entries(session: Session, version: Version) -> dict[str, VersionEntry]:
    entries = session.scalars(
        select(VersionEntry)
        .where(VersionEntry.version_id == version.id)
        .options(joinedload(VersionEntry.revision).joinedload(ClauseRevision.clause))
    )
    return {e.revision.clause.uid: e for e in entries}


def _translation(
    session: Session, actor: User, version: Version, language: str
) -> VersionTranslation:
    found = session.scalar(
        select(VersionTranslation).where(
            VersionTranslation.version_id == version.id, VersionTranslation.language == language
        )
    )
    if found is None:
        found = VersionTranslation(version_id=version.id, language=language, created_by_id=actor.id)
        session.add(found)
        session.flush()
    return found


def _own_latest(session: Session, translation: VersionTranslation) -> dict[int, ClauseTranslation]:
    """The newest text of each clause in this one translation."""
    newest = (
        select(func.max(ClauseTranslation.id))
        .where(ClauseTranslation.translation_id == translation.id)
        .group_by(ClauseTranslation.clause_id)
    )
    rows = session.scalars(select(ClauseTranslation).where(ClauseTranslation.id.in_(newest)))
    return {row.clause_id: row for row in rows}


def _clean(heading: str, body: str) -> tuple[str, str]:
    heading, body = (heading or "").strip(), (body or "").strip()
    if not heading and not body:
        raise ValidationError(_("Write the translated heading or text."), field="body")
    if len(heading) > MAX_HEADING:
        raise ValidationError(
            _("The heading is too long (%(n)d characters at most).", n=MAX_HEADING),
            field="heading",
        )
    if len(body) > MAX_BODY:
        raise ValidationError(
            _("The text is too long (%(n)d characters at most).", n=MAX_BODY), field="body"
        )
    return heading, body


def import_translation(
    session: Session, actor: User, version: Version, language: str, text: str
) -> ImportResult:
    """Attach a translation written in the standards_src format (same uids) to a version."""
    _check_translator(actor)
    _check_language(language)
    ensure_loaded(session, version, "standard")
    # A SourceError is a ValidationError naming the line at fault.
    try:
        doc = parse(text, filename=f"{version.standard.slug}.{language}.md")
    except ValidationError as exc:
        raise ValidationError(exc.message, field="text") from None
    if doc.slug != version.standard.slug:
        raise ValidationError(
            _(
                "This file translates %(other)s, not %(slug)s.",
                other=doc.slug,
                slug=version.standard.slug,
            ),
            field="text",
        )
    entries = _entries(session, version)
    unknown = [c.uid for c in doc.clauses if c.uid not in entries]
    if unknown:
        raise ValidationError(
            _(
                "These clauses are not in version %(label)s: %(uids)s.",
                label=version.label,
                uids=", ".join(unknown[:10]),
            ),
            field="text",
        )
    translation = _translation(session, actor, version, language)
    if doc.title and doc.title != translation.title:
        translation.title = doc.title
    latest = _own_latest(session, translation)
    written = unchanged = 0
    for source in doc.clauses:
        heading, body = _clean(source.heading, source.body)
        entry = entries[source.uid]
        before = latest.get(entry.clause_id)
        if (
            before is not None
            and (before.heading, before.body) == (heading, body)
            and before.source_revision_id == entry.revision_id
        ):
            unchanged += 1
            continue
        session.add(_row(actor, translation, entry, heading, body))
        written += 1
    session.flush()
    record(
        session,
        actor,
        "translation.import",
        translation,
        summary=f"Imported the {language} translation of {version.standard.slug} {version.label}",
        language=language,
        clauses=written,
    )
    return ImportResult(translation, written, unchanged)


def _row(
    actor: User, translation: VersionTranslation, entry: VersionEntry, heading: str, body: str
) -> ClauseTranslation:
    return ClauseTranslation(
        translation_id=translation.id,
        clause_id=entry.clause_id,
        source_revision_id=entry.revision_id,
        heading=heading,
        body=body,
        author_id=actor.id,
    )


def save_clause(
    session: Session,
    actor: User,
    version: Version,
    language: str,
    uid: str,
    *,
    heading: str,
    body: str,
) -> ClauseTranslation:
    """Write (append) the translation of one clause of a frozen version."""
    _check_translator(actor)
    _check_language(language)
    entry = _entries(session, version).get(uid)
    if entry is None:
        raise NotFound(
            _("Clause %(uid)s is not in version %(label)s.", uid=uid, label=version.label)
        )
    heading, body = _clean(heading, body)
    translation = _translation(session, actor, version, language)
    row = _row(actor, translation, entry, heading, body)
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        "translation.clause",
        row,
        summary=f"Translated {uid} of {version.label} into {language}",
        language=language,
        uid=uid,
    )
    return row


def read(session: Session, version: Version, language: str) -> dict[int, TranslatedClause]:
    """Each clause's translation for a reader of `version` in `language`, keyed by clause id."""
    source = aliased(ClauseRevision)
    ranked = (
        select(
            ClauseTranslation.clause_id,
            ClauseTranslation.heading,
            ClauseTranslation.body,
            source.heading.label("source_heading"),
            source.body.label("source_body"),
            Version.label.label("from_version"),
            func.row_number()
            .over(
                partition_by=ClauseTranslation.clause_id,
                order_by=(Version.id.desc(), ClauseTranslation.id.desc()),
            )
            .label("rank"),
        )
        .join(VersionTranslation, ClauseTranslation.translation_id == VersionTranslation.id)
        .join(Version, VersionTranslation.version_id == Version.id)
        .join(source, ClauseTranslation.source_revision_id == source.id)
        .where(
            Version.standard_id == version.standard_id,
            Version.id <= version.id,
            VersionTranslation.language == language,
        )
        .subquery()
    )
    current = aliased(ClauseRevision)
    rows = session.execute(
        select(ranked, current.heading.label("now_heading"), current.body.label("now_body"))
        .join(VersionEntry, VersionEntry.clause_id == ranked.c.clause_id)
        .join(current, VersionEntry.revision_id == current.id)
        .where(ranked.c.rank == 1, VersionEntry.version_id == version.id)
    ).all()
    return {
        row.clause_id: TranslatedClause(
            clause_id=row.clause_id,
            heading=row.heading,
            body=row.body,
            out_of_date=(row.source_heading, row.source_body) != (row.now_heading, row.now_body),
            from_version=row.from_version,
        )
        for row in rows
    }


def languages_for(session: Session, version: Version) -> list[str]:
    """The languages a reader of this version can switch the text to."""
    return list(
        session.scalars(
            select(VersionTranslation.language)
            .join(Version, VersionTranslation.version_id == Version.id)
            .where(Version.standard_id == version.standard_id, Version.id <= version.id)
            .distinct()
            .order_by(VersionTranslation.language)
        )
    )


def translated_title(session: Session, version: Version, language: str) -> str:
    """The translated title of the standard for this version, or ''."""
    return (
        session.scalar(
            select(VersionTranslation.title)
            .join(Version, VersionTranslation.version_id == Version.id)
            .where(
                Version.standard_id == version.standard_id,
                Version.id <= version.id,
                VersionTranslation.language == language,
                VersionTranslation.title != "",
            )
            .order_by(Version.id.desc())
            .limit(1)
        )
        or ""
    )
