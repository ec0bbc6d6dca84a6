"""the public record and synopsis in clause order from the read model

Revision ID: 0013_comment_state_record
Revises: 0012_comment_counters
Create Date: 2026-11-26 22:45:00

`ix_comment_state_record (clause_id, round_id, hidden, comment_id)`: the public record's
pages read each clause's segment of a round in comment id order. Driven from comment's
own clause index, a segment walked every round's comments on that clause (page 1 of a
second round passed the first round's 5,000 whole-draft comments, each with two
moderation probes: 17 ms on SQLite); this index gives the round's visible comments of
one clause in page order. Clause first, so that SQLite never takes it for a walk of the
whole round (round, hidden) and sorts 50,000 rows: the segments beyond the cursor are
driven from version_entry in clause order and probe it clause by clause.

Databases created from 0001 since have it already (0001 is generated from the models).
"""

from alembic import op

revision = "0013_comment_state_record"
down_revision = "0012_comment_counters"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_comment_state_record "
        "ON comment_state (clause_id, round_id, hidden, comment_id)"
    )


def downgrade() -> None:
    # Nothing: 0001 (generated from the models) creates it on new databases and drops it
    # with its table; on older databases it stays harmlessly until then.
    pass
