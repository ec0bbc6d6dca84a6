"""Comparing versions: clauses matched by uid, word diffs, access, the frozen-pair cache."""

from __future__ import annotations

import pytest

from app.auth.models import Role
from app.auth.permissions import SYSTEM
from app.committee import diffs
from app.committee.diffs import ClauseText, diff_texts
from app.drafting import service as drafting
from app.drafting.importing import import_source
from app.errors import PermissionDenied


def _c(uid, number="1", body="Text.", parent=None, heading="H"):
    return ClauseText(
        uid=uid,
        number=number,
        heading=heading,
        kind="criterion",
        body=body,
        parent_uid=parent,
        revision_id=0,
    )


def test_summary_counts_each_kind_of_change():
    old = [_c("A", "1"), _c("B", "2"), _c("C", "3", "Old words here."), _c("D", "4")]
    new = [_c("A", "1"), _c("C", "2", "New words here."), _c("E", "3"), _c("D", "4")]
    result = diff_texts("v1", old, "v2", new)
    assert result.summary == {
        "added": 1,
        "removed": 1,
        "moved": 0,
        "renumbered": 1,
        "changed": 1,
        "unchanged": 2,
    }
    c = result.entry("C")
    assert c.kinds == {"renumbered", "changed"}
    assert '<del class="diff-del">Old</del>' in str(c.inline)
    assert '<ins class="diff-ins">New</ins>' in str(c.inline)
    assert "Old" in str(c.left) and "New" not in str(c.left)
    assert "New" in str(c.right) and "Old" not in str(c.right)
    assert (c.inserted_words, c.deleted_words) == (1, 1)


def test_renumbered_clause_is_not_removed_and_added():
    old = [_c("A", "1.1"), _c("B", "1.2"), _c("C", "1.3")]
    new = [_c("A", "1.1"), _c("C", "1.2")]
    result = diff_texts("v1", old, "v2", new)
    assert result.entry("C").kinds == {"renumbered"}
    assert result.entry("B").kinds == {"removed"}
    assert [e.uid for e in result.entries] == ["A", "B", "C"]  # removed shown where it stood


def test_reordered_clause_is_moved_and_the_rest_stay_put():
    old = [_c("A", "1"), _c("B", "2"), _c("C", "3"), _c("D", "4")]
    new = [_c("A", "1"), _c("C", "3"), _c("D", "4"), _c("B", "2")]
    result = diff_texts("v1", old, "v2", new)
    assert result.summary["moved"] == 1
    assert result.entry("B").kinds == {"moved"}


def test_new_parent_counts_as_moved():
    old = [_c("P"), _c("Q"), _c("X", parent="P")]
    new = [_c("P"), _c("Q"), _c("X", parent="Q")]
    assert diff_texts("a", old, "b", new).entry("X").kinds == {"moved"}


def test_added_and_removed_clauses_show_their_text():
    result = diff_texts("a", [_c("A", body="Gone text.")], "b", [_c("B", body="Fresh text.")])
    assert '<del class="diff-del">Gone text.</del>' in str(result.entry("A").inline)
    assert '<ins class="diff-ins">Fresh text.</ins>' in str(result.entry("B").inline)


def test_identical_versions_have_no_changes():
    same = [_c("A"), _c("B", "2")]
    result = diff_texts("a", same, "b", list(same))
    assert result.changes == [] and result.summary["unchanged"] == 2


def test_compare_frozen_versions_and_the_working_draft(
    session, make_standard, freeze, clause_of, edit, make_user
):
    standard = make_standard()
    first = freeze(standard, "d1")
    edit(clause_of(standard, "1.2"), "The Entity shall report on topic 2 every quarter.")
    freeze(standard, "d2")
    result = diffs.compare(session, None, standard, "d1", "d2")
    assert result.summary["changed"] == 1 and result.summary["unchanged"] == 3
    assert diffs.compare(session, None, standard, "d1", "d2") is result  # cached
    assert diffs.frozen_pairs.hits >= 1
    with pytest.raises(PermissionDenied):
        diffs.compare(session, None, standard, "d2", "working")
    member = make_user(Role.COMMITTEE)
    edit(clause_of(standard, "1.3"), "Brand new text.")
    working = diffs.compare(session, member, standard, first.label, "working")
    assert working.summary["changed"] == 2
    # The working draft changes, so it is never cached.
    edit(clause_of(standard, "1.1"), "Changed again.")
    assert diffs.compare(session, member, standard, "d1", "working").summary["changed"] == 3


def test_cache_is_bounded_and_least_recently_used():
    cache = diffs._FrozenPairCache(2)
    a, b, c = (diffs.VersionDiff("x", "y") for _ in range(3))
    cache.put((1, 2), a)
    cache.put((1, 3), b)
    assert cache.get((1, 2)) is a
    cache.put((1, 4), c)
    assert cache.get((1, 3)) is None and cache.get((1, 2)) is a


@pytest.fixture
def demo_standard(session, demo_sources):
    earlier = demo_sources / "earlier" / "responsible-aluminium@3.0-draft-1.md"
    report = import_source(session, SYSTEM, earlier.read_text(encoding="utf-8"))
    drafting.freeze(session, SYSTEM, report.standard, label="3.0-draft-1")
    current = demo_sources / "responsible-aluminium.md"
    import_source(session, SYSTEM, current.read_text(encoding="utf-8"))
    drafting.freeze(session, SYSTEM, report.standard, label="3.0-draft-2")
    session.flush()
    return report.standard


def test_demo_drafts_compare_by_uid(session, demo_standard):
    result = diffs.compare(session, None, demo_standard, "3.0-draft-1", "3.0-draft-2")
    assert result.entry("RA-f5a4").kinds == {"removed"}
    assert "changed" in result.entry("RA-8767").kinds
    assert "changed" in result.entry("RA-07d0").kinds
    assert result.entry("RA-e3d5").unchanged
    political = result.entry("RA-65a4")
    assert "renumbered" in political.kinds and political.new.number == "1.2.3"
    assert result.summary["added"] + result.summary["unchanged"] > 50


def test_frozen_sides_read_as_rows_match_the_draft_tree(session, demo_standard):
    for label in ("3.0-draft-1", "3.0-draft-2"):
        version = drafting.get_version(session, demo_standard, label)
        from_rows = diffs.side_texts(session, demo_standard, version)
        from_nodes = diffs._texts(drafting.version_nodes(session, version))
        assert from_rows == from_nodes and len(from_rows) > 50


def test_a_cached_comparison_reads_no_clause(session, demo_standard):
    from sqlalchemy import event

    diffs.compare(session, None, demo_standard, "3.0-draft-1", "3.0-draft-2")
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        diffs.compare(session, None, demo_standard, "3.0-draft-1", "3.0-draft-2")
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert statements and not [s for s in statements if "clause_revision" in s]
