"""a partial index for a round's formal submissions

Revision ID: 0008_formal_submission_index
Revises: 0007_stored_html
Create Date: 2026-11-26 19:30:00

The public record lists a round's formal submissions (the Indigenous Peoples Advisory
Forum's) above its first page. Without an index on them, finding the few among a
round's tens of thousands of submissions walked every submitted one (5 ms at 50,000).
Its columns are those of ix_submission_round_order, so that SQLite, without
statistics, prefers it. Databases created from 0001 since have it already (models).
"""

from alembic import op

revision = "0008_formal_submission_index"
down_revision = "0007_stored_html"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_submission_formal ON submission (round_id, status, submitted_at) "
        "WHERE kind = 'formal'"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_submission_formal")
