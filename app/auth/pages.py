"""Pages whose text the secretariat edits (the privacy notice): appended rows, latest shown."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth.models import PageText, Role, User
from app.auth.permissions import require_any_role
from app.errors import NotFound, ValidationError
from app.text.markdown import render_markdown

EDITABLE = {"privacy"}
MAX_CHARS = 20000
DEFAULTS = Path(__file__).resolve().parent / "default_pages"


def current_text(session: Session, slug: str) -> PageText | None:
    return session.scalar(
        select(PageText).where(PageText.slug == slug).order_by(PageText.id.desc()).limit(1)
    )


def page_body(session: Session, slug: str) -> str:
    """The page's Markdown: the latest edit, or the text shipped with Clausewise."""
    if slug not in EDITABLE:
        raise NotFound(_("There is no such page."))
    row = current_text(session, slug)
    if row is not None:
        return row.body
    return (DEFAULTS / f"{slug}.md").read_text(encoding="utf-8")


@cache
def _default_html(slug: str) -> Markup:
    return render_markdown((DEFAULTS / f"{slug}.md").read_text(encoding="utf-8"))


def page_html(session: Session, slug: str) -> Markup:
    """The page's HTML: stored with the latest edit, or the shipped text rendered once."""
    if slug not in EDITABLE:
        raise NotFound(_("There is no such page."))
    row = current_text(session, slug)
    if row is not None:
        return row.body_html
    return _default_html(slug)


def update_page(session: Session, actor: User, slug: str, body: str) -> PageText:
    """Store a new text for the page (secretariat); earlier texts stay in the table."""
    require_any_role(actor, Role.SECRETARIAT)
    if slug not in EDITABLE:
        raise NotFound(_("There is no such page."))
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ValidationError(_("The page cannot be empty."), field="body")
    if len(body) > MAX_CHARS:
        raise ValidationError(
            _("The text is too long (%(n)d characters at most).", n=MAX_CHARS), field="body"
        )
    row = PageText(slug=slug, body=body, author_id=actor.id)
    session.add(row)
    session.flush()
    record(session, actor, "page.update", row, summary=f"Edited the {slug} page", slug=slug)
    return row
