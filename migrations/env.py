"""Alembic environment: the models' metadata, the app's database URL."""

from alembic import context
from sqlalchemy import create_engine

from app import models  # noqa: F401 - register every table
from app.database import Base

config = context.config
target_metadata = Base.metadata

# PostgreSQL-only search objects owned by migration 0005_search_fulltext; no model describes
# them, so autogenerate must not offer to drop them.
SEARCH_TABLES = {"search_document", "search_word"}


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    if reflected and compare_to is None:
        table = obj.table.name if type_ in {"index", "column"} else name
        return table not in SEARCH_TABLES
    return True


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.begin() as conn:
            _run(conn)
        return
    _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
