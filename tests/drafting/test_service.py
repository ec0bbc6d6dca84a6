"""Drafting rules, through the service layer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import Role
from app.drafting import editing, service
from app.drafting.models import ClauseRevision, VersionEntry
from app.errors import Conflict, PermissionDenied, ValidationError


def _node(session, standard, number):
    return next(n for n in service.working_draft(session, standard) if n.revision.number == number)


def test_working_draft_is_ordered_depth_first(session, make_standard):
    standard = make_standard(clauses=3)
    titles = [(n.depth, n.revision.number) for n in service.working_draft(session, standard)]
    assert titles == [(0, "1"), (1, "1.1"), (1, "1.2"), (1, "1.3")]


def test_save_appends_a_revision_and_audits(session, make_standard, make_user):
    standard = make_standard()
    member = make_user(Role.COMMITTEE)
    node = _node(session, standard, "1.1")
    result = editing.save_clause(
        session,
        member,
        node.revision.clause,
        based_on_id=node.revision.id,
        kind="criterion",
        number="1.1",
        heading="Criterion 1",
        body="The Entity shall report on topic 1 every quarter.",
        message="Quarterly",
    )
    assert result.revision.seq == 2 and not result.merged
    history = service.clause_history(session, node.revision.clause)
    assert [r.seq for r in history] == [2, 1]
    assert history[1].body.endswith("every year, where practicable.")  # old text kept
    assert history[0].author_id == member.id and history[0].message == "Quarterly"
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "clause.save")).all()
    assert events[-1].object_id == node.uid and events[-1].actor_id == member.id


def test_public_and_ipaf_cannot_edit(session, make_standard, make_user):
    standard = make_standard()
    node = _node(session, standard, "1.1")
    for user in (make_user(), make_user(Role.IPAF)):
        with pytest.raises(PermissionDenied):
            editing.save_clause(
                session,
                user,
                node.revision.clause,
                based_on_id=node.revision.id,
                kind="criterion",
                number="1.1",
                heading="x",
                body="y",
            )
    assert service.clause_history(session, node.revision.clause)[0].seq == 1


def test_concurrent_edits_that_do_not_overlap_are_merged(session, make_standard, make_user):
    standard = make_standard()
    alice, bob = make_user(Role.COMMITTEE), make_user(Role.COMMITTEE)
    base = _node(session, standard, "1.2").revision
    clause = base.clause
    editing.save_clause(
        session,
        alice,
        clause,
        based_on_id=base.id,
        kind="criterion",
        number="1.2",
        heading=base.heading,
        body="The Entity shall publicly report on topic 2 every year, where practicable.",
    )
    # Bob opened the clause before Alice saved: his edit is based on the old head.
    result = editing.save_clause(
        session,
        bob,
        clause,
        based_on_id=base.id,
        kind="criterion",
        number="1.2",
        heading=base.heading,
        body="The Entity shall report on topic 2 every year.",
    )
    assert result.merged
    assert result.revision.body == "The Entity shall publicly report on topic 2 every year."
    assert result.revision.clause.head_revision_id == result.revision.id
    assert [r.seq for r in service.clause_history(session, clause)] == [3, 2, 1]


def test_overlapping_concurrent_edit_is_refused_and_nothing_is_lost(
    session, make_standard, make_user
):
    standard = make_standard()
    alice, bob = make_user(Role.COMMITTEE), make_user(Role.COMMITTEE)
    base = _node(session, standard, "1.3").revision
    clause = base.clause
    editing.save_clause(
        session,
        alice,
        clause,
        based_on_id=base.id,
        kind="criterion",
        number="1.3",
        heading=base.heading,
        body="The Entity shall report on topic 3 every month, where practicable.",
    )
    with pytest.raises(editing.EditConflict) as conflict:
        editing.save_clause(
            session,
            bob,
            clause,
            based_on_id=base.id,
            kind="criterion",
            number="1.3",
            heading=base.heading,
            body="The Entity shall report on topic 3 every week, where practicable.",
        )
    assert conflict.value.fields == ["body"]
    assert conflict.value.head.body.startswith("The Entity shall report on topic 3 every month")
    history = service.clause_history(session, clause)
    assert len(history) == 2 and "every month" in history[0].body


def test_unchanged_save_writes_nothing(session, make_standard, make_user):
    standard = make_standard()
    member = make_user(Role.COMMITTEE)
    rev = _node(session, standard, "1.1").revision
    result = editing.save_clause(
        session,
        member,
        rev.clause,
        based_on_id=rev.id,
        kind=rev.kind,
        number=rev.number,
        heading=rev.heading,
        body=rev.body,
    )
    assert result.unchanged and len(service.clause_history(session, rev.clause)) == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"number": "1..2"}, "number"),
        ({"kind": "chapter"}, "kind"),
        ({"heading": "", "number": ""}, "heading"),
        ({"heading": "x" * 301}, "heading"),
        ({"body": "x" * 20_001}, "body"),
        ({"body": "Text\n# A heading inside"}, "body"),
    ],
)
def test_bad_clause_fields_are_refused(session, make_standard, make_user, fields, field):
    standard = make_standard()
    member = make_user(Role.COMMITTEE)
    values = {"kind": "requirement", "number": "1.1.1", "heading": "New", "body": "Text"}
    values.update(fields)
    before = len(service.working_draft(session, standard))
    with pytest.raises(ValidationError) as error:
        editing.add_clause(session, member, standard, parent_uid=None, **values)
    assert error.value.field == field
    assert len(service.working_draft(session, standard)) == before


def test_unknown_parent_is_refused(session, make_standard, make_user):
    standard = make_standard()
    with pytest.raises(ValidationError, match="not in this draft"):
        editing.add_clause(
            session,
            make_user(Role.COMMITTEE),
            standard,
            kind="criterion",
            number="9",
            heading="Orphan",
            parent_uid="TS-ffff",
        )


def test_add_move_delete_and_renumber(session, make_standard, make_user):
    standard = make_standard(clauses=3)
    member = make_user(Role.COMMITTEE)
    principle = _node(session, standard, "1").revision.clause
    second = editing.add_clause(
        session,
        member,
        standard,
        kind="principle",
        number="2",
        heading="Environment",
        body="Care for the environment.",
    )
    first_criterion = _node(session, standard, "1.1").revision.clause
    editing.move_clause(session, member, first_criterion, parent_uid=second.clause.uid, index=None)
    order = [(n.depth, n.uid) for n in service.working_draft(session, standard)]
    assert order.index((1, first_criterion.uid)) > order.index((0, second.clause.uid))
    with pytest.raises(ValidationError, match="inside itself"):
        editing.move_clause(
            session, member, principle, parent_uid=_node(session, standard, "1.2").uid, index=0
        )
    changed = editing.renumber(session, member, standard)
    numbers = [n.revision.number for n in service.working_draft(session, standard)]
    assert numbers == ["1", "1.1", "1.2", "2", "2.1"] and changed == 3
    editing.delete_clause(session, member, second.clause, message="Merged into 1")
    assert [n.revision.number for n in service.working_draft(session, standard)] == [
        "1",
        "1.1",
        "1.2",
    ]
    history = service.clause_history(session, first_criterion)
    assert history[0].deleted and not history[1].deleted  # history keeps it


def test_insert_at_index_among_siblings(session, make_standard, make_user):
    standard = make_standard(clauses=2)
    member = make_user(Role.COMMITTEE)
    parent = _node(session, standard, "1").uid
    editing.add_clause(
        session,
        member,
        standard,
        kind="criterion",
        number="1.0",
        heading="Inserted",
        parent_uid=parent,
        index=1,
    )
    assert [n.revision.number for n in service.working_draft(session, standard)] == [
        "1",
        "1.1",
        "1.0",
        "1.2",
    ]


def test_freeze_is_a_permanent_snapshot(session, make_standard, make_user):
    standard = make_standard()
    secretariat, member = make_user(Role.SECRETARIAT), make_user(Role.COMMITTEE)
    with pytest.raises(PermissionDenied):
        service.freeze(session, member, standard, label="1.0-draft-1")
    version = service.freeze(session, secretariat, standard, label="1.0-draft-1")
    rev = _node(session, standard, "1.1").revision
    editing.save_clause(
        session,
        member,
        rev.clause,
        based_on_id=rev.id,
        kind="criterion",
        number="1.1",
        heading="Changed",
        body="Changed text.",
    )
    frozen = service.version_nodes(session, version)
    assert [n.revision.heading for n in frozen][1] == "Criterion 1"
    assert service.working_draft(session, standard)[1].revision.heading == "Changed"
    with pytest.raises(ValidationError, match="already has a version"):
        service.freeze(session, secretariat, standard, label="1.0-draft-1")
    with pytest.raises(ValidationError):
        service.freeze(session, secretariat, standard, label="working")


def test_frozen_records_cannot_be_altered(session, make_standard, make_user):
    standard = make_standard()
    version = service.freeze(session, make_user(Role.SECRETARIAT), standard, label="v1")
    entry = session.scalars(
        select(VersionEntry).where(VersionEntry.version_id == version.id)
    ).first()
    entry.revision_id = entry.revision_id + 1
    with pytest.raises(Conflict):
        session.flush()


def test_revisions_cannot_be_altered_or_deleted(session, make_standard):
    make_standard()
    revision = session.scalars(select(ClauseRevision)).first()
    revision.body = "tampered"
    with pytest.raises(Conflict):
        session.flush()
    session.rollback()
    make_standard()
    session.delete(session.scalars(select(ClauseRevision)).first())
    with pytest.raises(Conflict):
        session.flush()


def test_working_draft_is_for_staff_only(session, make_standard, make_user):
    standard = make_standard()
    with pytest.raises(PermissionDenied):
        service.read_version(session, make_user(), standard, "working")
    _, nodes = service.read_version(session, make_user(Role.COMMITTEE), standard, "working")
    assert nodes


def test_create_standard_validates(session, make_user):
    secretariat = make_user(Role.SECRETARIAT)
    service.create_standard(
        session, secretariat, slug="chain-of-custody", title="CoC", uid_prefix="CC"
    )
    with pytest.raises(ValidationError, match="already exists"):
        service.create_standard(
            session, secretariat, slug="chain-of-custody", title="Again", uid_prefix="CC"
        )
    with pytest.raises(ValidationError):
        service.create_standard(session, secretariat, slug="x", title="  ", uid_prefix="CC")
    with pytest.raises(PermissionDenied):
        service.create_standard(
            session, make_user(Role.COMMITTEE), slug="y", title="Y", uid_prefix="Y"
        )
