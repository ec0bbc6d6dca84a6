"""The fields of a comment: text limits, type, and the passage it is anchored to."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.consultation.models import (
    CommentType,
    ConsultationRound,
)
from app.drafting.models import Clause, ClauseRevision, VersionEntry
from app.errors import ValidationError
from app.i18n.names import COMMENT_LANGUAGES
from app.text.anchoring import (
    MAX_QUOTE,
    Anchor,
    PassageAmbiguous,
    PassageNotFound,
    check_anchor,
    find_passage,
)
from app.text.markdown import plain_text


def setting(name: str, default):
    """Read a setting from the running app, or fall back to the default (scripts)."""
    if has_app_context():
        return current_app.config.get(name, default)
    return default


def clean_text(
    value: str | None, *, field: str, label: str, required: bool = False, limit: int | None = None
) -> str:
    value = (value or "").replace("\x00", "").replace("\r\n", "\n").strip()
    limit = limit or setting("MAX_COMMENT_CHARS", 10_000)
    if required and not value:
        raise ValidationError(_("Write the %(label)s.", label=label), field=field)
    if len(value) > limit:
        raise ValidationError(
            _(
                "The %(label)s is too long: %(n)d characters, %(max)d at most.",
                label=label,
                n=len(value),
                max=limit,
            ),
            field=field,
        )
    return value


def _comment_type(value: str | None) -> CommentType:
    try:
        return CommentType(value or CommentType.GENERAL)
    except ValueError:
        raise ValidationError(
            _("Choose the type of comment from the list."), field="comment_type"
        ) from None


def comment_language(value: str | None) -> str:
    """The language a comment is written in: one of COMMENT_LANGUAGES (English if unsaid)."""
    if not value:
        return "en"
    if value not in COMMENT_LANGUAGES:
        raise ValidationError(
            _("Choose the language of your comment from the list."), field="language"
        )
    return value


@dataclass(frozen=True)
class AnchorInput:
    """A passage as the browser selected it (exact, context, offsets) or as pasted."""

    exact: str = ""
    prefix: str = ""
    suffix: str = ""
    start: int | None = None
    end: int | None = None
    passage: str = ""

    @property
    def given(self) -> bool:
        return bool(self.exact or self.passage.strip())


def _resolve_anchor(text: str, anchor: AnchorInput, uid: str) -> Anchor | None:
    """Turn a selection or a pasted passage into an anchor on the clause's plain text."""
    if anchor.exact:
        if len(anchor.exact) > MAX_QUOTE:
            raise ValidationError(
                _(
                    "The selected passage is too long (%(n)d characters at most). Select a "
                    "shorter passage or comment on the whole clause.",
                    n=MAX_QUOTE,
                ),
                field="passage",
            )
        try:
            return check_anchor(
                text, anchor.exact, anchor.prefix[:64], anchor.suffix[:64], anchor.start, anchor.end
            )
        except PassageNotFound:
            raise ValidationError(
                _(
                    "The selected passage is not in the text of clause %(uid)s. Select it again, "
                    "or paste it into the passage box.",
                    uid=uid,
                ),
                field="passage",
            ) from None
    if anchor.passage.strip():
        try:
            return find_passage(text, anchor.passage)
        except PassageAmbiguous as exc:
            raise ValidationError(
                _(
                    "This passage occurs %(n)d times in clause %(uid)s. Paste a longer passage "
                    "so that it occurs only once.",
                    n=exc.count,
                    uid=uid,
                ),
                field="passage",
            ) from None
        except PassageNotFound:
            raise ValidationError(
                _(
                    "We could not find this passage in clause %(uid)s. Copy it exactly from the "
                    "clause text, or leave the passage box empty to comment on the whole clause.",
                    uid=uid,
                ),
                field="passage",
            ) from None
    return None


def version_clause(session: Session, round_: ConsultationRound, uid: str) -> ClauseRevision:
    """Return the revision of a clause in the round's frozen version."""
    revision = session.scalar(
        select(ClauseRevision)
        .join(VersionEntry, VersionEntry.revision_id == ClauseRevision.id)
        .join(Clause, Clause.id == VersionEntry.clause_id)
        .where(VersionEntry.version_id == round_.version_id, Clause.uid == uid)
    )
    if revision is None:
        raise ValidationError(
            _("Clause %(uid)s is not in the draft under consultation.", uid=uid), field="clause_uid"
        )
    return revision


_REVISION, _ENTRY, _CLAUSE = ClauseRevision.__table__, VersionEntry.__table__, Clause.__table__
# What a comment needs of its clause, as plain columns (built once: no ORM entity per post).
_CLAUSE_IN_VERSION = (
    select(
        _REVISION.c.id,
        _REVISION.c.clause_id,
        _REVISION.c.body,
        _REVISION.c.number,
        _REVISION.c.heading,
    )
    .join(_ENTRY, _ENTRY.c.revision_id == _REVISION.c.id)
    .join(_CLAUSE, _CLAUSE.c.id == _ENTRY.c.clause_id)
    .where(_ENTRY.c.version_id == bindparam("version"), _CLAUSE.c.uid == bindparam("uid"))
)


def _clause_in_version(session: Session, round_: ConsultationRound, uid: str):
    """Return (id, clause_id, body, number, heading) of a clause's revision in the round."""
    row = (
        session.connection()
        .execute(_CLAUSE_IN_VERSION, {"version": round_.version_id, "uid": uid})
        .first()
    )
    if row is None:
        raise ValidationError(
            _("Clause %(uid)s is not in the draft under consultation.", uid=uid), field="clause_uid"
        )
    return row


@dataclass(frozen=True)
class CommentFields:
    clause_id: int | None
    revision_id: int | None
    comment_type: CommentType
    body: str
    proposed_change: str
    anchor: Anchor | None
    language: str = "en"
    # The clause's title in the round's version ("1.2 Heading"), for a receipt shown at once.
    revision_title: str = ""

    def values(self) -> dict:
        a = self.anchor
        return {
            "language": self.language,
            "clause_id": self.clause_id,
            "revision_id": self.revision_id,
            "comment_type": self.comment_type,
            "body": self.body,
            "proposed_change": self.proposed_change,
            "anchor_exact": a.exact if a else None,
            "anchor_prefix": a.prefix if a else None,
            "anchor_suffix": a.suffix if a else None,
            "anchor_start": a.start if a else None,
            "anchor_end": a.end if a else None,
        }


def clean_comment(
    session: Session,
    round_: ConsultationRound,
    *,
    clause_uid: str | None,
    comment_type: str,
    body: str,
    proposed_change: str,
    anchor: AnchorInput | None,
    language: str | None = None,
) -> CommentFields:
    body = clean_text(body, field="body", label=_("comment"), required=True)
    language = comment_language(language)
    proposed_change = clean_text(
        proposed_change, field="proposed_change", label=_("proposed change")
    )
    kind = _comment_type(comment_type)
    anchor = anchor or AnchorInput()
    if len(anchor.passage) > MAX_QUOTE:
        raise ValidationError(
            _("The passage is too long (%(n)d characters at most).", n=MAX_QUOTE), field="passage"
        )
    clause_uid = (clause_uid or "").strip()
    if not clause_uid:
        if anchor.given:
            raise ValidationError(_("Choose the clause the passage is in."), field="clause_uid")
        return CommentFields(None, None, kind, body, proposed_change, None, language)
    revision = _clause_in_version(session, round_, clause_uid)
    found = _resolve_anchor(plain_text(revision.body), anchor, clause_uid)
    title = " ".join(part for part in (revision.number, revision.heading) if part)
    return CommentFields(
        revision.clause_id,
        revision.id,
        kind,
        body,
        proposed_change,
        found,
        language,
        revision_title=title,  # as ClauseRevision.title
    )
