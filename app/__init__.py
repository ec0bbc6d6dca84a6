"""Clausewise: standards authoring and public consultation."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from app.config import Config
from app.i18n import select_locale

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Create the application; config overrides the settings read from the environment."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(Config(app.instance_path, config).values)
    # The catalogues live at the top level, beside templates/, not inside the package.
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(ROOT / "translations"))
    logging.basicConfig(level=logging.INFO if not app.testing else logging.WARNING)

    from app import (
        immutability,
        models,  # noqa: F401 - complete the mappers
    )
    from app.extensions import babel, csrf, db, limiter, login_manager

    immutability.install()
    db.init_app(app)
    csrf.init_app(app)
    from app.ratelimit_storage import storage_uri

    app.config["RATELIMIT_STORAGE_URI"] = storage_uri(app.config["RATELIMIT_STORAGE_URI"])
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=_select_timezone)
    from app.i18n import cached

    cached.install(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        # The id names a server-side session row: revoked or expired, it opens nothing.
        from app.auth import sessions

        return sessions.load(db.session, user_id)

    from app import request_guard, web
    from app.i18n import views as i18n

    request_guard.init_app(app)  # before the blueprints: it replaces the int converter
    web.init_app(app)
    i18n.init_app(app)
    _register_blueprints(app)

    from app.cli import register_cli

    register_cli(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from app.api.views import bp as api_bp
    from app.audit.views import bp as audit_bp
    from app.auth.account_views import bp as account_bp
    from app.auth.data_views import bp as personal_bp
    from app.auth.views import bp as auth_bp
    from app.committee.views import bp as committee_bp
    from app.consultation import record_views, submission_views  # noqa: F401 - their routes join consultation_bp
    from app.consultation.views import bp as consultation_bp
    from app.drafting.views import bp as drafting_bp
    from app.extensions import csrf
    from app.publishing.export_views import bp as exports_bp
    from app.publishing.feed_views import bp as feeds_bp
    from app.publishing.following_views import bp as following_bp
    from app.publishing.views import bp as publishing_bp
    from app.search import indexer  # noqa: F401 - applies queued search updates after commit
    from app.search.views import bp as search_bp
    from app.translation.views import init_app as init_translation
    from app.web import bp as site_bp

    app.register_blueprint(site_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(personal_bp)
    app.register_blueprint(drafting_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(consultation_bp)
    app.register_blueprint(committee_bp)
    app.register_blueprint(publishing_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(following_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(search_bp)
    init_translation(app)
    csrf.exempt(api_bp)


def _select_timezone():
    from flask import has_request_context
    from flask_login import current_user

    if not has_request_context():
        return "UTC"
    if current_user and current_user.is_authenticated:
        return current_user.timezone or "UTC"
    return "UTC"
