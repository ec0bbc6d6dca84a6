"""Throttle failed sign-ins per account and per address, in a store every worker shares.

Each failure counts against the account named in the form (whether or not it
exists, so the answer reveals nothing) and against the client's address.
Past a few free failures every further one locks the key for a delay that
doubles, up to a ceiling; a successful sign-in clears the account's count.
The store is the database on the embedded default, or the Flask-Limiter
storage (Redis) named by SIGN_IN_THROTTLE_STORAGE / RATELIMIT_STORAGE_URI.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import case, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.auth.models import SignInThrottle
from app.database import utcnow

WINDOW = dt.timedelta(hours=24)  # failures are forgotten a day after the last one
MAX_DELAY_S = 15 * 60


@dataclass(frozen=True)
class Key:
    name: str
    free: int  # failures allowed before delays start


def keys_for(email: str, address: str | None) -> tuple[Key, Key]:
    """Return the account key and the address key for a sign-in attempt."""
    account = hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:40]
    addr = hashlib.sha256((address or "unknown").encode()).hexdigest()[:40]
    config = current_app.config
    return (
        Key(f"acct:{account}", config["SIGN_IN_FREE_FAILURES_ACCOUNT"]),
        Key(f"addr:{addr}", config["SIGN_IN_FREE_FAILURES_ADDRESS"]),
    )


def delay_after(failures: int, free: int) -> int:
    """Seconds to wait after the given number of failures: 0, then 1, 2, 4 … up to 15 min."""
    if failures <= free:
        return 0
    return min(2 ** (failures - free - 1), MAX_DELAY_S)


def _store(session: Session):
    uri = current_app.config.get("SIGN_IN_THROTTLE_STORAGE") or "database"
    if uri == "database":
        return DatabaseStore(session)
    return LimitsStore(uri)


def retry_after(session: Session, keys: tuple[Key, ...]) -> int:
    """Seconds until any of the keys may try again (0: go ahead)."""
    if not current_app.config.get("SIGN_IN_THROTTLE_ENABLED", True):
        return 0
    store = _store(session)
    return max((store.locked_for(key.name) for key in keys), default=0)


def fail(session: Session, keys: tuple[Key, ...]) -> None:
    """Count a failed attempt against every key and lock those past their free failures."""
    if not current_app.config.get("SIGN_IN_THROTTLE_ENABLED", True):
        return
    store = _store(session)
    for key in keys:
        failures = store.add_failure(key.name)
        delay = delay_after(failures, key.free)
        if delay:
            store.lock(key.name, delay)


def succeed(session: Session, key: Key) -> None:
    """Forget the failures of an account that has just signed in."""
    if current_app.config.get("SIGN_IN_THROTTLE_ENABLED", True):
        _store(session).clear(key.name)


class DatabaseStore:
    """Counts in the `sign_in_throttle` table, shared by every worker on the database."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def locked_for(self, key: str) -> int:
        until = self.session.scalar(
            select(SignInThrottle.locked_until).where(SignInThrottle.key == key)
        )
        if until is None:
            return 0
        return max(0, math.ceil((until - utcnow()).total_seconds()))

    def add_failure(self, key: str) -> int:
        now = utcnow()
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        table = SignInThrottle.__table__
        stmt = insert(table).values(key=key, failures=1, window_ends_at=now + WINDOW)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "failures": case((table.c.window_ends_at < now, 1), else_=table.c.failures + 1),
                "window_ends_at": now + WINDOW,
            },
        ).returning(table.c.failures)
        return int(self.session.execute(stmt).scalar_one())

    def lock(self, key: str, seconds: int) -> None:
        row = self.session.get(SignInThrottle, key)
        row.locked_until = utcnow() + dt.timedelta(seconds=seconds)
        self.session.flush()

    def clear(self, key: str) -> None:
        row = self.session.get(SignInThrottle, key)
        if row is not None:
            self.session.delete(row)
            self.session.flush()


class LimitsStore:
    """Counts in a Flask-Limiter (limits) storage such as Redis."""

    _storages: dict[str, object] = {}

    def __init__(self, uri: str) -> None:
        from limits.storage import storage_from_string

        if uri not in self._storages:
            self._storages[uri] = storage_from_string(uri)
        self.storage = self._storages[uri]

    def locked_for(self, key: str) -> int:
        if self.storage.get(f"cw-lock:{key}") <= 0:
            return 0
        return max(1, math.ceil(self.storage.get_expiry(f"cw-lock:{key}") - time.time()))

    def add_failure(self, key: str) -> int:
        return self.storage.incr(f"cw-fail:{key}", int(WINDOW.total_seconds()))

    def lock(self, key: str, seconds: int) -> None:
        self.storage.clear(f"cw-lock:{key}")
        self.storage.incr(f"cw-lock:{key}", seconds)

    def clear(self, key: str) -> None:
        self.storage.clear(f"cw-fail:{key}")
        self.storage.clear(f"cw-lock:{key}")
