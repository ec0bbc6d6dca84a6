"""edited pages (the privacy notice) are append-only in the database too

Revision ID: 0004_page_text_append_only
Revises: 0003_publication_append_only
Create Date: 2026-11-26 14:20:00

Every edit of the privacy notice is a new page_text row; the latest is shown
and earlier ones stay as the record of what people were told. The ORM guard
refuses changes at flush time; these triggers refuse Core statements and raw
SQL as well, with the "append-only:" prefix of 0002.
"""

from alembic import op

revision = "0004_page_text_append_only"
down_revision = "0003_publication_append_only"
branch_labels = None
depends_on = None

MARK = "append-only:"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for action in ("update", "delete"):
            op.execute(
                f"CREATE TRIGGER tr_page_text_no_{action} BEFORE {action.upper()} "
                f"ON page_text BEGIN SELECT RAISE(ABORT, '{MARK} page_text rows "
                f"cannot be {action}d'); END"
            )
    elif dialect == "postgresql":
        # cw_refuse_change() comes from 0002.
        op.execute(
            "CREATE TRIGGER tr_page_text_append_only BEFORE UPDATE OR DELETE ON page_text "
            "FOR EACH ROW EXECUTE FUNCTION cw_refuse_change()"
        )
    else:
        raise NotImplementedError(f"no append-only triggers for {dialect}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS tr_page_text_no_update")
        op.execute("DROP TRIGGER IF EXISTS tr_page_text_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS tr_page_text_append_only ON page_text")
