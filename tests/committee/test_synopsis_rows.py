"""The public synopsis page reads plain rows (render, issue 12): the same as the ORM rows."""

from __future__ import annotations

from app.committee import dispositions, listing, synopsis_rows
from app.committee.comments import comment_label
from app.consultation.names import public_submitter


def test_plain_synopsis_rows_carry_what_the_orm_rows_show(
    session, member, make_standard, freeze, make_round, make_comment, clause_of
):
    standard = make_standard()
    version = freeze(standard, "d1")
    round_ = make_round(version, number=1)
    clause = clause_of(standard, "1.1")
    first = make_comment(round_, clause, quote="every year", body="Say *more*.")
    second = make_comment(round_, None, consent=False)
    third = make_comment(round_, clause_of(standard, "1.2"))
    dispositions.draft(
        session,
        member,
        first,
        decision="accepted",
        response="Done **here**.",
        addressed_by_revision_id=clause.head_revision_id,
    )
    dispositions.draft(
        session, member, second, decision="duplicate", response="See 1.", duplicate_of_id=first.id
    )
    session.flush()
    objects = listing.synopsis_page(session, round_, public=True)
    plain = listing.synopsis_page(session, round_, public=True, plain=True)
    assert [r.comment.id for r in plain.items] == [r.comment.id for r in objects.items]
    assert {r.comment.id for r in plain.items} == {first.id, second.id, third.id}
    for o, p in zip(objects.items, plain.items, strict=True):
        assert isinstance(p.comment, synopsis_rows.SynopsisComment)
        for name in (
            "id",
            "clause_id",
            "submission_id",
            "ordinal",
            "comment_type",
            "language",
            "anchor_exact",
            "body_html",
            "proposed_change",
            "proposed_change_html",
        ):
            assert getattr(o.comment, name) == getattr(p.comment, name), name
        assert (o.comment.clause and o.comment.clause.uid) == (
            p.comment.clause and p.comment.clause.uid
        )
        assert (o.comment.revision and o.comment.revision.title) == (
            p.comment.revision and p.comment.revision.title
        )
        assert comment_label(o.comment) == comment_label(p.comment)
        assert public_submitter(o.submission) == public_submitter(p.submission)
        assert (o.state, o.stakeholder_group, o.is_formal, o.hidden) == (
            p.state,
            p.stakeholder_group,
            p.is_formal,
            p.hidden,
        )
        if o.disposition is None:
            assert p.disposition is None
            continue
        od, pd = o.disposition, p.disposition
        for name in ("id", "decision", "agreed", "duplicate_of_id", "response_html"):
            assert getattr(od, name) == getattr(pd, name), name
        if od.addressed_by is None:
            assert pd.addressed_by is None
        else:
            assert (od.addressed_by.seq, od.addressed_by.clause.uid) == (
                pd.addressed_by.seq,
                pd.addressed_by.clause.uid,
            )
    answered = {r.comment.id: r.disposition for r in plain.items}
    assert answered[first.id].addressed_by is not None
    assert answered[second.id].duplicate_of_id == first.id
    assert answered[third.id] is None
