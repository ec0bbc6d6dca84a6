"""Every `flask` command, through the CLI runner.

Commands tested with their area live there too: standards import/export
(tests/drafting/test_source.py), rounds load (tests/consultation/
test_rounds_and_record.py), ballots close-due (tests/committee/test_ballots.py),
jobs run (tests/test_jobs.py), users create (tests/auth/test_accounts.py).
"""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, inspect, select, text

from app import cli
from app.auth import service as accounts
from app.auth.models import Role
from app.drafting.models import Standard
from app.extensions import db as database
from tests.conftest import PASSWORD


@pytest.fixture
def bare_runner(app):
    """A runner outside the test transaction, for commands that change the schema itself."""
    return app.test_cli_runner()


def _tables() -> set[str]:
    with database.engine.connect() as connection:
        return set(inspect(connection).get_table_names())


def _triggers() -> int:
    with database.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            sql = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
        else:
            sql = "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'tr_%'"
        return connection.execute(text(sql)).scalar_one()


def test_db_downgrade_and_upgrade_walk_the_whole_chain(app, bare_runner):
    with app.app_context():
        triggers = _triggers()
        assert triggers > 0 and "submission" in _tables()
        try:
            result = bare_runner.invoke(args=["db", "downgrade", "0001"])
            assert result.exit_code == 0, result.output
            assert _triggers() == 0 and "submission" in _tables()
            result = bare_runner.invoke(args=["db", "downgrade", "base"])
            assert result.exit_code == 0, result.output
            assert _tables() <= {"alembic_version"}
        finally:
            result = bare_runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert result.output.strip() == "Database at head."
        assert _triggers() == triggers and "submission" in _tables()


def test_db_revision_finds_the_models_and_migrations_in_step(
    app, bare_runner, tmp_path, monkeypatch
):
    """Autogenerate against a database at head writes an empty migration."""
    shutil.copytree(cli.ROOT / "migrations", tmp_path / "migrations")
    monkeypatch.setattr(cli, "ROOT", tmp_path)
    with app.app_context():
        result = bare_runner.invoke(args=["db", "revision", "-m", "nothing", "--rev-id", "zz"])
    assert result.exit_code == 0, result.output
    (written,) = (tmp_path / "migrations" / "versions").glob("*_zz_nothing.py")
    body = written.read_text(encoding="utf-8")
    upgrade = body.split("def upgrade() -> None:", 1)[1].split("def downgrade", 1)[0]
    statements = [line.strip() for line in upgrade.splitlines() if line.strip()]
    assert [line for line in statements if not line.startswith("#")] == ["pass"], upgrade


def test_users_grant(runner, session, make_user):
    person = make_user(email="grant@example.org")
    result = runner.invoke(args=["users", "grant", "grant@example.org", "committee"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "grant@example.org now holds committee"
    session.expire_all()
    assert accounts.find_by_email(session, "grant@example.org").has_role(Role.COMMITTEE)
    again = runner.invoke(args=["users", "grant", "grant@example.org", "committee"])
    assert again.exit_code == 0 and "already holds committee" in again.output
    missing = runner.invoke(args=["users", "grant", "nobody@example.org", "committee"])
    assert missing.exit_code != 0 and "no account for nobody@example.org" in missing.output
    bad_role = runner.invoke(args=["users", "grant", "grant@example.org", "emperor"])
    assert bad_role.exit_code != 0 and "emperor" in bad_role.output
    assert person.id is not None


def test_users_create_refuses_a_taken_email(runner, make_user):
    make_user(email="taken@example.org")
    args = ["users", "create", "--email", "taken@example.org", "--name", "Again"]
    result = runner.invoke(args=[*args, "--password", PASSWORD])
    assert result.exit_code != 0
    assert "Traceback" not in result.output and "Error:" in result.output


def test_standards_export_to_stdout_and_unknown_standard(runner, session, make_standard):
    standard = make_standard(title="Exported")
    result = runner.invoke(args=["standards", "export", standard.slug])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"---\nslug: {standard.slug}\ntitle: Exported\n")
    missing = runner.invoke(args=["standards", "export", "no-such-standard"])
    assert missing.exit_code != 0 and "Traceback" not in missing.output
    no_version = runner.invoke(args=["standards", "export", standard.slug, "--version", "9"])
    assert no_version.exit_code != 0 and "has no version 9" in no_version.output


def test_demo_loads_once(runner, session):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "Demo accounts (password:" in result.output
    standards = session.scalar(select(func.count()).select_from(Standard))
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    assert session.scalar(select(func.count()).select_from(Standard)) == standards
    assert "already" in again.output
