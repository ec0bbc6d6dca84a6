"""publications are append-only in the database too

Revision ID: 0003_publication_append_only
Revises: 0002_append_only_triggers
Create Date: 2026-11-26 14:30:00

A publication is never changed nor deleted: a correction is a new row that names
the one it corrects. The ORM guard (app/immutability.py) refuses it at flush
time; these triggers refuse Core statements and raw SQL as well, with the same
"append-only:" message prefix as 0002.
"""

from alembic import op

revision = "0003_publication_append_only"
down_revision = "0002_append_only_triggers"
branch_labels = None
depends_on = None

MARK = "append-only:"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for action in ("update", "delete"):
            op.execute(
                f"CREATE TRIGGER tr_publication_no_{action} BEFORE {action.upper()} "
                f"ON publication BEGIN SELECT RAISE(ABORT, '{MARK} publication rows "
                f"cannot be {action}d'); END"
            )
    elif dialect == "postgresql":
        # cw_refuse_change() comes from 0002.
        op.execute(
            "CREATE TRIGGER tr_publication_append_only BEFORE UPDATE OR DELETE ON publication "
            "FOR EACH ROW EXECUTE FUNCTION cw_refuse_change()"
        )
    else:
        raise NotImplementedError(f"no append-only triggers for {dialect}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS tr_publication_no_update")
        op.execute("DROP TRIGGER IF EXISTS tr_publication_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS tr_publication_append_only ON publication")
