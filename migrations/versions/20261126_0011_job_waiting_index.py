"""the job queue's waiting jobs in a partial index

Revision ID: 0011_job_waiting_index
Revises: 0010_comment_state_receipt_order
Create Date: 2026-11-26 22:20:00

`ix_job_waiting` holds only the jobs not yet done, by kind and id. The search
indexer polls for waiting updates ten times a second, the worker claims jobs and
`/healthz` reports the search lag; through `ix_job_kind` each of them walked every
job of that kind ever done (about 11,000 after a one-minute intake campaign, and
growing), which made `/healthz` on SQLite cost 5 ms instead of 1.

Databases created from 0001 since have it already (0001 is generated from the models).
"""

from alembic import op

revision = "0011_job_waiting_index"
down_revision = "0010_comment_state_receipt_order"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS ix_job_waiting ON job (kind, id) WHERE done_at IS NULL")


def downgrade() -> None:
    # Nothing: 0001 (generated from the models) creates it on new databases.
    pass
