"""Search as readers use it: parse a request, ask the engine, name the facets, suggest spellings."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import STAKEHOLDER_LABELS, User
from app.auth.permissions import is_staff
from app.committee.models import DECISION_LABELS
from app.consultation.models import COMMENT_TYPE_LABELS, ConsultationRound
from app.database import utcnow
from app.drafting.models import (
    CLAUSE_KIND_LABELS,
    Clause,
    ClauseRevision,
    Standard,
    Version,
    VersionEntry,
)
from app.errors import ValidationError
from app.publishing.models import Publication
from app.search.engines import get_engine
from app.search.query import (
    FACETS,
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_QUERY_CHARS,
    PER_PAGE,
    FacetValue,
    SearchRequest,
    SearchResults,
    Viewer,
)

FACETS_SHOWN = 12
MAX_FILTER_CHARS = 80
FEW_RESULTS = 3


def viewer_of(actor: User | None) -> Viewer:
    return Viewer(staff=is_staff(actor))


def _int(value: str | None, default: int, field: str, highest: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        raise ValidationError(
            _("%(field)s must be a whole number.", field=field), field=field
        ) from None
    if not 1 <= number <= highest:
        raise ValidationError(
            _("%(field)s must be between 1 and %(n)d.", field=field, n=highest), field=field
        )
    return number


def parse_request(args: Mapping[str, str]) -> SearchRequest:
    """Build a search request from query parameters (the page and the API share it)."""
    text = (args.get("q") or "").strip()
    if len(text) > MAX_QUERY_CHARS:
        raise ValidationError(
            _("Search for %(n)d characters at most.", n=MAX_QUERY_CHARS), field="q"
        )
    filters = {}
    for name in FACETS:
        value = (args.get(name) or "").strip()
        if value:
            if len(value) > MAX_FILTER_CHARS:
                raise ValidationError(_("That filter value is too long."), field=name)
            filters[name] = value
    return SearchRequest(
        text=text,
        filters=filters,
        page=_int(args.get("page"), 1, "page", MAX_PAGE),
        per_page=_int(args.get("per_page"), PER_PAGE, "per_page", MAX_PER_PAGE),
    )


def search(
    session: Session, actor: User | None, request: SearchRequest, now: dt.datetime | None = None
) -> SearchResults:
    """Return one page of what this reader may see, facets named, with a did-you-mean."""
    now = now or utcnow()
    engine = get_engine()
    viewer = viewer_of(actor)
    results = engine.search(session, viewer, request, now)
    if results.total < FEW_RESULTS:
        results.suggestion = _suggest(session, engine, viewer, request, now)
    _name_facets(session, results)
    return results


def _suggest(session, engine, viewer, request, now) -> str | None:
    """Offer a corrected query, only if it finds something this reader may see."""
    corrected = request.text
    changed = False
    for item in request.items:
        if item.kind != "term" or item.negated or engine.known(session, item.text):
            continue
        candidates = [c for c in engine.candidates(session, item.text) if c != item.text]
        if not candidates:
            continue
        pattern = re.compile(rf"(?<!\w){re.escape(item.text)}(?!\w)", re.IGNORECASE)
        corrected = pattern.sub(candidates[0], corrected, count=1)
        changed = True
    if not changed:
        return None
    trial = SearchRequest(text=corrected, filters=request.filters, per_page=1)
    found = engine.search(session, viewer, trial, now, facets=False)
    return corrected if found.total else None


def _labels(session: Session, name: str, values: list[str]) -> dict[str, str]:
    if name == "what":
        return {"clause": _("Clauses"), "comment": _("Comments")}
    if name == "kind":
        return {str(k): str(v) for k, v in CLAUSE_KIND_LABELS.items()}
    if name == "group":
        return {str(k): str(v) for k, v in STAKEHOLDER_LABELS.items()}
    if name == "type":
        return {str(k): str(v) for k, v in COMMENT_TYPE_LABELS.items()}
    if name == "decision":
        return {str(k): str(v) for k, v in DECISION_LABELS.items()}
    if name == "standard":
        rows = session.execute(
            select(Standard.slug, Standard.title).where(Standard.slug.in_(values))
        )
        return {slug: title for slug, title in rows}
    ids = [int(v) for v in values if v.isdigit()]
    if name == "version":
        labels = {"working": _("Working draft")}
        editions = edition_numbers(session, values)
        for vid, label, slug in session.execute(
            select(Version.id, Version.label, Standard.slug)
            .join(Standard, Version.standard_id == Standard.id)
            .where(Version.id.in_(ids))
        ):
            edition = editions.get(str(vid))
            labels[str(vid)] = (
                _("%(slug)s edition %(number)s", slug=slug, number=edition)
                if edition
                else f"{slug} {label}"
            )
        return labels
    if name == "round":
        return {
            str(rid): _("Round %(n)d: %(title)s", n=number, title=title)
            for rid, number, title in session.execute(
                select(
                    ConsultationRound.id, ConsultationRound.number, ConsultationRound.title
                ).where(ConsultationRound.id.in_(ids))
            )
        }
    if name == "clause":
        newest = (
            select(func.max(VersionEntry.id))
            .join(Clause, VersionEntry.clause_id == Clause.id)
            .where(Clause.uid.in_(values))
            .group_by(VersionEntry.clause_id)
        )
        labels = {"-": _("The whole draft")}
        for uid, number, heading in session.execute(
            select(Clause.uid, ClauseRevision.number, ClauseRevision.heading)
            .join(VersionEntry, VersionEntry.clause_id == Clause.id)
            .join(ClauseRevision, VersionEntry.revision_id == ClauseRevision.id)
            .where(VersionEntry.id.in_(newest))
        ):
            labels[uid] = " ".join(p for p in (number, heading) if p) or uid
        return labels
    return {}


def _name_facets(session: Session, results: SearchResults) -> None:
    """Keep the largest values of each facet (and the chosen one), with readable labels."""
    for name in FACETS:
        values = sorted(results.facets.get(name, []), key=lambda f: (-f.count, f.value))
        chosen = results.request.filters.get(name)
        shown = values[:FACETS_SHOWN]
        if chosen and all(f.value != chosen for f in shown):
            shown.append(next((f for f in values if f.value == chosen), FacetValue(chosen, 0)))
        labels = _labels(session, name, [f.value for f in shown])
        for facet in shown:
            facet.label = labels.get(facet.value, facet.value)
            facet.selected = facet.value == chosen
        results.facets[name] = shown


def version_labels(session: Session, ids: list[str]) -> dict[str, str]:
    """Map version ids (as the index keeps them) to their labels, for links."""
    numbers = [int(v) for v in ids if v.isdigit()]
    rows = session.execute(select(Version.id, Version.label).where(Version.id.in_(numbers)))
    return {str(vid): label for vid, label in rows}


def edition_numbers(session: Session, ids: list[str]) -> dict[str, str]:
    """Map version ids to the number of their newest publication, for those published."""
    numbers = [int(v) for v in ids if v.isdigit()]
    newest = (
        select(func.max(Publication.id))
        .where(Publication.version_id.in_(numbers))
        .group_by(Publication.version_id)
    )
    rows = session.execute(
        select(Publication.version_id, Publication.number).where(Publication.id.in_(newest))
    )
    return {str(vid): number for vid, number in rows}


def round_comment_ids(
    session: Session, actor: User, round_id: int, text: str, *, limit: int = 500
) -> tuple[list[int], int]:
    """Return the ids of a round's comments that match (best first, at most limit) and the total."""
    request = SearchRequest(
        text=text[:MAX_QUERY_CHARS],
        filters={"round": str(round_id), "what": "comment"},
        per_page=limit,
    )
    results = get_engine().search(session, viewer_of(actor), request, utcnow(), facets=False)
    return [hit.comment_id for hit in results.hits if hit.comment_id], results.total
