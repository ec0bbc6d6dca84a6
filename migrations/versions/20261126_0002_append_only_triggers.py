"""append-only records, guarded by the database itself

Revision ID: 0002_append_only_triggers
Revises: 0001
Create Date: 2026-11-26 13:45:00

The ORM guard (app/immutability.py) refuses changes at flush time; Core
statements and raw SQL go around it. These triggers refuse the same writes in
the database, on SQLite and on PostgreSQL. Every message starts with
"append-only:" so that the app can turn the error into a 409 (RecordFrozen).

Column lists are written out here on purpose: a migration is a snapshot, and a
column added later is mutable unless a later migration says otherwise.

On SQLite, a later batch migration (`batch_alter_table`) that recreates one of
these tables drops its triggers: such a migration must create them again
(`tests/test_append_only.py` checks that every trigger exists at head).
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_append_only_triggers"
down_revision = "0001"
branch_labels = None
depends_on = None

MARK = "append-only:"

# Tables whose rows are never updated nor deleted.
APPEND_ONLY = (
    "audit_event",
    "clause_revision",
    "version_entry",
    "disposition",
    "moderation",
    "synopsis_publication",
    "vote",
    "ballot_voter",
)

# Conditionally frozen rows: table -> (name, condition on OLD/NEW that refuses the UPDATE).
# Written with IS DISTINCT FROM; SQLite spells it IS NOT (rewritten below).
VERSION_FIXED = ("standard_id", "label", "title", "summary", "created_at", "created_by_id")
SUBMITTED_FIXED = (
    "round_id",
    "author_id",
    "kind",
    "organisation",
    "cover_statement",
    "consent_publish_name",
    "stakeholder_group",
    "receipt",
    "created_at",
    "submitted_at",
)
WITHDRAWN_FIXED = (*SUBMITTED_FIXED, "status", "withdrawn_at", "withdraw_reason")
BALLOT_RULES = (
    "standard_id",
    "version_id",
    "question_kind",
    "question",
    "opens_at",
    "closes_at",
    "quorum",
    "threshold",
    "created_at",
    "created_by_id",
)


def _changed(columns: tuple[str, ...]) -> str:
    return "(" + " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns) + ")"


UPDATE_RULES = {
    "version": (
        "a frozen version keeps its label, title and summary",
        _changed(VERSION_FIXED),
    ),
    "submission": (
        "a submitted submission can only be withdrawn",
        f"(OLD.status = 'submitted' AND ({_changed(SUBMITTED_FIXED)} "
        "OR NEW.status NOT IN ('submitted', 'withdrawn'))) "
        f"OR (OLD.status = 'withdrawn' AND {_changed(WITHDRAWN_FIXED)})",
    ),
    "ballot": (
        "the question and rules of a ballot are fixed at opening, its outcome at close",
        f"OLD.closed_at IS NOT NULL OR {_changed(BALLOT_RULES)}",
    ),
}
DELETE_RULES = {
    "version": ("versions cannot be deleted", "1 = 1"),
    "submission": ("a submitted submission cannot be deleted", "OLD.status <> 'draft'"),
    "ballot": ("ballots cannot be deleted", "1 = 1"),
}


def _sqlite(condition: str) -> str:
    return condition.replace("IS DISTINCT FROM", "IS NOT")


def _upgrade_sqlite() -> None:
    for table in APPEND_ONLY:
        for op_name in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER tr_{table}_no_{op_name.lower()} BEFORE {op_name} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{MARK} {table} rows cannot be "
                f"{op_name.lower()}d'); END"
            )
    for table, (message, condition) in UPDATE_RULES.items():
        op.execute(
            f"CREATE TRIGGER tr_{table}_frozen_update BEFORE UPDATE ON {table} "
            f"WHEN {_sqlite(condition)} "
            f"BEGIN SELECT RAISE(ABORT, '{MARK} {message}'); END"
        )
    for table, (message, condition) in DELETE_RULES.items():
        op.execute(
            f"CREATE TRIGGER tr_{table}_frozen_delete BEFORE DELETE ON {table} "
            f"WHEN {condition} BEGIN SELECT RAISE(ABORT, '{MARK} {message}'); END"
        )
    # A comment changes, goes or arrives only while its submission is a draft.
    draft = "(SELECT status FROM submission WHERE id = {row}.submission_id) IS NOT 'draft'"
    op.execute(
        "CREATE TRIGGER tr_comment_draft_insert BEFORE INSERT ON comment "
        f"WHEN {draft.format(row='NEW')} "
        f"BEGIN SELECT RAISE(ABORT, '{MARK} comments are added to draft submissions only'); END"
    )
    op.execute(
        "CREATE TRIGGER tr_comment_draft_update BEFORE UPDATE ON comment "
        f"WHEN {draft.format(row='OLD')} OR NEW.submission_id IS NOT OLD.submission_id "
        f"BEGIN SELECT RAISE(ABORT, '{MARK} comments of a submitted submission "
        "cannot be changed'); END"
    )
    op.execute(
        "CREATE TRIGGER tr_comment_draft_delete BEFORE DELETE ON comment "
        f"WHEN {draft.format(row='OLD')} "
        f"BEGIN SELECT RAISE(ABORT, '{MARK} comments of a submitted submission "
        "cannot be deleted'); END"
    )
    op.execute(
        "CREATE TRIGGER tr_vote_open_ballot BEFORE INSERT ON vote "
        "WHEN (SELECT closed_at FROM ballot WHERE id = NEW.ballot_id) IS NOT NULL "
        f"BEGIN SELECT RAISE(ABORT, '{MARK} a closed ballot takes no votes'); END"
    )


def _pg_function(name: str, body: str) -> None:
    op.execute(
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n{body}\n$$"
    )


def _pg_raise(message: str) -> str:
    # restrict_violation (23001): drivers report it as an integrity error.
    return f"RAISE EXCEPTION '{MARK} {message}' USING ERRCODE = 'restrict_violation';"


def _upgrade_postgresql() -> None:
    _pg_function(
        "cw_refuse_change",
        "BEGIN\n"
        f"  RAISE EXCEPTION '{MARK} % rows cannot be %d', TG_TABLE_NAME, lower(TG_OP) "
        "USING ERRCODE = 'restrict_violation';\n"
        "END",
    )
    for table in APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER tr_{table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION cw_refuse_change()"
        )
    for table, (message, condition) in UPDATE_RULES.items():
        _pg_function(f"cw_{table}_frozen_update", f"BEGIN\n  {_pg_raise(message)}\nEND")
        op.execute(
            f"CREATE TRIGGER tr_{table}_frozen_update BEFORE UPDATE ON {table} "
            f"FOR EACH ROW WHEN ({condition}) EXECUTE FUNCTION cw_{table}_frozen_update()"
        )
    for table, (message, condition) in DELETE_RULES.items():
        _pg_function(f"cw_{table}_frozen_delete", f"BEGIN\n  {_pg_raise(message)}\nEND")
        op.execute(
            f"CREATE TRIGGER tr_{table}_frozen_delete BEFORE DELETE ON {table} "
            f"FOR EACH ROW WHEN ({condition}) EXECUTE FUNCTION cw_{table}_frozen_delete()"
        )
    # FOR SHARE waits for a concurrent submit (which holds the submission FOR UPDATE)
    # and then reads the row as committed: an edit racing a submit is refused.
    _pg_function(
        "cw_comment_draft_only",
        """DECLARE
  owner_id integer;
  owner_status text;
BEGIN
  IF TG_OP = 'INSERT' THEN
    owner_id := NEW.submission_id;
  ELSE
    owner_id := OLD.submission_id;
  END IF;
  SELECT status INTO owner_status FROM submission WHERE id = owner_id FOR SHARE;
  IF owner_status IS DISTINCT FROM 'draft' THEN
    RAISE EXCEPTION '"""
        + MARK
        + """ comments of a submitted submission are on file (% refused)', TG_OP
      USING ERRCODE = 'restrict_violation';
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.submission_id IS DISTINCT FROM OLD.submission_id THEN
    """
        + _pg_raise("a comment cannot move to another submission")
        + """
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END""",
    )
    op.execute(
        "CREATE TRIGGER tr_comment_draft_only BEFORE INSERT OR UPDATE OR DELETE ON comment "
        "FOR EACH ROW EXECUTE FUNCTION cw_comment_draft_only()"
    )
    _pg_function(
        "cw_vote_open_ballot",
        """BEGIN
  IF (SELECT closed_at FROM ballot WHERE id = NEW.ballot_id) IS NOT NULL THEN
    """
        + _pg_raise("a closed ballot takes no votes")
        + """
  END IF;
  RETURN NEW;
END""",
    )
    op.execute(
        "CREATE TRIGGER tr_vote_open_ballot BEFORE INSERT ON vote "
        "FOR EACH ROW EXECUTE FUNCTION cw_vote_open_ballot()"
    )


HEAD_FK = "fk_clause_head_revision_id_clause_revision"


def _head_revision_fk() -> None:
    """Add clause.head_revision_id's foreign key where 0001 could not.

    It is declared use_alter (clause and clause_revision refer to each other);
    create_table leaves such a key out on PostgreSQL, expecting an ALTER that
    the generated 0001 (written on SQLite, which keeps the key inline) lacks.
    """
    keys = sa.inspect(op.get_bind()).get_foreign_keys("clause")
    if not any(k["name"] == HEAD_FK for k in keys):
        op.create_foreign_key(HEAD_FK, "clause", "clause_revision", ["head_revision_id"], ["id"])


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _upgrade_sqlite()
    elif dialect == "postgresql":
        _head_revision_fk()
        _upgrade_postgresql()
    else:
        raise NotImplementedError(f"no append-only triggers for {dialect}")


def _trigger_names(dialect: str) -> list[tuple[str, str]]:
    names: list[tuple[str, str]] = []
    if dialect == "sqlite":
        names += [(f"tr_{t}_no_{o}", t) for t in APPEND_ONLY for o in ("update", "delete")]
        names += [
            ("tr_comment_draft_insert", "comment"),
            ("tr_comment_draft_update", "comment"),
            ("tr_comment_draft_delete", "comment"),
        ]
    else:
        names += [(f"tr_{t}_append_only", t) for t in APPEND_ONLY]
        names += [("tr_comment_draft_only", "comment")]
    names += [(f"tr_{t}_frozen_update", t) for t in UPDATE_RULES]
    names += [(f"tr_{t}_frozen_delete", t) for t in DELETE_RULES]
    names += [("tr_vote_open_ballot", "vote")]
    return names


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, table in _trigger_names(dialect):
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    if dialect == "postgresql":
        functions = ["cw_refuse_change", "cw_comment_draft_only", "cw_vote_open_ballot"]
        functions += [f"cw_{t}_frozen_update" for t in UPDATE_RULES]
        functions += [f"cw_{t}_frozen_delete" for t in DELETE_RULES]
        for function in functions:
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
        op.drop_constraint(HEAD_FK, "clause", type_="foreignkey")
