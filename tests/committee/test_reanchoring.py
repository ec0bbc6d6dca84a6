"""Comments made on an earlier draft, located in a later one: none is ever dropped."""

from __future__ import annotations

from app.auth.permissions import SYSTEM
from app.committee.reanchoring import Locator, status_counts
from app.drafting import editing
from app.drafting import service as drafting
from app.loading import ensure_loaded
from app.text.anchoring import AnchorStatus


def test_each_comment_is_anchored_moved_or_orphaned(
    session, make_standard, freeze, clause_of, make_round, make_comment, edit
):
    standard = make_standard(clauses=4)
    d1 = freeze(standard, "d1")
    round_ = make_round(d1, number=1)
    c11, c12, c13, c14 = (clause_of(standard, f"1.{i}") for i in range(1, 5))
    kept = make_comment(round_, c11, quote="report on topic 1 every year")
    edited = make_comment(round_, c12, quote="every year, where practicable")
    gone = make_comment(round_, c13, quote="report on topic 3")
    on_clause = make_comment(round_, c14)
    on_deleted_clause = make_comment(round_, c13)
    whole = make_comment(round_, None)
    edit(c12, "The Entity shall report on topic 2 every year, where it is practicable.")
    editing.delete_clause(session, SYSTEM, c13)
    session.flush()
    d2 = freeze(standard, "d2")
    placements = Locator(drafting.version_nodes(session, d2)).place_all(
        [kept, edited, gone, on_clause, on_deleted_clause, whole]
    )
    assert placements[kept.id].status == AnchorStatus.ANCHORED
    assert placements[kept.id].passage == "report on topic 1 every year"
    assert placements[edited.id].status == AnchorStatus.MOVED
    assert "where it is practicable" in placements[edited.id].passage
    assert placements[gone.id].status == AnchorStatus.ORPHANED
    assert placements[on_clause.id].status == AnchorStatus.ANCHORED
    assert placements[on_deleted_clause.id].status == AnchorStatus.ORPHANED
    assert placements[whole.id].status == AnchorStatus.ANCHORED
    assert status_counts(placements.values()) == {"anchored": 3, "moved": 1, "orphaned": 2}


def test_passage_moved_to_another_clause_is_followed(
    session, make_standard, freeze, clause_of, make_round, make_comment, edit
):
    standard = make_standard()
    d1 = freeze(standard, "d1")
    round_ = make_round(d1, number=1)
    c11, c12 = clause_of(standard, "1.1"), clause_of(standard, "1.2")
    comment = make_comment(round_, c11, quote="report on topic 1 every year")
    edit(c11, "This clause now says something else entirely.")
    edit(c12, "The Entity shall report on topic 1 every year, and on topic 2 as well.")
    placement = Locator(drafting.working_draft(session, standard)).place(comment)
    assert placement.status == AnchorStatus.MOVED
    assert placement.elsewhere and placement.uid == c12.uid
    assert placement.passage == "report on topic 1 every year"
    assert '<mark class="anchor">report on topic 1 every year</mark>' in str(
        placement.highlighted()
    )


def test_comments_on_a_clause_replaced_under_a_new_uid_follow_its_text(
    session, make_standard, freeze, clause_of, make_round, make_comment
):
    standard = make_standard(clauses=3)
    d1 = freeze(standard, "d1")
    round_ = make_round(d1, number=1)
    old = clause_of(standard, "1.2")
    on_clause = make_comment(round_, old)
    on_passage = make_comment(round_, old, quote="topic 2 every year")
    on_sibling = make_comment(round_, clause_of(standard, "1.3"))
    text = ensure_loaded(session, old, "head").head.body
    editing.delete_clause(session, SYSTEM, old)
    new = editing.add_clause(
        session, SYSTEM, standard, kind="criterion", number="1.2", heading="Reporting", body=text
    )
    session.flush()
    placements = Locator(drafting.working_draft(session, standard)).place_all(
        [on_clause, on_passage, on_sibling]
    )
    for comment in (on_clause, on_passage):
        placement = placements[comment.id]
        assert placement.status == AnchorStatus.MOVED
        assert placement.elsewhere and placement.uid == new.clause.uid
        assert placement.title == "1.2 Reporting"
    assert placements[on_passage.id].passage == "topic 2 every year"
    assert placements[on_sibling.id].status == AnchorStatus.ANCHORED
    assert placements[on_sibling.id].uid == clause_of(standard, "1.3").uid


def test_a_removed_clause_with_no_successor_leaves_its_comments_orphaned(
    session, make_standard, freeze, clause_of, make_round, make_comment
):
    standard = make_standard(clauses=3)
    round_ = make_round(freeze(standard, "d1"), number=1)
    old = clause_of(standard, "1.2")
    comment = make_comment(round_, old)
    editing.delete_clause(session, SYSTEM, old)
    editing.add_clause(
        session,
        SYSTEM,
        standard,
        kind="criterion",
        number="1.4",
        heading="Something new",
        body="The Entity shall publish its water balance.",
    )
    session.flush()
    placement = Locator(drafting.working_draft(session, standard)).place(comment)
    assert placement.status == AnchorStatus.ORPHANED
