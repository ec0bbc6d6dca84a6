"""Translations of frozen versions: the secretariat's pages and the readers' text switch."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.models import Role
from app.drafting import service as drafting
from app.drafting.models import Version
from app.errors import NotFound, ValidationError
from app.extensions import db
from app.forms import show_error
from app.translation import service
from app.translation.forms import ClauseTranslationForm, ImportTranslationForm

bp = Blueprint("translation", __name__)


@dataclass
class Reading:
    """What a reader of one version sees: the text language chosen and what exists."""

    version: Version
    language: str | None
    languages: list[str]
    clauses: dict[int, service.TranslatedClause] = field(default_factory=dict)
    title: str = ""

    @property
    def out_of_date(self) -> int:
        return sum(1 for c in self.clauses.values() if c.out_of_date)


def reading(version: Version | None) -> Reading | None:
    """The reader's text language for a frozen version (`?text=fr`), for templates."""
    if version is None:
        return None
    cache = g.setdefault("translation_readings", {})
    if version.id not in cache:
        languages = service.languages_for(db.session, version)
        wanted = request.args.get("text")
        chosen = wanted if wanted in languages else None
        result = Reading(version, chosen, languages)
        if chosen:
            result.clauses = service.read(db.session, version, chosen)
            result.title = service.translated_title(db.session, version, chosen)
        cache[version.id] = result
    return cache[version.id]


def _version(slug: str, label: str) -> Version:
    standard = drafting.get_standard(db.session, slug)
    return drafting.get_version(db.session, standard, label)


def _require_secretariat() -> None:
    from app.auth.permissions import require_any_role

    require_any_role(current_user, Role.SECRETARIAT, Role.ADMIN)


@bp.route("/standards/<slug>/versions/<label>/translations", methods=["GET", "POST"])
@login_required
def overview(slug: str, label: str):
    _require_secretariat()
    version = _version(slug, label)
    form = ImportTranslationForm()
    if form.validate_on_submit():
        text = form.text.data or ""
        try:
            if not text.strip():
                raise ValidationError(_("Choose a file or paste its text."), field="text")
            result = service.import_translation(
                db.session, current_user, version, form.language.data, text
            )
        except ValidationError as exc:
            show_error(form, exc)
        else:
            flash(
                _(
                    "Translation imported: %(written)d clauses written, %(unchanged)d unchanged.",
                    written=result.written,
                    unchanged=result.unchanged,
                ),
                "success",
            )
            return redirect(
                url_for(".clauses", slug=slug, label=label, lang=form.language.data), code=303
            )
    status = 422 if form.is_submitted() else 200
    progress = {
        lang: service.read(db.session, version, lang)
        for lang in service.languages_for(db.session, version)
    }
    total = drafting.clause_count(db.session, version)
    return render_template(
        "translation/overview.html",
        version=version,
        standard=version.standard,
        form=form,
        progress=progress,
        total=total,
        text_languages=service.TEXT_LANGUAGES,
    ), status


@bp.get("/standards/<slug>/versions/<label>/translations/<lang>")
@login_required
def clauses(slug: str, label: str, lang: str):
    _require_secretariat()
    version = _version(slug, label)
    if lang not in service.TEXT_LANGUAGES:
        raise NotFound(_("There is no translation into %(lang)s.", lang=lang))
    return render_template(
        "translation/clauses.html",
        version=version,
        standard=version.standard,
        lang=lang,
        nodes=drafting.version_nodes(db.session, version),
        translated=service.read(db.session, version, lang),
    )


@bp.route("/standards/<slug>/versions/<label>/translations/<lang>/<uid>", methods=["GET", "POST"])
@login_required
def edit(slug: str, label: str, lang: str, uid: str):
    _require_secretariat()
    version = _version(slug, label)
    if lang not in service.TEXT_LANGUAGES:
        raise NotFound(_("There is no translation into %(lang)s.", lang=lang))
    node = next((n for n in drafting.version_nodes(db.session, version) if n.uid == uid), None)
    if node is None:
        raise NotFound(_("Clause %(uid)s is not in version %(label)s.", uid=uid, label=label))
    current = service.read(db.session, version, lang).get(node.clause_id)
    form = ClauseTranslationForm(
        data={"heading": current.heading, "body": current.body} if current else None
    )
    if form.validate_on_submit():
        try:
            service.save_clause(
                db.session,
                current_user,
                version,
                lang,
                uid,
                heading=form.heading.data,
                body=form.body.data,
            )
        except ValidationError as exc:
            show_error(form, exc)
        else:
            flash(_("Translation of %(uid)s saved.", uid=uid), "success")
            return redirect(url_for(".clauses", slug=slug, label=label, lang=lang), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "translation/edit.html",
        version=version,
        standard=version.standard,
        lang=lang,
        node=node,
        current=current,
        form=form,
    ), status


def init_app(app: Flask) -> None:
    from app.i18n.names import language_name

    app.register_blueprint(bp)
    app.jinja_env.globals["text_reading"] = reading
    app.jinja_env.globals["language_name"] = language_name
