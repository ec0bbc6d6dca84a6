"""changes of a round's closing time are append-only in the database too

Revision ID: 0006_round_change_append_only
Revises: 0005_search_fulltext
Create Date: 2026-11-26 15:00:00

Extending a round or closing it early writes a round_change row (old and new closing
time, reason, who, when) beside the update of the round's closes_at. The ORM guard
refuses changes to those rows at flush time; these triggers refuse Core statements
and raw SQL as well, with the "append-only:" prefix of 0002.
"""

from alembic import op

revision = "0006_round_change_append_only"
down_revision = "0005_search_fulltext"
branch_labels = None
depends_on = None

MARK = "append-only:"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for action in ("update", "delete"):
            op.execute(
                f"CREATE TRIGGER tr_round_change_no_{action} BEFORE {action.upper()} "
                f"ON round_change BEGIN SELECT RAISE(ABORT, '{MARK} round_change rows "
                f"cannot be {action}d'); END"
            )
    elif dialect == "postgresql":
        # cw_refuse_change() comes from 0002.
        op.execute(
            "CREATE TRIGGER tr_round_change_append_only BEFORE UPDATE OR DELETE "
            "ON round_change FOR EACH ROW EXECUTE FUNCTION cw_refuse_change()"
        )
    else:
        raise NotImplementedError(f"no append-only triggers for {dialect}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS tr_round_change_no_update")
        op.execute("DROP TRIGGER IF EXISTS tr_round_change_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS tr_round_change_append_only ON round_change")
