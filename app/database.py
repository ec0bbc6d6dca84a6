"""Engine, sessions and the declarative base shared by every area."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import StrEnum

from flask import Flask, current_app, g, has_request_context, request
from markupsafe import Markup
from sqlalchemy import CheckConstraint, MetaData, create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import DateTime, Text, TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Store aware datetimes as naive UTC; read them back as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


class StoredHTML(TypeDecorator):
    """HTML written by the bounded Markdown renderer (app.rendering); read back as Markup.

    Only app.rendering writes these columns, from app.text.markdown.render_markdown,
    so templates may print them unescaped.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else str(value)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return Markup(value)  # noqa: S704 - written by the bounded renderer only


def enum_check(column: str, enum: type[StrEnum], *also: str) -> CheckConstraint:
    """Return a CHECK constraint that keeps a string column within an enum's values.

    `also` adds accepted values outside the enum ("" for a column that may be blank).
    A nullable column accepts NULL too: a CHECK that evaluates to NULL passes.
    """
    values = ", ".join(f"'{v}'" for v in [*(e.value for e in enum), *also])
    return CheckConstraint(f"{column} IN ({values})", name=f"{column}_valid")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# Set by Database.reading(): the transactions begun in this context only read.
_reading: ContextVar[bool] = ContextVar("clausewise_reading", default=False)
# Set by Database.writing_briefly(): how long (ms) to wait for SQLite's write lock.
_lock_wait_ms: ContextVar[int | None] = ContextVar("clausewise_lock_wait_ms", default=None)


# PostgreSQL aborts one of two transactions that wait on each other (deadlock) or whose
# serializable snapshots conflict; either is rolled back whole and may simply be resent.
_CONTENTION_STATES = {"40P01", "40001"}


def is_lock_error(exc: BaseException) -> bool:
    """SQLite's write lock stayed taken past the busy timeout ("database is locked")."""
    return isinstance(exc, OperationalError) and "locked" in str(exc.orig).lower()


def is_contention(exc: BaseException) -> bool:
    """A write that lost to another and was rolled back whole; sending it again works.

    SQLite locked past the busy timeout, or a PostgreSQL deadlock or serialization abort.
    """
    return is_lock_error(exc) or (
        isinstance(exc, OperationalError)
        and getattr(exc.orig, "sqlstate", None) in _CONTENTION_STATES
    )


def reads_first(view: Callable) -> Callable:
    """Mark a view that reads before it writes, and says when it starts (`begin_writing`).

    On SQLite a request that may write takes the write lock at its first statement
    (BEGIN IMMEDIATE): the signed-in user's load, before the view runs. For a view
    that then reads, validates and renders for milliseconds around a few inserts,
    every other writer queued behind all of it: the one-step comment post held the
    lock for its whole request, which capped intake at about 220 posts/s whatever
    the CPU. A view marked here reads in a deferred transaction, ends it with
    `begin_writing` just before its first write, and commits as soon as its writes
    are done (before rendering the response), so the lock is held for the writes only.
    Put the decorator right under the route, on the function the route registers.
    """
    view.reads_first = True  # type: ignore[attr-defined]
    return view


def _reads_first() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "reads_first", False) and not g.get("cw_writing", False)


def begin_writing(session: Session) -> None:
    """The request's reads are done: its next transaction writes (SQLite: takes the lock).

    In a `reads_first` view, ends the request session's reading transaction. Loaded
    objects stay usable (sessions do not expire on commit); nothing is pending, as
    this comes before the first write. Anywhere else (other views, services called by
    the CLI or tests inside their own transaction) it does nothing: the caller's
    transaction stays whole.
    """
    if not has_request_context() or g.get("db_session") is not session or not _reads_first():
        return
    if session.in_transaction():
        session.commit()
    g.cw_writing = True


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """Apply the pragmas and BEGIN IMMEDIATE recipe for SQLite under several workers."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        # Let SQLAlchemy emit BEGIN itself so that we can choose IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() not in {"wal", "memory"}:
            raise RuntimeError(f"SQLite refused WAL mode (got {mode!r})")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection):
        # Reads stay deferred so readers never queue behind writers; any
        # request that may write takes the write lock up front, where the busy
        # timeout applies, instead of failing on lock upgrade. A `reads_first` view
        # reads deferred too, until `begin_writing` ends that transaction.
        if _reading.get() or (
            has_request_context()
            and (request.method in {"GET", "HEAD", "OPTIONS"} or _reads_first())
        ):
            conn.exec_driver_sql("BEGIN")
            return
        wait_ms = _lock_wait_ms.get()
        if wait_ms is None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            return
        # A shorter wait for this one transaction; the connection goes back to the
        # pool with the usual timeout (holding the lock, COMMIT waits for nothing in WAL).
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(wait_ms)}")
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        finally:
            conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")


class Database:
    """Own the engine and hand out one session per application context."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.session_factory: sessionmaker[Session] | None = None
        self._bound_connection: Connection | None = None

    def init_app(self, app: Flask) -> None:
        url = app.config["DATABASE_URL"]
        self.engine = make_engine(url, app.config.get("SQLITE_BUSY_TIMEOUT_MS", 5000))
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        app.extensions["clausewise.db"] = self
        app.teardown_appcontext(self._teardown)

    def bind_to_connection(self, connection: Connection | None) -> None:
        """Route sessions through one outer transaction (tests roll it back)."""
        self._bound_connection = connection

    def new_session(self) -> Session:
        if self._bound_connection is not None:
            return Session(
                bind=self._bound_connection,
                join_transaction_mode="create_savepoint",
                expire_on_commit=False,
            )
        assert self.session_factory is not None, "Database.init_app was not called"
        return self.session_factory()

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            g.db_session = self.new_session()
        return g.db_session

    def _teardown(self, exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            if exc is not None:
                session.rollback()
            session.close()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """Like transaction(), for a block that only reads.

        On SQLite its transaction begins deferred, so a background reader (the
        search indexer) does not queue for the write lock behind every request.
        """
        token = _reading.set(True)
        try:
            with self.transaction() as session:
                yield session
        finally:
            _reading.reset(token)

    @contextmanager
    def writing_briefly(self, wait_ms: int) -> Iterator[Session]:
        """Like transaction(), but on SQLite wait at most wait_ms for the write lock.

        Past that, OperationalError ("database is locked"). For a background write that
        can be retried later rather than wait behind a stream of requests (SQLite's busy
        handler is not a queue: a waiter can lose the lock to others for seconds).
        """
        token = _lock_wait_ms.set(wait_ms)
        try:
            with self.transaction() as session:
                yield session
        finally:
            _lock_wait_ms.reset(token)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Run a block in its own session and commit it (CLI and background jobs)."""
        session = self.new_session()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


def make_engine(url: str, busy_timeout_ms: int = 5000) -> Engine:
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000})
        _configure_sqlite(engine, busy_timeout_ms)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    return engine
