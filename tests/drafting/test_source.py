"""The Markdown source format: round trips, refusals, the CLI."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.auth.permissions import SYSTEM
from app.drafting import service, source
from app.drafting.importing import export_source, import_source
from app.drafting.models import Clause, Standard

SMALL = """---
slug: small
title: Small Standard
summary: A tiny one.
uid-prefix: SM
---

# 1 First principle {#SM-0001 .principle}

Intro text.

## 1.1 A criterion {#SM-0002 .criterion}

The Entity shall **not** exceed the limit.

### Guidance {#SM-0003 .guidance}

- one
- two

# 2 Second principle {#SM-0004 .principle}
"""


@pytest.mark.parametrize(
    "name", ["responsible-aluminium.md", "earlier/responsible-aluminium@3.0-draft-1.md"]
)
def test_demo_sources_round_trip_byte_for_byte(session, demo_sources, name):
    text = (demo_sources / name).read_text(encoding="utf-8")
    assert source.write(source.parse(text)) == text
    report = import_source(session, SYSTEM, text, name)
    exported = export_source(session, report.standard)
    assert exported == text
    again = import_source(session, SYSTEM, exported, name)
    assert (again.added, again.changed, again.deleted) == (0, 0, 0)
    assert export_source(session, report.standard) == exported


def test_demo_standard_is_realistic(session, demo_sources):
    doc = source.parse((demo_sources / "responsible-aluminium.md").read_text(encoding="utf-8"))
    kinds = [c.kind for c in doc.clauses]
    assert kinds.count("principle") >= 10 and kinds.count("criterion") >= 50
    assert len(doc.clauses) >= 150


def test_reimport_records_changes_and_deletions(session):
    import_source(session, SYSTEM, SMALL, "small.md")
    changed = SMALL.replace("**not** exceed", "never exceed").replace(
        "# 2 Second principle {#SM-0004 .principle}\n", ""
    )
    report = import_source(session, SYSTEM, changed, "small.md")
    assert (report.added, report.changed, report.deleted, report.unchanged) == (0, 1, 1, 2)
    standard = session.scalar(select(Standard).where(Standard.slug == "small"))
    assert [n.uid for n in service.working_draft(session, standard)] == [
        "SM-0001",
        "SM-0002",
        "SM-0003",
    ]


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        (SMALL.replace("---\nslug", "--\nslug", 1), 1, "front matter"),
        (SMALL.replace("{#SM-0002 .criterion}", "{#SM-0001 .criterion}"), 12, "used again"),
        (SMALL.replace(".criterion}", ".chapter}"), 12, "unknown kind"),
        (SMALL.replace("### Guidance", "#### Guidance"), 16, "levels go down"),
        (
            SMALL.replace("## 1.1 A criterion {#SM-0002 .criterion}", "## 1.1 A criterion"),
            12,
            "a heading must read",
        ),
        (SMALL.replace("{#SM-0004", "{#-SM-0004"), 21, "for example RA-1f28"),
        (SMALL.replace("{#SM-0004", "{#SM/0004"), 21, "not a valid clause uid"),
        (SMALL.replace("{#SM-0004", "{#" + "S" * 65), 21, "1 to 64 letters"),
        (SMALL.replace("uid-prefix: SM", "uid-prefix: sm"), 5, "capital letters"),
        (SMALL.replace("slug: small", "slug: Small One"), 2, "the slug may use"),
        (SMALL.replace("title: Small Standard\n", ""), 5, "lacks 'title'"),
        (SMALL.replace("summary: A tiny one.", "slug: again"), 4, "first on line 2"),
        (SMALL.replace("Intro text.", "Intro\n#hashtag"), 11, "a heading must read"),
        (SMALL.replace("# 1 First principle", "# 1"), 8, "no text after the number"),
    ],
)
def test_malformed_sources_are_refused_with_line_and_nothing_imported(session, text, line, problem):
    with pytest.raises(source.SourceError) as error:
        import_source(session, SYSTEM, text, "bad.md")
    assert error.value.line == line
    assert problem in error.value.message
    assert error.value.message.startswith(f"bad.md:{line}:")
    assert session.scalar(select(func.count()).select_from(Clause)) == 0


def test_cli_import_and_export(runner, tmp_path, db):
    path = tmp_path / "small.md"
    path.write_text(SMALL, encoding="utf-8")
    result = runner.invoke(args=["standards", "import", str(path), "--freeze", "1.0"])
    assert result.exit_code == 0, result.output
    assert "4 added" in result.output and "frozen as 1.0" in result.output
    out = tmp_path / "out.md"
    result = runner.invoke(
        args=["standards", "export", "small", "--version", "1.0", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == SMALL


def test_cli_refuses_malformed_file_and_names_the_line(runner, tmp_path, db):
    path = tmp_path / "broken.md"
    path.write_text(SMALL.replace(".guidance}", ".tip}"), encoding="utf-8")
    result = runner.invoke(args=["standards", "import", str(path)])
    assert result.exit_code != 0
    assert f"{path}:16: unknown kind 'tip'" in result.output


OWN_IDS = (
    SMALL.replace("SM-0001", "text-alternatives")
    .replace("SM-0002", "CoC-5.2")
    .replace("SM-0003", "ISO-7.2.1")
    .replace("SM-0004", "annex_a")
)


def test_own_clause_ids_import_and_export_unchanged(session):
    text = OWN_IDS
    report = import_source(session, SYSTEM, text, "own.md")
    assert [n.uid for n in service.working_draft(session, report.standard)] == [
        "text-alternatives",
        "CoC-5.2",
        "ISO-7.2.1",
        "annex_a",
    ]
    assert export_source(session, report.standard) == text


def test_taken_uid_prefix_and_uid_name_the_standard_holding_them(session):
    import_source(session, SYSTEM, SMALL, "small.md")
    other = SMALL.replace("slug: small", "slug: other").replace(
        "title: Small Standard", "title: Other"
    )
    with pytest.raises(source.SourceError) as error:
        import_source(session, SYSTEM, other, "other.md")
    assert error.value.line == 5
    assert "'Small Standard' (small)" in error.value.message
    clash = other.replace("uid-prefix: SM", "uid-prefix: OT")
    with pytest.raises(source.SourceError) as error:
        import_source(session, SYSTEM, clash, "other.md")
    assert error.value.line == 8
    assert "uid 'SM-0001' already names a clause of the standard 'Small Standard'" in (
        error.value.message
    )


def test_a_frozen_version_exports_as_it_was_frozen_whatever_came_after(
    runner, tmp_path, db, demo_sources
):
    """Import v1 and freeze it, import v2 under a new title: v1 still exports byte for byte."""
    v1 = demo_sources / "earlier" / "responsible-aluminium@3.0-draft-1.md"
    v2 = demo_sources / "responsible-aluminium.md"
    result = runner.invoke(args=["standards", "import", str(v1), "--freeze", "3.0-draft-1"])
    assert result.exit_code == 0, result.output
    retitled = tmp_path / "v2.md"
    text = v2.read_text(encoding="utf-8")
    new = text.replace("title: Responsible Aluminium", "title: Aluminium Stewardship", 1)
    new = new.replace("summary: Requirements", "summary: Rules", 1)
    assert new.count("Aluminium Stewardship") == 1 and new.count("summary: Rules") == 1
    retitled.write_text(new, encoding="utf-8")
    result = runner.invoke(args=["standards", "import", str(retitled), "--freeze", "3.0-draft-2"])
    assert result.exit_code == 0, result.output
    for label, expected in (("3.0-draft-1", v1), ("3.0-draft-2", retitled)):
        out = tmp_path / f"{label}.md"
        result = runner.invoke(
            args=[
                "standards",
                "export",
                "responsible-aluminium",
                "--version",
                label,
                "-o",
                str(out),
            ]
        )
        assert result.exit_code == 0, result.output
        assert out.read_bytes() == expected.read_bytes()


def test_a_frozen_version_shows_its_own_title(client, session, make_standard, secretariat):
    standard = make_standard(title="First title")
    service.freeze(session, SYSTEM, standard, label="d1")
    import_source(
        session,
        SYSTEM,
        export_source(session, standard).replace("title: First title", "title: Second title"),
    )
    session.flush()
    page = client.get(f"/standards/{standard.slug}/versions/d1").get_data(as_text=True)
    assert "<h1>First title" in page
    api = client.get(f"/api/v1/standards/{standard.slug}/versions/d1").get_json()
    assert api["version"]["title"] == "First title"
    assert api["standard"]["title"] == "Second title"
