"""comment_state in receipt order: the committee dashboard's pages walk one index

Revision ID: 0010_comment_state_receipt_order
Revises: 0009_publication_pdf_append_only
Create Date: 2026-11-26 19:20:00

`comment_state` gains each comment's place in receipt order (`submitted_at`,
`submission_id`, `ordinal`), whether it is `anchored` to a passage, and
`ix_comment_state_receipt`, which starts with the round and that order and holds
every filter column, so a filtered page of the committee dashboard reads that
index alone and stops at the page's end.
`ix_comment_state_progress` is reordered so progress, its open-by-type/group
breakdown and the synopsis counts group in index order; the per-clause breakdown
gets its own narrow index (`ix_comment_state_filters` goes: the receipt index
covers the filtered counts); `ix_comment_state_language` lists a round's
languages by a loose index scan; `ix_comment_state_clause` serves the committee's
page of every comment on a clause; `ix_comment_state_public` also holds agreed and
decision, so it covers the published synopsis's hidden rows.

0001 creates all of this on a new database; on one created before, this
migration adds the columns, fills them from `comment` and `submission`, makes
them NOT NULL and replaces the indexes.
"""

import sqlalchemy as sa
from alembic import op

from app.database import UTCDateTime

revision = "0010_comment_state_receipt_order"
down_revision = "0009_publication_pdf_append_only"
branch_labels = None
depends_on = None

NEW_COLUMNS = (
    ("submitted_at", UTCDateTime()),
    ("submission_id", sa.Integer()),
    ("ordinal", sa.Integer()),
    ("anchored", sa.Boolean()),
)
INDEXES = {
    "ix_comment_state_progress": [
        "round_id",
        "agreed",
        "comment_type",
        "stakeholder_group",
        "decision",
        "formal",
        "hidden",
    ],
    "ix_comment_state_open_clause": ["round_id", "agreed", "clause_id"],
    "ix_comment_state_receipt": [
        "round_id",
        "submitted_at",
        "submission_id",
        "ordinal",
        "agreed",
        "decision",
        "comment_type",
        "stakeholder_group",
        "clause_id",
        "language",
        "formal",
        "comment_id",
    ],
    "ix_comment_state_language": ["round_id", "language"],
    "ix_comment_state_public": [
        "round_id",
        "hidden",
        "clause_id",
        "stakeholder_group",
        "agreed",
        "decision",
    ],
    "ix_comment_state_clause": [
        "clause_id",
        "round_id",
        "submitted_at",
        "submission_id",
        "ordinal",
        "anchored",
    ],
}

BACKFILL = """
UPDATE comment_state SET
  submitted_at = (SELECT s.submitted_at FROM comment c JOIN submission s ON s.id = c.submission_id
                  WHERE c.id = comment_state.comment_id),
  submission_id = (SELECT c.submission_id FROM comment c WHERE c.id = comment_state.comment_id),
  ordinal = (SELECT c.ordinal FROM comment c WHERE c.id = comment_state.comment_id),
  anchored = (SELECT c.anchor_exact IS NOT NULL FROM comment c
              WHERE c.id = comment_state.comment_id)
WHERE submitted_at IS NULL OR anchored IS NULL
"""


def _indexes() -> dict[str, list[str]]:
    inspector = sa.inspect(op.get_bind())
    return {i["name"]: i["column_names"] for i in inspector.get_indexes("comment_state")}


def upgrade() -> None:
    present = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("comment_state")}
    missing = [(name, kind) for name, kind in NEW_COLUMNS if name not in present]
    if missing:
        for name, kind in missing:
            op.add_column("comment_state", sa.Column(name, kind, nullable=True))
        op.execute(BACKFILL)
        with op.batch_alter_table("comment_state") as batch:
            for name, kind in missing:
                batch.alter_column(name, existing_type=kind, nullable=False)
    found = _indexes()
    if "ix_comment_state_filters" in found:
        op.drop_index("ix_comment_state_filters", table_name="comment_state")
    for name, columns in INDEXES.items():
        if found.get(name) == columns:
            continue
        if name in found:
            op.drop_index(name, table_name="comment_state")
        op.create_index(name, "comment_state", columns)


def downgrade() -> None:
    """Nothing to undo: the columns and indexes belong to 0001 (as with 0007's columns)."""
