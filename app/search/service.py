"""Search as readers use it: parse a request, ask the engine, name the facets, suggest spellings."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.permissions import is_staff
from app.database import utcnow
from app.errors import ValidationError
from app.search.engines import get_engine
from app.search.labels import facet_labels
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
    request.cap = current_app.config.get("SEARCH_MATCH_CAP", request.cap)
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


def _name_facets(session: Session, results: SearchResults) -> None:
    """Keep the largest values of each facet (and the chosen one), with readable labels."""
    for name in FACETS:
        values = sorted(results.facets.get(name, []), key=lambda f: (-f.count, f.value))
        chosen = results.request.filters.get(name)
        shown = values[:FACETS_SHOWN]
        if chosen and all(f.value != chosen for f in shown):
            shown.append(next((f for f in values if f.value == chosen), FacetValue(chosen, 0)))
        results.facets[name] = shown
    labels = facet_labels(
        session, {name: [f.value for f in shown] for name, shown in results.facets.items()}
    )
    for name, shown in results.facets.items():
        chosen = results.request.filters.get(name)
        for facet in shown:
            facet.label = labels[name].get(facet.value, facet.value)
            facet.selected = facet.value == chosen


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
