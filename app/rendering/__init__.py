"""Markdown rendered once, when a text is written, and stored beside its source.

A model registers which of its Markdown columns have a stored HTML twin
(`store_html(Comment, body="body_html", …)`). Setting the source attribute
renders it at once with the bounded renderer and stamps the row's
`rendered_with` with RENDERER_VERSION, so every row written through the ORM
carries its HTML; bulk inserts (app.benchcorpus) call `html_values`. Pages
print the stored column (a StoredHTML, read back as Markup) and never render.

When the renderer changes, RENDERER_VERSION goes up and `flask text rerender`
(or `rerender`) rewrites the stored HTML of older rows by Core UPDATE. The
append-only triggers allow exactly that change on frozen rows: the HTML
columns and a higher rendered_with, nothing else (migration 0007_stored_html).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from app.text.markdown import RENDERER_VERSION, render_markdown


@dataclass(frozen=True)
class RenderedModel:
    model: type
    # source attribute -> stored HTML attribute
    pairs: dict[str, str]


REGISTRY: list[RenderedModel] = []


def html_values(**sources: str | None) -> dict[str, object]:
    """Return the stored-HTML column values for source texts given as name=text.

    `html_values(body=b, proposed_change=p)` gives body_html, proposed_change_html
    and rendered_with, for bulk inserts that go around the ORM.
    """
    values: dict[str, object] = {
        f"{name}_html": str(render_markdown(text)) for name, text in sources.items()
    }
    values["rendered_with"] = RENDERER_VERSION
    return values


def store_html(model: type, **pairs: str) -> None:
    """Render `model`'s source attributes into their HTML twins whenever they are set."""
    REGISTRY.append(RenderedModel(model, dict(pairs)))
    for source, target in pairs.items():

        def render_on_set(target_obj, value, _oldvalue, _initiator, _target=target):
            setattr(target_obj, _target, render_markdown(value))  # Markup, as when loaded
            target_obj.rendered_with = RENDERER_VERSION
            return value

        event.listen(getattr(model, source), "set", render_on_set, retval=True)


def stale_rows(session: Session, entry: RenderedModel, batch: int) -> Iterator[list]:
    """Yield batches of rows rendered by an older renderer, in id order (keyset)."""
    model = entry.model
    columns = [model.id, *(getattr(model, s) for s in entry.pairs)]
    last = 0
    while True:
        rows = session.execute(
            select(*columns)
            .where(model.rendered_with < RENDERER_VERSION, model.id > last)
            .order_by(model.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def rerender(session: Session, batch: int = 500) -> dict[str, int]:
    """Re-render every stored text written by an older renderer; return counts per table."""
    counts: dict[str, int] = {}
    for entry in REGISTRY:
        model = entry.model
        done = 0
        for rows in stale_rows(session, entry, batch):
            for row in rows:
                values = {
                    target: str(render_markdown(source))
                    for source, target in zip(row[1:], entry.pairs.values(), strict=True)
                }
                session.execute(
                    update(model)
                    .where(model.id == row[0])
                    .values(**values, rendered_with=RENDERER_VERSION)
                    .execution_options(synchronize_session=False)
                )
            done += len(rows)
        counts[model.__tablename__] = done
    return counts
