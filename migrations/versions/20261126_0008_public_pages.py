"""public pages at volume: a partial index for formal submissions, a publication's counts

Revision ID: 0008_public_pages
Revises: 0007_stored_html
Create Date: 2026-11-26 19:30:00

- `ix_submission_formal`: the public record lists a round's formal submissions (the
  Indigenous Peoples Advisory Forum's) above its first page; finding the few among a
  round's tens of thousands of submissions walked every submitted one (5 ms at 50,000).
  Its columns are those of ix_submission_round_order, so that SQLite, without
  statistics, prefers it.
- `synopsis_publication.counts`: the round's counts kept when its synopsis is published
  (see the model). Publications made before stay NULL and are counted as before.

Databases created from 0001 since have both already (0001 is generated from the models).
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_public_pages"
down_revision = "0007_stored_html"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_submission_formal "
        "ON submission (round_id, status, submitted_at) WHERE kind = 'formal'"
    )
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("synopsis_publication")}
    if "counts" not in columns:
        op.add_column("synopsis_publication", sa.Column("counts", sa.JSON(), nullable=True))


def downgrade() -> None:
    # Nothing: 0001 (generated from the models) creates both on new databases and drops
    # them with their tables; on older databases they stay harmlessly until then.
    pass
