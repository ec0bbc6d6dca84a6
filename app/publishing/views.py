"""Public pages of published editions: reader, clause permalinks, change log, PDF, history."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.routing import BaseConverter
from wtforms import SelectChoice

from app.committee import service as committee
from app.committee.forms import OUTCOME_LABELS
from app.consultation.names import public_submitter
from app.drafting import service as drafting
from app.drafting.models import CLAUSE_KIND_LABELS
from app.errors import Conflict, ValidationError
from app.extensions import db
from app.forms import show_error
from app.publishing import caching, history, pdf, printing, service
from app.publishing.forms import PublishForm

bp = Blueprint("publishing", __name__)


class EditionConverter(BaseConverter):
    """An edition number such as 3.0 or 3.0.1: never a word like `compare` or `history`."""

    regex = r"[0-9]{1,4}(?:\.[0-9]{1,4}){0,3}"


bp.record_once(lambda state: state.app.url_map.converters.setdefault("edition", EditionConverter))


# --- reading ---------------------------------------------------------------------


def _edition(slug: str, number: str):
    standard = drafting.get_standard(db.session, slug)
    publication = service.get_publication(db.session, standard, number)
    publications = service.list_publications(db.session, standard)
    return standard, publication, publications


def _standing_tag(standing: service.Standing) -> tuple:
    return (
        standing.state,
        standing.in_force.id if standing.in_force else 0,
        standing.newest.id,
        standing.corrected_by.id if standing.corrected_by else 0,
    )


@bp.get("/standards/<slug>/latest")
def latest(slug: str):
    standard = drafting.get_standard(db.session, slug)
    current = service.current(db.session, standard)
    if current is None:
        abort(404, _("%(title)s has not been published yet.", title=standard.title))
    return redirect(url_for(".reader", slug=slug, number=current.number))


@bp.get("/standards/<slug>/latest/clauses/<uid>")
def latest_clause(slug: str, uid: str):
    standard = drafting.get_standard(db.session, slug)
    current = service.current(db.session, standard)
    if current is None:
        abort(404)
    return redirect(url_for(".clause", slug=slug, number=current.number, uid=uid))


@bp.get("/standards/<slug>/<edition:number>")
def reader(slug: str, number: str):
    standard, publication, publications = _edition(slug, number)
    standing = service.standing(publication, publications)
    etag = caching.page_tag("reader", publication.id, *_standing_tag(standing))
    if etag and caching.fresh(etag):
        return caching.not_modified(etag)
    nodes = service.read(db.session, publication)
    html = render_template(
        "publishing/reader.html",
        standard=standard,
        publication=publication,
        standing=standing,
        nodes=nodes,
        kind_labels=CLAUSE_KIND_LABELS,
        may_publish=service.can_publish(current_user, standard),
    )
    return caching.conditional(html, etag, standing.newest.published_at)


@bp.get("/standards/<slug>/<edition:number>/clauses/<uid>")
def clause(slug: str, number: str, uid: str):
    standard, publication, publications = _edition(slug, number)
    trail = service.clause_trail(db.session, publication, uid)
    standing = service.standing(publication, publications)
    etag = caching.page_tag("clause", publication.id, uid, *_standing_tag(standing))
    if etag and caching.fresh(etag):
        return caching.not_modified(etag)
    html = render_template(
        "publishing/clause.html",
        standard=standard,
        publication=publication,
        standing=standing,
        trail=trail,
        kind_labels=CLAUSE_KIND_LABELS,
    )
    return caching.conditional(html, etag, standing.newest.published_at)


@bp.get("/standards/<slug>/<edition:number>/changes")
def changes(slug: str, number: str):
    standard, publication, publications = _edition(slug, number)
    standing = service.standing(publication, publications)
    previous = standing.previous
    diff = None
    if previous is not None:
        diff = committee.compare(
            db.session, current_user, standard, previous.version.label, publication.version.label
        )
    return render_template(
        "publishing/changes.html",
        standard=standard,
        publication=publication,
        previous=previous,
        standing=standing,
        diff=diff,
    )


@bp.get("/standards/<slug>/<edition:number>.pdf")
def publication_pdf(slug: str, number: str):
    standard, publication, _publications = _edition(slug, number)
    locale = str(get_locale() or "en")
    download = f"{standard.slug}-{publication.number}.pdf"
    stored = printing.stored_digest(db.session, publication.id, locale)
    if stored is not None:
        return _send_stored_pdf(publication, locale, stored.sha256, download)
    # Not printed yet (its job has not run): print on demand as before publishing queued
    # it, into the disk cache (no write to the database on a GET). A reader who asked
    # for the edition gets it; a "being prepared" page would break plain links.
    name = f"publication-{publication.id}-{locale}"
    return _send_pdf(
        name, lambda: printing.document_html(db.session, publication), download, publication
    )


def _send_stored_pdf(publication, locale: str, sha256: str, download: str) -> Response:
    etag = sha256[:32]
    if caching.fresh(etag):
        return caching.not_modified(etag)
    data = printing.stored_bytes(db.session, publication.id, locale)
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{download}"'
    return _pdf_headers(response, etag, publication)


def _send_pdf(name: str, document, download: str, subject) -> Response:
    etag = caching.tag(name)
    if caching.fresh(etag):
        return caching.not_modified(etag)
    path = pdf.cached(name, document)
    response = send_file(
        path,
        mimetype="application/pdf",
        download_name=download,
        as_attachment=False,
        conditional=False,
        etag=False,
        last_modified=subject.published_at,
    )
    return _pdf_headers(response, etag, subject)


def _pdf_headers(response: Response, etag: str, subject) -> Response:
    response.set_etag(etag)
    response.last_modified = subject.published_at
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.vary.add("Accept-Language")
    return response


@bp.get("/consultations/<int:round_id>/synopsis.pdf")
def synopsis_pdf(round_id: int):
    round_ = committee.get_round(db.session, round_id)
    publication = committee.synopsis_publication(db.session, round_)
    if publication is None:
        abort(404, _("The synopsis of this round is not published yet."))
    locale = str(get_locale() or "en")
    marker = service.synopsis_marker(db.session, round_.id)

    def document() -> str:
        from app.auth.models import STAKEHOLDER_LABELS
        from app.committee.models import DECISION_LABELS
        from app.consultation.models import COMMENT_TYPE_LABELS

        return render_template(
            "publishing/synopsis_print.html",
            round=round_,
            synopsis=committee.build_synopsis(db.session, round_, public=True),
            decision_labels=DECISION_LABELS,
            group_labels=STAKEHOLDER_LABELS,
            type_labels=COMMENT_TYPE_LABELS,
            public_submitter=public_submitter,
            label_of=committee.comment_label,
        )

    name = f"synopsis-{round_.id}-m{marker}-{locale}"
    download = f"{round_.standard.slug}-round-{round_.number}-synopsis.pdf"
    return _send_pdf(name, document, download, publication)


# --- history ---------------------------------------------------------------------


@bp.get("/standards/<slug>/history")
def standard_history(slug: str):
    standard = drafting.get_standard(db.session, slug)
    return render_template(
        "publishing/history.html",
        standard=standard,
        events=history.timeline(db.session, standard),
        outcome_labels=OUTCOME_LABELS,
        current=service.current(db.session, standard),
    )


# --- publishing ------------------------------------------------------------------


@bp.route("/standards/<slug>/publish", methods=["GET", "POST"])
@login_required
def publish(slug: str):
    standard = drafting.get_standard(db.session, slug)
    if not service.can_publish(current_user, standard):
        abort(403)
    publications = service.list_publications(db.session, standard)
    versions = service.publishable_versions(db.session, standard) + [
        p.version for p in publications
    ]
    form = PublishForm(version=request.args.get("version", ""))
    form.version.choices = [SelectChoice(v.label, v.label) for v in dict.fromkeys(versions)]
    form.corrects.choices = [SelectChoice("", _("(a new edition)"))] + [
        SelectChoice(p.number, p.number) for p in publications
    ]
    status = 200
    if form.validate_on_submit():
        try:
            version = drafting.get_version(db.session, standard, form.version.data or "")
            corrects = None
            if form.corrects.data:
                corrects = service.get_publication(db.session, standard, form.corrects.data)
            publication = service.publish(
                db.session,
                current_user,
                version,
                number=form.number.data,
                effective_on=form.effective_on.data,
                notes=form.notes.data,
                corrects=corrects,
            )
        except Conflict as exc:
            show_error(form, exc)
            status = 409
        except ValidationError as exc:
            show_error(form, exc)
            status = 422
        else:
            flash(_("Published %(number)s.", number=publication.number), "success")
            return redirect(url_for(".reader", slug=slug, number=publication.number))
    elif form.is_submitted():
        status = 422
    return render_template(
        "publishing/publish.html", standard=standard, form=form, versions=versions
    ), status
