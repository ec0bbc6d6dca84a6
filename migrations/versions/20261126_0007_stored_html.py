"""Markdown rendered once and stored: backfill, and let only a newer renderer refresh it

Revision ID: 0007_stored_html
Revises: 0006_round_change_append_only
Create Date: 2026-11-26 16:45:00

Clause revisions, comments, dispositions, submissions' cover statements, round
summaries and page texts carry their rendered HTML (`*_html`) and the renderer
version that wrote it (`rendered_with`, app.text.markdown.RENDERER_VERSION).
0001 creates the columns on a new database; on one created before them this
migration adds them, then renders every row that lacks its HTML.

The append-only triggers of 0002/0004 refused every UPDATE of a revision, a
disposition, a page text and a submitted comment. They now allow one kind:
the HTML columns rewritten together with a higher `rendered_with`, every other
column unchanged (the column list is read when this migration runs: a column
added later is covered by a later migration). That is what `flask text
rerender` does after a renderer change. A submitted submission's cover
statement HTML gets the same rule.
"""

import sqlalchemy as sa
from alembic import op

from app.text.markdown import RENDERER_VERSION, render_markdown

revision = "0007_stored_html"
down_revision = "0006_round_change_append_only"
branch_labels = None
depends_on = None

MARK = "append-only:"

# table -> {source column: stored HTML column}
STORED = {
    "clause_revision": {"body": "body_html"},
    "comment": {"body": "body_html", "proposed_change": "proposed_change_html"},
    "disposition": {"response": "response_html"},
    "submission": {"cover_statement": "cover_statement_html"},
    "consultation_round": {"summary": "summary_html"},
    "page_text": {"body": "body_html"},
    "clause_translation": {"body": "body_html"},
}
# Rows never updated (0002, 0004) whose triggers become "refresh only".
APPEND_ONLY = ("clause_revision", "disposition", "page_text")


def _add_missing_columns() -> None:
    inspector = sa.inspect(op.get_bind())
    for table, pairs in STORED.items():
        present = {c["name"] for c in inspector.get_columns(table)}
        for target in pairs.values():
            if target not in present:
                op.add_column(
                    table, sa.Column(target, sa.Text(), nullable=False, server_default="")
                )
        if "rendered_with" not in present:
            # 0: rendered by no renderer yet; the backfill below renders these rows.
            op.add_column(
                table, sa.Column("rendered_with", sa.Integer(), nullable=False, server_default="0")
            )


def _refresh(table: str, dialect: str) -> str:
    """SQL condition: this UPDATE only re-renders the stored HTML with a newer renderer."""
    stored = set(STORED[table].values()) | {"rendered_with"}
    columns = [c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)]
    same = "IS" if dialect == "sqlite" else "IS NOT DISTINCT FROM"
    fixed = " AND ".join(f"NEW.{c} {same} OLD.{c}" for c in columns if c not in stored)
    return f"(NEW.rendered_with > OLD.rendered_with AND {fixed})"


def _submission_rule(dialect: str) -> str:
    same = "IS" if dialect == "sqlite" else "IS NOT DISTINCT FROM"
    return (
        f"OLD.status <> 'draft' AND NOT (NEW.cover_statement_html {same} "
        "OLD.cover_statement_html AND NEW.rendered_with "
        f"{same} OLD.rendered_with) AND NOT (NEW.rendered_with > OLD.rendered_with "
        f"AND NEW.cover_statement {same} OLD.cover_statement)"
    )


SUBMISSION_MESSAGE = "a submitted cover statement is re-rendered only by a newer renderer"


def _triggers_sqlite() -> None:
    for table in APPEND_ONLY:
        op.execute(f"DROP TRIGGER tr_{table}_no_update")
        op.execute(
            f"CREATE TRIGGER tr_{table}_no_update BEFORE UPDATE ON {table} "
            f"WHEN NOT {_refresh(table, 'sqlite')} "
            f"BEGIN SELECT RAISE(ABORT, '{MARK} {table} rows cannot be updated'); END"
        )
    draft = "(SELECT status FROM submission WHERE id = OLD.submission_id) IS NOT 'draft'"
    op.execute("DROP TRIGGER tr_comment_draft_update")
    op.execute(
        "CREATE TRIGGER tr_comment_draft_update BEFORE UPDATE ON comment "
        f"WHEN ({draft} OR NEW.submission_id IS NOT OLD.submission_id) "
        f"AND NOT {_refresh('comment', 'sqlite')} "
        f"BEGIN SELECT RAISE(ABORT, '{MARK} comments of a submitted submission "
        "cannot be changed'); END"
    )
    op.execute(
        "CREATE TRIGGER tr_submission_html_refresh BEFORE UPDATE ON submission "
        f"WHEN {_submission_rule('sqlite')} "
        f"BEGIN SELECT RAISE(ABORT, '{MARK} {SUBMISSION_MESSAGE}'); END"
    )


def _triggers_postgresql() -> None:
    for table in APPEND_ONLY:
        op.execute(f"DROP TRIGGER tr_{table}_append_only ON {table}")
        op.execute(
            f"CREATE TRIGGER tr_{table}_append_only BEFORE DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION cw_refuse_change()"
        )
        op.execute(
            f"CREATE TRIGGER tr_{table}_refresh_only BEFORE UPDATE ON {table} "
            f"FOR EACH ROW WHEN (NOT {_refresh(table, 'postgresql')}) "
            "EXECUTE FUNCTION cw_refuse_change()"
        )
    op.execute("DROP TRIGGER tr_comment_draft_only ON comment")
    op.execute(
        "CREATE TRIGGER tr_comment_draft_only BEFORE INSERT OR DELETE ON comment "
        "FOR EACH ROW EXECUTE FUNCTION cw_comment_draft_only()"
    )
    op.execute(
        "CREATE TRIGGER tr_comment_draft_update BEFORE UPDATE ON comment "
        f"FOR EACH ROW WHEN (NOT {_refresh('comment', 'postgresql')}) "
        "EXECUTE FUNCTION cw_comment_draft_only()"
    )
    op.execute(
        "CREATE FUNCTION cw_submission_html_refresh() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n  RAISE EXCEPTION '{MARK} {SUBMISSION_MESSAGE}' "
        "USING ERRCODE = 'restrict_violation';\nEND\n$$"
    )
    op.execute(
        "CREATE TRIGGER tr_submission_html_refresh BEFORE UPDATE ON submission "
        f"FOR EACH ROW WHEN ({_submission_rule('postgresql')}) "
        "EXECUTE FUNCTION cw_submission_html_refresh()"
    )


def _backfill() -> None:
    bind = op.get_bind()
    for name, pairs in STORED.items():
        table = sa.table(name, sa.column("id"), sa.column("rendered_with"), *map(sa.column, pairs))
        for target in pairs.values():
            table.append_column(sa.column(target))
        last = 0
        while True:
            rows = bind.execute(
                sa.select(table.c.id, *(table.c[s] for s in pairs))
                .where(table.c.rendered_with < RENDERER_VERSION, table.c.id > last)
                .order_by(table.c.id)
                .limit(500)
            ).all()
            if not rows:
                break
            for row in rows:
                values = {
                    target: str(render_markdown(source))
                    for source, target in zip(row[1:], pairs.values(), strict=True)
                }
                bind.execute(
                    sa.update(table)
                    .where(table.c.id == row[0])
                    .values(**values, rendered_with=RENDERER_VERSION)
                )
            last = rows[-1][0]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _add_missing_columns()
    if dialect == "sqlite":
        _triggers_sqlite()
    elif dialect == "postgresql":
        _triggers_postgresql()
    else:
        raise NotImplementedError(f"no append-only triggers for {dialect}")
    _backfill()


def downgrade() -> None:
    """Put back the triggers of 0002/0004 (the columns belong to 0001)."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER tr_{table}_no_update")
            op.execute(
                f"CREATE TRIGGER tr_{table}_no_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{MARK} {table} rows cannot be updated'); END"
            )
        draft = "(SELECT status FROM submission WHERE id = OLD.submission_id) IS NOT 'draft'"
        op.execute("DROP TRIGGER tr_comment_draft_update")
        op.execute(
            "CREATE TRIGGER tr_comment_draft_update BEFORE UPDATE ON comment "
            f"WHEN {draft} OR NEW.submission_id IS NOT OLD.submission_id "
            f"BEGIN SELECT RAISE(ABORT, '{MARK} comments of a submitted submission "
            "cannot be changed'); END"
        )
        op.execute("DROP TRIGGER tr_submission_html_refresh")
        return
    for table in APPEND_ONLY:
        op.execute(f"DROP TRIGGER tr_{table}_refresh_only ON {table}")
        op.execute(f"DROP TRIGGER tr_{table}_append_only ON {table}")
        op.execute(
            f"CREATE TRIGGER tr_{table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION cw_refuse_change()"
        )
    op.execute("DROP TRIGGER tr_comment_draft_update ON comment")
    op.execute("DROP TRIGGER tr_comment_draft_only ON comment")
    op.execute(
        "CREATE TRIGGER tr_comment_draft_only BEFORE INSERT OR UPDATE OR DELETE ON comment "
        "FOR EACH ROW EXECUTE FUNCTION cw_comment_draft_only()"
    )
    op.execute("DROP TRIGGER tr_submission_html_refresh ON submission")
    op.execute("DROP FUNCTION cw_submission_html_refresh()")
