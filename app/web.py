"""Request plumbing shared by every area: one commit per request, errors, headers, filters."""

from __future__ import annotations

import datetime as dt
import logging

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    g,
    jsonify,
    render_template,
    request,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy import text
from sqlalchemy.exc import DataError, OperationalError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from app import formatting
from app.auth.audit_log import can_read_audit_log
from app.committee import comments as committee
from app.committee.permissions import PREDICATES as COMMITTEE_PREDICATES
from app.consultation import service as consultation
from app.consultation.permissions import PREDICATES as CONSULTATION_PREDICATES
from app.database import is_contention, utcnow
from app.drafting import service as drafting
from app.drafting.permissions import PREDICATES as DRAFTING_PREDICATES
from app.error_pages import http_error_text, safe_referrer
from app.errors import DomainError
from app.extensions import db, limiter
from app.formatting import timezones
from app.jobs.service import forget_queued, take_queued
from app.publishing import service as publishing
from app.text.markdown import render_markdown

log = logging.getLogger(__name__)
bp = Blueprint("site", __name__)
# Permission predicates are Jinja globals: templates show a button when the service would allow it.
PERMISSIONS = [
    DRAFTING_PREDICATES,
    CONSULTATION_PREDICATES,
    COMMITTEE_PREDICATES,
    {"can_read_audit_log": can_read_audit_log},
]


@bp.get("/")
def home():
    return render_template(
        "site/home.html",
        standards=drafting.list_standards(db.session),
        rounds=consultation.list_rounds(db.session),
        published=committee.published_round_ids(db.session),
        in_force=publishing.in_force_by_standard(db.session),
    )


@bp.get("/favicon.ico")
def favicon():
    """Serve the icon where browsers and crawlers look for it without reading the page."""
    response = current_app.send_static_file("favicon.svg")
    response.headers["Content-Type"] = "image/svg+xml"
    response.cache_control.max_age = 86400
    response.cache_control.public = True
    return response


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except OperationalError:
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="reachable", search=_search_health())


def _search_health() -> dict:
    """Report a lagging search index; it never fails the health check."""
    from app.search.indexer import status

    state = status(db.session)
    return {
        "engine": state.engine,
        "waiting": state.waiting,
        "oldest_seconds": int(state.oldest.total_seconds()) if state.oldest else 0,
        "lagging": state.lagging,
    }


@bp.post("/markdown/preview")
@limiter.limit("120 per minute")
def markdown_preview():
    """Render Markdown the way it will be shown, for the editors' live preview."""
    source = (request.get_json(silent=True) or {}).get("text", "")
    if not isinstance(source, str):
        return jsonify(error={"status": 400, "message": "text must be a string"}), 400
    return jsonify(html=str(render_markdown(source)))


def wants_json() -> bool:
    return request.path.startswith("/api/") or (request.accept_mimetypes.best == "application/json")


def _error_page(status: int, title: str, message: str) -> Response:
    if wants_json():
        response = jsonify(error={"status": status, "title": title, "message": message})
    else:
        response = current_app.make_response(
            render_template(
                "site/error.html",
                status=status,
                title=title,
                message=message,
                back=safe_referrer(),
            )
        )
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    @app.after_request
    def finish_transaction(response: Response) -> Response:
        session = g.get("db_session")
        if session is None:
            return response
        if response.status_code >= 400 or g.get("rollback_only"):
            session.rollback()
            forget_queued(session)
            return response
        try:
            session.commit()
        except OperationalError as exc:
            session.rollback()
            forget_queued(session)
            if is_contention(exc):
                return _busy()
            raise
        # Only a request that queued work runs the queue: reads never touch it.
        queued = take_queued(session)
        if queued and app.config["JOBS_AFTER_RESPONSE"]:
            response.call_on_close(_run_jobs_after_response(app, queued))
        return response

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        if _depends_on_person():
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        if exc.status_code in (403, 404):
            title = http_error_text(exc.status_code)[0]
        else:
            title = _("That cannot be done")
        return _error_page(exc.status_code, title, exc.message)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        log.info("CSRF refused: %s", exc.description)
        return _error_page(
            400,
            _("The form has expired"),
            _(
                "The form was missing its security token or it had expired. Go back, reload "
                "the page and send it again; nothing was saved."
            ),
        )

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(exc: RateLimitExceeded):
        response = _error_page(
            429,
            _("Too many requests"),
            _(
                "You have sent too many requests in a short time (limit: %(limit)s). "
                "Wait a little and try again; nothing was lost.",
                limit=exc.description,
            ),
        )
        return response

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc):
        return _error_page(
            413,
            _("Too much text"),
            _(
                "What you sent is larger than we accept (%(kb)d KB at most). Shorten it and "
                "send it again; nothing was saved.",
                kb=current_app.config["MAX_CONTENT_LENGTH"] // 1024,
            ),
        )

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def value_out_of_range(exc: Exception):
        # A last line behind request_guard and the form validators: a value the
        # database cannot hold (SQLite's 64-bit integers, PostgreSQL's types) is
        # the request's fault, not the server's.
        log.warning("value out of range reached the database: %r", exc)
        return _error_page(
            400,
            _("A value is out of range"),
            _("Something you sent (a number or a date) is outside what we can store."),
        )

    @app.errorhandler(OperationalError)
    def database_error(exc: OperationalError):
        if is_contention(exc):
            return _busy()
        raise exc

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        title, message = http_error_text(status)
        # `abort(404, "…")` carries a message written for this case; a bare
        # `abort(404)` falls back to Werkzeug's English class default, which
        # we replace with our own translated text.
        if exc.description and exc.description != type(exc).description:
            message = exc.description
        return _error_page(status, title, message)

    formatting.install(app.jinja_env)
    app.jinja_env.globals["timezones"] = timezones
    app.jinja_env.globals["round_state"] = lambda round_: round_.state_at(request_now())
    for predicates in PERMISSIONS:
        app.jinja_env.globals.update(predicates)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def inject_roles():
        from flask_login import current_user

        from app.auth.models import STAKEHOLDER_LABELS, Role
        from app.auth.permissions import is_staff
        from app.drafting.models import VERSION_STATE_LABELS

        return {
            "Role": Role,
            "STAKEHOLDER_LABELS": STAKEHOLDER_LABELS,
            "is_staff": is_staff(current_user),
            "version_state_labels": VERSION_STATE_LABELS,
        }


def _depends_on_person() -> bool:
    """Tell whether this response may show who is signed in or an account's secrets.

    Every response to a signed-in person (their name, roles, drafts, tokens) and
    every account page (sign-in, registration, password reset links) must not be
    kept by a shared cache or the browser's back/forward history. Static files
    are the same for everyone and stay cacheable.
    """
    from flask_login import current_user

    if request.endpoint == "static":
        return False
    if request.blueprint == "auth":
        return True
    return bool(current_user and current_user.is_authenticated)


BUSY_RETRY_AFTER_S = 5


def _busy() -> Response:
    """Answer 503 when the database stayed locked past the busy timeout (or PostgreSQL
    aborted the transaction in a deadlock): nothing was saved, and sending again works.

    The page must not wait on the database a second time: it is rendered for an
    anonymous visitor (loading the signed-in user, or refreshing one the failed
    transaction expired, would query again), and the response is never cached.
    """
    g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        message = _("The database is busy with other changes. Reload the page in a moment.")
    else:
        message = _(
            "The database is busy with other changes. Nothing was saved: send it again in a moment."
        )
    response = _error_page(503, _("Busy, please retry"), message)
    response.headers["Retry-After"] = str(BUSY_RETRY_AFTER_S)
    response.headers["Cache-Control"] = "no-store"
    return response


def _run_jobs_after_response(app: Flask, ids: list[int]):
    def run() -> None:
        from app.jobs.service import run_jobs

        with app.app_context():
            try:
                run_jobs(db, ids)
            except Exception:  # jobs stay queued and are retried by `flask jobs run`
                log.exception("running queued jobs failed")

    return run


def request_now() -> dt.datetime:
    """Return the moment of this request: every rule on one page reads the same clock."""
    if "now" not in g:
        g.now = utcnow()
    return g.now


def flash_error(message: str) -> None:
    flash(message, "error")
