"""Extension instances, created here and bound to the app in create_app."""

from __future__ import annotations

from flask import current_app, request, session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from app.database import Database

db = Database()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def _account_key() -> str:
    """Key a limit on the signed-in account, falling back to the address.

    The account comes from the signed session cookie (flask-login's ``_user_id``,
    ``user_id:token``), not from the database: the key is computed before the
    view, and a request that cannot reach the database (locked past the busy
    timeout) must fail once, with a 503, not wait here first. A revoked session's
    cookie still names its account, which is the right key to count against;
    the view then refuses it as signed out.
    """
    user_id, _, token = str(session.get("_user_id") or "").partition(":")
    if user_id.isdigit() and token:
        return f"user:{user_id}"
    return f"addr:{get_remote_address()}"


limiter = Limiter(key_func=get_remote_address, default_limits=[])


def public_write_limit(view):
    """Limit a public write per address and per account, from the settings."""
    limit = lambda: current_app.config["RATE_LIMIT_PUBLIC_WRITE"]  # noqa: E731
    exempt = lambda: request.method in {"GET", "HEAD", "OPTIONS"}  # noqa: E731
    view = limiter.limit(limit, key_func=_account_key, exempt_when=exempt, scope="write-account")(
        view
    )
    view = limiter.limit(
        limit, key_func=get_remote_address, exempt_when=exempt, scope="write-addr"
    )(view)
    return view
