"""printed publication PDFs are append-only in the database too

Revision ID: 0009_publication_pdf_append_only
Revises: 0008_public_pages
Create Date: 2026-11-26 19:20:00

A publication's PDF is printed once (by the job its publication queued) and kept as
printed: the edition a reader downloads never changes. The ORM guard
(app/immutability.py) refuses updates and deletes at flush time; these triggers
refuse Core statements and raw SQL as well, with the same "append-only:" prefix
as 0002.
"""

from alembic import op

revision = "0009_publication_pdf_append_only"
down_revision = "0008_public_pages"
branch_labels = None
depends_on = None

MARK = "append-only:"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for action in ("update", "delete"):
            op.execute(
                f"CREATE TRIGGER tr_publication_pdf_no_{action} BEFORE {action.upper()} "
                f"ON publication_pdf BEGIN SELECT RAISE(ABORT, '{MARK} publication_pdf rows "
                f"cannot be {action}d'); END"
            )
    elif dialect == "postgresql":
        # cw_refuse_change() comes from 0002.
        op.execute(
            "CREATE TRIGGER tr_publication_pdf_append_only BEFORE UPDATE OR DELETE "
            "ON publication_pdf FOR EACH ROW EXECUTE FUNCTION cw_refuse_change()"
        )
    else:
        raise NotImplementedError(f"no append-only triggers for {dialect}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS tr_publication_pdf_no_update")
        op.execute("DROP TRIGGER IF EXISTS tr_publication_pdf_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS tr_publication_pdf_append_only ON publication_pdf")
