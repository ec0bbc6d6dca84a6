"""Settings read from the environment, with safe defaults for production."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from app.i18n.names import INTERFACE_LANGUAGES


def _throttle_storage(rate_limit_uri: str) -> str:
    return "database" if rate_limit_uri.startswith("memory://") else rate_limit_uri


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Build the Flask settings mapping from the environment."""

    def __init__(self, instance_path: str | Path, overrides: dict | None = None) -> None:
        instance = Path(instance_path)
        env = os.environ
        debug = _bool("FLASK_DEBUG", False)
        self.values: dict = {
            "SECRET_KEY": env.get("SECRET_KEY"),
            "DATABASE_URL": env.get("DATABASE_URL")
            or f"sqlite:///{instance / 'clausewise.sqlite3'}",
            "SEARCH_INDEX_DIR": env.get("SEARCH_INDEX_DIR") or str(instance / "search-index"),
            # whoosh | postgresql; empty: postgresql on a PostgreSQL database, else whoosh.
            "SEARCH_ENGINE": env.get("SEARCH_ENGINE", ""),
            "SQLITE_BUSY_TIMEOUT_MS": int(env.get("SQLITE_BUSY_TIMEOUT_MS", "5000")),
            # Cookies: secure by default; the development server over plain HTTP
            # sets SESSION_COOKIE_SECURE=0 through the run script.
            "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", True),
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", True),
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SAMESITE": "Lax",
            "PREFERRED_URL_SCHEME": env.get("PREFERRED_URL_SCHEME", "https"),
            # The site's public address, for links written outside a request (mail, archives).
            "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", ""),
            "WTF_CSRF_ENABLED": True,
            "WTF_CSRF_TIME_LIMIT": None,
            "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", str(1024 * 1024))),
            # Rate limits (Flask-Limiter syntax). memory:// counts per worker
            # process; set RATELIMIT_STORAGE_URI=redis://... in production.
            "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
            "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
            "RATELIMIT_HEADERS_ENABLED": True,
            "RATE_LIMIT_PUBLIC_WRITE": env.get(
                "RATE_LIMIT_PUBLIC_WRITE", "30 per minute; 300 per day"
            ),
            "RATE_LIMIT_SIGN_IN": env.get("RATE_LIMIT_SIGN_IN", "10 per minute; 100 per hour"),
            # Failed sign-ins per account and per address (app/auth/throttle.py):
            # "database" (shared by every worker) or a limits storage URI such as
            # redis://...; by default the rate-limit storage unless that is memory://.
            "SIGN_IN_THROTTLE_STORAGE": env.get("SIGN_IN_THROTTLE_STORAGE")
            or _throttle_storage(env.get("RATELIMIT_STORAGE_URI", "memory://")),
            "SIGN_IN_THROTTLE_ENABLED": _bool("SIGN_IN_THROTTLE_ENABLED", True),
            "SIGN_IN_FREE_FAILURES_ACCOUNT": int(env.get("SIGN_IN_FREE_FAILURES_ACCOUNT", "5")),
            "SIGN_IN_FREE_FAILURES_ADDRESS": int(env.get("SIGN_IN_FREE_FAILURES_ADDRESS", "20")),
            # Sessions are rows (app/auth/sessions.py); the remember cookie lives as long.
            "REMEMBER_COOKIE_DURATION": dt.timedelta(days=30),
            "RATE_LIMIT_REGISTER": env.get("RATE_LIMIT_REGISTER", "5 per minute; 50 per day"),
            # Run the jobs a request queued (mail, search updates) in the web worker after
            # its response. Off when a separate `flask jobs work` process runs them
            # (scripts/run): the web workers then only serve.
            "JOBS_AFTER_RESPONSE": _bool("JOBS_AFTER_RESPONSE", True),
            # Mail: written to the log unless MAIL_SERVER is set.
            "MAIL_SERVER": env.get("MAIL_SERVER"),
            "MAIL_PORT": int(env.get("MAIL_PORT", "587")),
            "MAIL_USERNAME": env.get("MAIL_USERNAME"),
            "MAIL_PASSWORD": env.get("MAIL_PASSWORD"),
            "MAIL_USE_TLS": _bool("MAIL_USE_TLS", True),
            "MAIL_FROM": env.get("MAIL_FROM", "Clausewise <no-reply@clausewise.invalid>"),
            "BABEL_DEFAULT_LOCALE": env.get("BABEL_DEFAULT_LOCALE", "en"),
            "BABEL_DEFAULT_TIMEZONE": "UTC",
            "LANGUAGES": list(INTERFACE_LANGUAGES),
            "MAX_CLAUSE_BODY_CHARS": int(env.get("MAX_CLAUSE_BODY_CHARS", "20000")),
            "MAX_COMMENT_CHARS": int(env.get("MAX_COMMENT_CHARS", "10000")),
            "DEBUG": debug,
        }
        if overrides:
            self.values.update(overrides)
        if not self.values["SECRET_KEY"]:
            if debug or self.values.get("TESTING"):
                self.values["SECRET_KEY"] = "dev-only-not-secret"  # noqa: S105
            else:
                raise RuntimeError(
                    "SECRET_KEY is not set. Set it in the environment "
                    "(for example: export SECRET_KEY=$(python -c 'import secrets; "
                    "print(secrets.token_hex(32))'))."
                )
