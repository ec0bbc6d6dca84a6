"""Dispositions: draft, revise, agree; duplicates in bulk; progress of a round."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit.models import AuditEvent
from app.auth.models import Role, StakeholderGroup
from app.committee import dispositions, listing, synopsis
from app.committee.comments import clause_comments
from app.committee.models import Decision, Disposition
from app.consultation.models import CommentType, SubmissionKind
from app.database import utcnow
from app.errors import Conflict, Gone, PermissionDenied, ValidationError


@pytest.fixture
def round_setup(make_standard, freeze, make_round, clause_of):
    standard = make_standard()
    version = freeze(standard, "d1")
    return standard, make_round(version, number=1), clause_of


def test_draft_revise_and_agree_append_rows(
    session, round_setup, make_comment, member, second_member
):
    standard, round_, clause_of = round_setup
    comment = make_comment(round_, clause_of(standard, "1.1"))
    first = dispositions.draft(
        session, member, comment, decision="accepted", response="We agree and changed it."
    )
    assert (first.seq, first.agreed) == (1, False)
    agreed = dispositions.agree(session, second_member, comment)
    assert (agreed.seq, agreed.agreed, agreed.response) == (2, True, "We agree and changed it.")
    with pytest.raises(Conflict):
        dispositions.agree(session, second_member, comment)
    revised = dispositions.draft(
        session, member, comment, decision="rejected", response="On reflection, no."
    )
    assert (revised.seq, revised.agreed) == (3, False)  # a revision needs agreeing again
    assert [d.seq for d in dispositions.history(session, comment)] == [3, 2, 1]
    assert dispositions.current(session, comment).decision == Decision.REJECTED
    actions = session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.action.startswith("disposition."))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["disposition.draft", "disposition.agree", "disposition.revise"]


def test_unchanged_draft_writes_nothing(session, round_setup, make_comment, member):
    standard, round_, clause_of = round_setup
    comment = make_comment(round_, clause_of(standard, "1.1"))
    a = dispositions.draft(session, member, comment, decision="noted", response="Thanks.")
    b = dispositions.draft(session, member, comment, decision="noted", response="Thanks.")
    assert a is b


def test_rules_for_drafting(session, round_setup, make_comment, member, make_user, second_member):
    standard, round_, clause_of = round_setup
    comment = make_comment(round_, clause_of(standard, "1.1"))
    other = make_comment(round_, clause_of(standard, "1.2"))
    with pytest.raises(PermissionDenied):
        dispositions.draft(session, make_user(), comment, decision="noted", response="x")
    with pytest.raises(ValidationError) as err:
        dispositions.draft(session, member, comment, decision="noted", response="  ")
    assert err.value.field == "response"
    with pytest.raises(ValidationError):
        dispositions.draft(session, member, comment, decision="maybe", response="x")
    with pytest.raises(ValidationError):
        dispositions.draft(session, member, comment, decision="duplicate", response="x")
    with pytest.raises(ValidationError):
        dispositions.draft(
            session, member, comment, decision="duplicate", response="x", duplicate_of_id=comment.id
        )
    dispositions.draft(
        session, member, other, decision="duplicate", response="See 1.", duplicate_of_id=comment.id
    )
    with pytest.raises(ValidationError):  # no loops of two
        dispositions.draft(
            session, member, comment, decision="duplicate", response="x", duplicate_of_id=other.id
        )
    with pytest.raises(Conflict):
        dispositions.agree(session, second_member, make_comment(round_, None))


def test_only_committee_members_agree(session, round_setup, make_comment, secretariat):
    standard, round_, clause_of = round_setup
    comment = make_comment(round_, clause_of(standard, "1.1"))
    dispositions.draft(session, secretariat, comment, decision="noted", response="Noted.")
    with pytest.raises(PermissionDenied):
        dispositions.agree(session, secretariat, comment)


def test_duplicates_answered_at_once(session, round_setup, make_comment, member):
    standard, round_, clause_of = round_setup
    clause = clause_of(standard, "1.1")
    original = make_comment(round_, clause)
    copies = [make_comment(round_, clause) for _ in range(3)]
    rows = dispositions.answer_duplicates(
        session, member, original, copies + [original], response="Answered under the first."
    )
    assert len(rows) == 3
    for row in rows:
        assert row.decision == Decision.DUPLICATE and row.duplicate_of_id == original.id
        assert not row.agreed and row.response == "Answered under the first."
    assert dispositions.current(session, original) is None
    with pytest.raises(ValidationError):
        dispositions.answer_duplicates(session, member, original, [original], response="x")
    meeting = dispositions.Meeting(utcnow().date(), "SC-2027-03, item 4")
    agreed = dispositions.answer_duplicates(
        session, member, original, copies, response="Answered under the first.", meeting=meeting
    )
    assert all(r.agreed and r.minutes_ref == "SC-2027-03, item 4" for r in agreed)


def test_the_member_who_proposed_an_answer_cannot_agree_it_alone(
    session, round_setup, make_comment, member, second_member
):
    standard, round_, clause_of = round_setup
    comment = make_comment(round_, clause_of(standard, "1.1"))
    dispositions.draft(session, member, comment, decision="accepted", response="Done.")
    with pytest.raises(Conflict, match="another committee member must agree it"):
        dispositions.agree(session, member, comment)
    assert not dispositions.current(session, comment).agreed
    row = dispositions.agree(session, second_member, comment)
    assert row.agreed and row.author_id == second_member.id and row.drafted_by_id == member.id
    # A revision by the agreeing member is a new proposal: now the first member may agree it.
    dispositions.draft(session, second_member, comment, decision="accepted", response="Done!")
    with pytest.raises(Conflict):
        dispositions.agree(session, second_member, comment)
    assert dispositions.agree(session, member, comment).agreed


def test_the_database_refuses_an_agreement_by_its_proposer(
    session, round_setup, make_comment, member
):
    standard, round_, clause_of = round_setup
    comment = make_comment(round_, clause_of(standard, "1.1"))
    row = dispositions.draft(session, member, comment, decision="noted", response="Noted.")
    session.add(
        Disposition(
            comment_id=comment.id,
            seq=row.seq + 1,
            decision=row.decision,
            response=row.response,
            agreed=True,
            author_id=member.id,
            drafted_by_id=member.id,
        )
    )
    with pytest.raises(IntegrityError), session.begin_nested():
        session.flush()


def test_a_meeting_agrees_a_batch_of_proposals_on_record(
    session, round_setup, make_comment, member, secretariat
):
    standard, round_, clause_of = round_setup
    clause = clause_of(standard, "1.1")
    comments = [make_comment(round_, clause) for _ in range(3)]
    for comment in comments:
        dispositions.draft(session, member, comment, decision="noted", response="Noted.")
    today = utcnow().date()
    with pytest.raises(ValidationError, match="future"):
        dispositions.agree_at_meeting(
            session,
            secretariat,
            comments,
            dispositions.Meeting(today + dt.timedelta(days=1), "SC-1"),
        )
    with pytest.raises(ValidationError, match="minutes"):
        dispositions.agree_at_meeting(
            session, secretariat, comments, dispositions.Meeting(today, " ")
        )
    unanswered = make_comment(round_, clause)
    with pytest.raises(Conflict, match="no proposed disposition"):
        dispositions.agree_at_meeting(
            session, secretariat, [*comments, unanswered], dispositions.Meeting(today, "SC-1")
        )
    assert not any(dispositions.current(session, c).agreed for c in comments)
    rows = dispositions.agree_at_meeting(
        session, secretariat, comments, dispositions.Meeting(today, "SC-2027-03, item 4")
    )
    assert [r.comment_id for r in rows] == [c.id for c in comments]
    for comment in comments:
        current = dispositions.current(session, comment)
        assert current.agreed and current.meeting_on == today
        assert current.minutes_ref == "SC-2027-03, item 4"
    actions = session.scalars(select(AuditEvent.action)).all()
    assert "disposition.agree-meeting" in actions


def test_progress_by_clause_type_group_and_formal_points(
    session, round_setup, make_comment, make_submission, member, make_user, second_member
):
    standard, round_, clause_of = round_setup
    c11, c12 = clause_of(standard, "1.1"), clause_of(standard, "1.2")
    a = make_comment(
        round_, c11, comment_type=CommentType.EDITORIAL, group=StakeholderGroup.INDUSTRY_UPSTREAM
    )
    make_comment(round_, c12, group=StakeholderGroup.CIVIL_SOCIETY)
    ipaf = make_user(Role.IPAF, stakeholder_group=StakeholderGroup.INDIGENOUS_PEOPLES)
    point, _ = make_submission(
        round_,
        [c11, c12],
        author=ipaf,
        kind=SubmissionKind.FORMAL,
        group=StakeholderGroup.INDIGENOUS_PEOPLES,
    )
    dispositions.draft(session, member, a, decision="accepted", response="Yes.")
    dispositions.agree(session, second_member, a)
    dispositions.draft(session, member, point, decision="noted", response="Noted.")
    progress = dispositions.round_progress(session, round_, breakdown=True)
    assert (progress.total, progress.agreed, progress.drafted, progress.lacking) == (4, 1, 1, 3)
    assert (progress.formal_total, progress.formal_open) == (2, 2)
    assert progress.open_by_clause == {c11.uid: 1, c12.uid: 2}
    assert progress.open_by_type == {"technical": 3}
    assert progress.open_by_group == {"civil-society": 1, "indigenous-peoples": 2}
    assert not progress.complete and progress.percent == 25


def test_filters(session, round_setup, make_comment, member, second_member):
    standard, round_, clause_of = round_setup
    c11 = clause_of(standard, "1.1")
    a = make_comment(round_, c11, comment_type=CommentType.EDITORIAL)
    make_comment(round_, None)
    dispositions.draft(session, member, a, decision="accepted", response="Yes.")

    def shown(**filters):
        page = listing.round_page(session, round_, listing.RowFilters(**filters))
        assert listing.count_matching(session, round_, listing.RowFilters(**filters)) == len(
            page.items
        )
        return len(page.items)

    assert shown() == 2
    assert shown(clause=c11.uid) == 1
    assert shown(clause="-") == 1
    assert shown(comment_type="editorial") == 1
    assert shown(state="drafted") == 1
    assert shown(state="none") == 1
    assert shown(state="open") == 2
    assert shown(state="agreed") == 0
    dispositions.agree(session, second_member, a)
    assert shown(state="agreed") == 1 and shown(state="open") == 1


def test_clause_comments_span_rounds(
    session, make_standard, freeze, make_round, make_comment, clause_of, member, make_user
):
    standard = make_standard()
    first = make_round(freeze(standard, "d1"), number=1)
    second = make_round(freeze(standard, "d2"), number=2, closed=False)
    clause = clause_of(standard, "1.1")
    make_comment(round_=first, clause=clause)
    make_comment(round_=second, clause=clause)
    make_comment(round_=second, clause=clause_of(standard, "1.2"))
    make_comment(round_=second, clause=clause)
    rows = clause_comments(session, member, clause).items
    assert [r.comment.submission.round.number for r in rows] == [1, 2, 2]
    # Page by page (one comment each), forwards and backwards, the same order.
    first_page = clause_comments(session, member, clause, limit=2)
    second_page = clause_comments(session, member, clause, after=first_page.next_cursor, limit=2)
    assert [r.comment.id for r in first_page.items + second_page.items] == [
        r.comment.id for r in rows
    ]
    assert not second_page.has_next
    last = clause_comments(session, member, clause, before="last", limit=2)
    assert [r.comment.id for r in last.items] == [r.comment.id for r in rows[1:]]
    with pytest.raises(PermissionDenied):
        clause_comments(session, make_user(), clause)


def test_dispositions_freeze_when_the_synopsis_is_published(
    session, round_setup, make_comment, member, secretariat, second_member
):
    standard, round_, clause_of = round_setup
    comment = make_comment(round_, clause_of(standard, "1.1"))
    dispositions.draft(session, member, comment, decision="noted", response="Noted.")
    dispositions.agree(session, second_member, comment)
    synopsis.publish(session, secretariat, round_)
    with pytest.raises(Gone):
        dispositions.draft(session, member, comment, decision="rejected", response="No.")
    with pytest.raises(Gone):
        dispositions.answer_duplicates(
            session, member, comment, [make_comment(round_, None)], response="x"
        )
