"""Write a consistent copy of the live database, and bring one back.

SQLite: the online backup API (`sqlite3.Connection.backup`) copies the database
page by page under a read lock, so the copy is consistent even while workers
write: committed transactions are in it, uncommitted ones are not.
PostgreSQL: `pg_dump` reads inside one repeatable-read snapshot; the custom
format is compressed and checked by `pg_restore` before anything is dropped.
A restore replaces everything in the database, in one transaction on
PostgreSQL, so a failed restore leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
import glob
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, Engine, make_url

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore could not be done; the message says why."""


def default_path(folder: Path, database_url: str, now: dt.datetime | None = None) -> Path:
    """Name a new backup file in folder after the time and the engine."""
    now = now or dt.datetime.now(dt.UTC)
    suffix = "sqlite3" if _is_sqlite(make_url(database_url)) else "pgdump"
    return folder / f"clausewise-{now:%Y%m%dT%H%M%SZ}.{suffix}"


def backup(database_url: str, target: Path, engine: Engine | None = None) -> Path:
    """Write a consistent copy of the database to target (which must not exist)."""
    url = make_url(database_url)
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new file name.")
    target.parent.mkdir(parents=True, exist_ok=True)
    if _is_sqlite(url):
        _sqlite_backup(_sqlite_file(url), target)
    elif url.get_backend_name() == "postgresql":
        tool = find_pg_tool("pg_dump", _server_major(engine))
        _run(
            [tool, "--format=custom", "--no-owner", "--no-privileges", "--file", str(target)],
            url,
        )
    else:
        raise BackupError(f"Backups of {url.get_backend_name()} databases are not supported.")
    return target


def restore(database_url: str, source: Path, engine: Engine | None = None) -> None:
    """Replace the whole database with the backup in source."""
    url = make_url(database_url)
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source} is not a file.")
    head = _head(source)
    if engine is not None:
        engine.dispose()  # pooled connections must not outlive the old data
    if _is_sqlite(url):
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(f"{source} is not a SQLite backup.")
        _sqlite_restore(source, _sqlite_file(url))
    elif url.get_backend_name() == "postgresql":
        if not head.startswith(PG_DUMP_MAGIC):
            raise BackupError(f"{source} is not a pg_dump backup (custom format).")
        _pg_restore(url, source, _server_major(engine))
    else:
        raise BackupError(f"Restoring {url.get_backend_name()} databases is not supported.")
    if engine is not None:
        engine.dispose()


# --- SQLite ---------------------------------------------------------------------


def _is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def _sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return Path(url.database)


def _sqlite_backup(live: Path, target: Path) -> None:
    source = sqlite3.connect(f"file:{live}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()


def _sqlite_restore(backup_file: Path, live: Path) -> None:
    source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        check = source.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"{backup_file} is damaged: {check}")
        has_schema = source.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()
        if not has_schema:
            raise BackupError(f"{backup_file} is not a Clausewise database.")
        target = sqlite3.connect(live, timeout=30)
        try:
            source.backup(target)  # replaces every page of the live file, under its lock
        finally:
            target.close()
    finally:
        source.close()


# --- PostgreSQL -----------------------------------------------------------------


def _server_major(engine: Engine | None) -> int | None:
    if engine is None:
        return None
    with engine.connect() as connection:
        return int(connection.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def find_pg_tool(name: str, server_major: int | None = None) -> str:
    """Find a PostgreSQL client program at least as new as the server.

    PG_BIN_DIR wins; then Debian's /usr/lib/postgresql/<major>/bin, the server's
    own major first, then the newest; then the PATH. pg_dump refuses servers
    newer than itself, so each candidate's version is checked.
    """
    candidates: list[Path] = []
    if os.environ.get("PG_BIN_DIR"):
        candidates.append(Path(os.environ["PG_BIN_DIR"]) / name)
    versioned = []
    for folder in glob.glob("/usr/lib/postgresql/*/bin"):
        match = re.search(r"/postgresql/(\d+)", folder)
        if match:
            versioned.append((int(match.group(1)), Path(folder) / name))
    versioned.sort(key=lambda v: (v[0] != server_major, -v[0]))
    candidates.extend(path for _major, path in versioned)
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    for candidate in candidates:
        if not (candidate.is_file() and os.access(candidate, os.X_OK)):
            continue
        if server_major is None or (_tool_major(candidate) or 0) >= server_major:
            return str(candidate)
    wanted = f" {server_major} or newer" if server_major else ""
    raise BackupError(
        f"{name}{wanted} was not found: install the PostgreSQL client (postgresql-client) "
        "or set PG_BIN_DIR to the folder that holds it."
    )


def _tool_major(program: Path) -> int | None:
    try:
        out = subprocess.run(  # noqa: S603
            [str(program), "--version"], capture_output=True, text=True, check=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else None


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """Return a libpq connection URI without the password, and the environment with it."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], url: URL, **kwargs) -> subprocess.CompletedProcess:
    uri, env = _libpq(url)
    try:
        return subprocess.run(  # noqa: S603 - fixed programs, arguments from our settings
            [*command, "--dbname", uri],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            **kwargs,
        )
    except subprocess.CalledProcessError as exc:
        raise BackupError(f"{Path(command[0]).name} failed: {exc.stderr.strip()}") from None


def _pg_restore(url: URL, source: Path, server_major: int | None) -> None:
    pg_restore = find_pg_tool("pg_restore", server_major)
    psql = find_pg_tool("psql", server_major)
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "restore.sql"
        # pg_restore reads and checks the whole dump before the database is touched.
        try:
            subprocess.run(  # noqa: S603
                [pg_restore, "--no-owner", "--no-privileges", "--file", str(script), str(source)],
                check=True,
                capture_output=True,
                text=True,
            )
        except subprocess.CalledProcessError as exc:
            raise BackupError(f"pg_restore cannot read {source}: {exc.stderr.strip()}") from None
        _run(
            [
                psql,
                "--quiet",
                "--no-psqlrc",
                "--single-transaction",
                "--set=ON_ERROR_STOP=1",
                "--command=DROP SCHEMA public CASCADE",
                "--command=CREATE SCHEMA public",
                f"--file={script}",
            ],
            url,
        )


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(16)
