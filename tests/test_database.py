"""SQLite settings for several workers: WAL, foreign keys, BEGIN IMMEDIATE, clear 503."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app.database import is_contention, make_engine


def test_sqlite_pragmas_and_write_lock_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'locks.sqlite3'}", busy_timeout_ms=100)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 100
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    holder = engine.connect()
    holder.begin()  # BEGIN IMMEDIATE: takes the write lock at once
    holder.execute(text("INSERT INTO t VALUES (1)"))
    try:
        with pytest.raises(OperationalError) as error, engine.begin() as other:
            other.execute(text("INSERT INTO t VALUES (2)"))
        assert is_contention(error.value)
    finally:
        holder.rollback()
        holder.close()
        engine.dispose()
