"""comment counters per round and per clause, kept by triggers on comment_state

Revision ID: 0012_comment_counters
Revises: 0011_job_waiting_index
Create Date: 2026-11-26 22:10:00

`comment_tally` (round, agreed, decision, type, group, formal, hidden, shard) and
`clause_tally` (round, clause, agreed, hidden, shard) hold how many comments of
`comment_state` have each key (app/consultation/counters.py). Triggers on
`comment_state` keep them: an INSERT adds 1 to the new row's keys, a DELETE
takes 1 from the old row's, an UPDATE that changes a counted column moves 1
from the old keys to the new, each an upsert `n = n + excluded.n` in the
statement that changed comment_state (so in the event's transaction). The shard
is `comment_id % 4`: concurrent intake rarely locks the same counter row.

SQLite: row triggers (one writer at a time). PostgreSQL: statement triggers
with transition tables: each statement's net change per key is one upsert,
in key order (round counters, then clause counters), so two single-statement
events (a submit of many comments, a one-step post, a moderation) lock
counter rows in one global order and cannot deadlock; a rebuild's DELETE and
INSERT of 50,000 rows is two grouped upserts, not 100,000 trigger calls.

0001 creates the tables on a new database; on one created before, this
migration creates them. Either way it creates the triggers and fills the tables
from comment_state (a GROUP BY over it, seconds at 100,000 comments).

On SQLite, a later batch migration that recreates comment_state drops these
triggers: it must create them again (tests/committee/test_counters.py checks
they exist at head).
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_comment_counters"
down_revision = "0011_job_waiting_index"
branch_labels = None
depends_on = None

SHARDS = 4

TALLY = "comment_tally"
TALLY_KEYS = (
    "round_id",
    "agreed",
    "decision",
    "comment_type",
    "stakeholder_group",
    "formal",
    "hidden",
    "shard",
)
CLAUSE = "clause_tally"
CLAUSE_KEYS = ("round_id", "clause_key", "agreed", "hidden", "shard")

# The value of each key column for a comment_state row (R is OLD or NEW).
TALLY_VALUES = (
    "R.round_id",
    "R.agreed",
    "COALESCE(R.decision, '')",
    "R.comment_type",
    "R.stakeholder_group",
    "R.formal",
    "R.hidden",
    f"R.comment_id % {SHARDS}",
)
CLAUSE_VALUES = ("R.round_id", "COALESCE(R.clause_id, 0)", "R.agreed", "R.hidden")
CLAUSE_VALUES += (f"R.comment_id % {SHARDS}",)
# The comment_state columns each table counts by (an UPDATE of others moves nothing).
TALLY_SOURCE = ("round_id", "agreed", "decision", "comment_type", "stakeholder_group")
TALLY_SOURCE += ("formal", "hidden")
CLAUSE_SOURCE = ("round_id", "clause_id", "agreed", "hidden")

TRIGGERS = (
    "comment_state_tally_insert",
    "comment_state_tally_delete",
    "comment_state_tally_update",
    "comment_state_clause_update",
)


def _upsert(table: str, keys: tuple[str, ...], values: tuple[str, ...], row: str, delta: int):
    row_values = ", ".join(v.replace("R.", f"{row}.") for v in values)
    return (
        f"INSERT INTO {table} ({', '.join(keys)}, n) VALUES ({row_values}, {delta}) "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET n = {table}.n + excluded.n"
    )


def _changed(columns: tuple[str, ...], distinct: str) -> str:
    return " OR ".join(f"OLD.{c} {distinct} NEW.{c}" for c in columns)


def _create_tables() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if TALLY not in existing:
        op.create_table(
            TALLY,
            sa.Column("round_id", sa.Integer(), nullable=False, autoincrement=False),
            sa.Column("agreed", sa.Boolean(), nullable=False),
            sa.Column("decision", sa.String(length=32), nullable=False),
            sa.Column("comment_type", sa.String(length=16), nullable=False),
            sa.Column("stakeholder_group", sa.String(length=32), nullable=False),
            sa.Column("formal", sa.Boolean(), nullable=False),
            sa.Column("hidden", sa.Boolean(), nullable=False),
            sa.Column("shard", sa.SmallInteger(), nullable=False, autoincrement=False),
            sa.Column("n", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint(*TALLY_KEYS, name=op.f("pk_comment_tally")),
        )
    if CLAUSE not in existing:
        op.create_table(
            CLAUSE,
            sa.Column("round_id", sa.Integer(), nullable=False, autoincrement=False),
            sa.Column("clause_key", sa.Integer(), nullable=False, autoincrement=False),
            sa.Column("agreed", sa.Boolean(), nullable=False),
            sa.Column("hidden", sa.Boolean(), nullable=False),
            sa.Column("shard", sa.SmallInteger(), nullable=False, autoincrement=False),
            sa.Column("n", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint(*CLAUSE_KEYS, name=op.f("pk_clause_tally")),
        )


def _sqlite_triggers() -> list[str]:
    both_new = ";\n  ".join(
        (
            _upsert(TALLY, TALLY_KEYS, TALLY_VALUES, "NEW", 1),
            _upsert(CLAUSE, CLAUSE_KEYS, CLAUSE_VALUES, "NEW", 1),
        )
    )
    both_old = ";\n  ".join(
        (
            _upsert(TALLY, TALLY_KEYS, TALLY_VALUES, "OLD", -1),
            _upsert(CLAUSE, CLAUSE_KEYS, CLAUSE_VALUES, "OLD", -1),
        )
    )
    move = {}
    for name, table, keys, values, source in (
        ("comment_state_tally_update", TALLY, TALLY_KEYS, TALLY_VALUES, TALLY_SOURCE),
        ("comment_state_clause_update", CLAUSE, CLAUSE_KEYS, CLAUSE_VALUES, CLAUSE_SOURCE),
    ):
        move[name] = (
            f"CREATE TRIGGER {name} AFTER UPDATE OF {', '.join(source)} ON comment_state "
            f"WHEN {_changed(source, 'IS NOT')}\nBEGIN\n  "
            f"{_upsert(table, keys, values, 'OLD', -1)};\n  "
            f"{_upsert(table, keys, values, 'NEW', 1)};\nEND"
        )
    return [
        "CREATE TRIGGER comment_state_tally_insert AFTER INSERT ON comment_state\n"
        f"BEGIN\n  {both_new};\nEND",
        "CREATE TRIGGER comment_state_tally_delete AFTER DELETE ON comment_state\n"
        f"BEGIN\n  {both_old};\nEND",
        *move.values(),
    ]


def _delta(table: str, keys: tuple[str, ...], values: tuple[str, ...], sources) -> str:
    """One upsert of a statement's net change per key, in key order (PostgreSQL)."""
    selects = " UNION ALL ".join(
        f"SELECT {', '.join(v.replace('R.', '') for v in values)}, {sign} FROM {rows}"
        for rows, sign in sources
    )
    names = ", ".join(keys)
    return (
        f"INSERT INTO {table} ({names}, n) "
        f"SELECT {names}, SUM(delta) FROM ({selects}) AS d ({names}, delta) "
        f"GROUP BY {names} HAVING SUM(delta) <> 0 ORDER BY {names} "
        f"ON CONFLICT ({names}) DO UPDATE SET n = {table}.n + excluded.n"
    )


def _postgresql_function() -> str:
    inserted, deleted = [("new_rows", 1)], [("old_rows", -1)]
    updated = [("old_rows", -1), ("new_rows", 1)]
    return f"""
CREATE OR REPLACE FUNCTION comment_state_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {_delta(TALLY, TALLY_KEYS, TALLY_VALUES, inserted)};
    {_delta(CLAUSE, CLAUSE_KEYS, CLAUSE_VALUES, inserted)};
  ELSIF TG_OP = 'DELETE' THEN
    {_delta(TALLY, TALLY_KEYS, TALLY_VALUES, deleted)};
    {_delta(CLAUSE, CLAUSE_KEYS, CLAUSE_VALUES, deleted)};
  ELSE
    {_delta(TALLY, TALLY_KEYS, TALLY_VALUES, updated)};
    {_delta(CLAUSE, CLAUSE_KEYS, CLAUSE_VALUES, updated)};
  END IF;
  RETURN NULL;
END $$"""


PG_TRIGGERS = {
    "comment_state_tally_insert": ("INSERT", "NEW TABLE AS new_rows"),
    "comment_state_tally_delete": ("DELETE", "OLD TABLE AS old_rows"),
    "comment_state_tally_update": ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
}


def _fill() -> None:
    for table, keys, values in (
        (TALLY, TALLY_KEYS, TALLY_VALUES),
        (CLAUSE, CLAUSE_KEYS, CLAUSE_VALUES),
    ):
        expressions = ", ".join(v.replace("R.", "") for v in values)
        op.execute(f"DELETE FROM {table}")
        op.execute(
            f"INSERT INTO {table} ({', '.join(keys)}, n) "
            f"SELECT {expressions}, COUNT(*) FROM comment_state GROUP BY {expressions}"
        )


def upgrade() -> None:
    _create_tables()
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_postgresql_function())
        op.execute("DROP TRIGGER IF EXISTS comment_state_tally ON comment_state")  # a draft's
        for name, (event, transition) in PG_TRIGGERS.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON comment_state")
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON comment_state "
                f"REFERENCING {transition} "
                "FOR EACH STATEMENT EXECUTE FUNCTION comment_state_tally()"
            )
    else:
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for statement in _sqlite_triggers():
            op.execute(statement)
    _fill()
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ANALYZE comment_tally")
        op.execute("ANALYZE clause_tally")


def downgrade() -> None:
    # The tables stay (0001 drops them with the others); the triggers go.
    if op.get_bind().dialect.name == "postgresql":
        for name in PG_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON comment_state")
        op.execute("DROP FUNCTION IF EXISTS comment_state_tally()")
    else:
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
