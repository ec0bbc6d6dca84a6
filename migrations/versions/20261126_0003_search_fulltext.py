"""PostgreSQL full-text search: weighted tsvector columns, GIN indexes, the did-you-mean word list

Generated columns keep themselves current inside every writing transaction, so the
PostgreSQL engine needs no separate index. SQLite uses the Whoosh engine: nothing to do.

Revision ID: 0003_search_fulltext
Revises: 0002_append_only_triggers
"""

from alembic import op

revision = "0003_search_fulltext"
down_revision = "0002_append_only_triggers"
branch_labels = None
depends_on = None

VECTORS = {
    # Clause number and heading weigh more than the body.
    "clause_revision": (
        "setweight(to_tsvector('english', coalesce(number, '') || ' ' || coalesce(heading, '')),"
        " 'A') || setweight(to_tsvector('english', coalesce(body, '')), 'B')"
    ),
    "comment": (
        "setweight(to_tsvector('english', coalesce(body, '')), 'B') || "
        "setweight(to_tsvector('english', coalesce(proposed_change, '')), 'C')"
    ),
    "disposition": "setweight(to_tsvector('english', coalesce(response, '')), 'C')",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, expression in VECTORS.items():
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN search_vector tsvector"
            f" GENERATED ALWAYS AS ({expression}) STORED"
        )
        op.execute(f"CREATE INDEX ix_{table}_search_vector ON {table} USING gin (search_vector)")
    op.execute("CREATE TABLE search_word (word varchar(64) PRIMARY KEY)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE search_word")
    for table in VECTORS:
        op.execute(f"DROP INDEX ix_{table}_search_vector")
        op.execute(f"ALTER TABLE {table} DROP COLUMN search_vector")
