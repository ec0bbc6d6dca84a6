"""The comment read model: written with each event, equal to a rebuild from history."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select

from app.auth.models import Role, StakeholderGroup
from app.committee import dispositions, listing
from app.committee import state as committee_state
from app.committee.models import Disposition
from app.consultation import moderation, public_record, state, submitting
from app.consultation.models import CommentState, Moderation, SubmissionKind


def _rows(session, round_id):
    return sorted(session.execute(state.stored(round_id)).all())


def _events(session, standard, round_, clause_of, make_submission, make_user, people):
    member, second_member, secretariat = people
    c11, c12 = clause_of(standard, "1.1"), clause_of(standard, "1.2")
    plain = make_submission(round_, [c11, c12, None])
    formal = make_submission(
        round_,
        [c11],
        kind=SubmissionKind.FORMAL,
        author=make_user(Role.IPAF, stakeholder_group=StakeholderGroup.INDIGENOUS_PEOPLES),
    )
    leaver = make_user(stakeholder_group=StakeholderGroup.GOVERNMENT)
    gone = make_submission(round_, [c12, None], author=leaver, comment_type="editorial")
    # Withdrawn: its comments leave the counts.
    submitting.withdraw(
        session, leaver, gone[0].submission, reason="Sent twice", now=round_.opens_at + 2 * DAY
    )
    # Answers: drafted, revised, agreed; a duplicate; one left unanswered.
    dispositions.draft(session, member, plain[0], decision="noted", response="Noted.")
    dispositions.draft(session, member, plain[0], decision="accepted", response="Changed.")
    dispositions.agree(session, second_member, plain[0])
    dispositions.draft(session, member, plain[1], decision="rejected", response="No.")
    dispositions.answer_duplicates(session, member, plain[0], [formal[0]], response="As above.")
    # Hidden, shown again, hidden; and hidden once.
    for hidden in (True, False, True):
        moderation.moderate(session, secretariat, plain[2], hidden=hidden, reason="Names")
    moderation.moderate(session, secretariat, plain[1], hidden=True, reason="Abusive")
    return plain, formal, gone


DAY = dt.timedelta(days=1)


def test_the_incremental_table_equals_the_rebuilt_one(
    session,
    make_standard,
    freeze,
    make_round,
    clause_of,
    make_submission,
    make_user,
    member,
    second_member,
    secretariat,
):
    standard = make_standard()
    round_ = make_round(freeze(standard, "d1"), number=1)
    people = (member, second_member, secretariat)
    plain, formal, gone = _events(
        session, standard, round_, clause_of, make_submission, make_user, people
    )
    incremental = _rows(session, round_.id)
    by_id = {row.comment_id: row for row in incremental}
    assert len(incremental) == 4  # 3 + 1 submitted, the 2 withdrawn left out
    assert not ({c.id for c in gone} & set(by_id))
    assert (by_id[plain[0].id].decision, by_id[plain[0].id].agreed) == ("accepted", True)
    assert (by_id[plain[1].id].decision, by_id[plain[1].id].agreed) == ("rejected", False)
    assert by_id[plain[1].id].hidden and by_id[plain[2].id].hidden
    assert by_id[plain[2].id].decision is None
    assert by_id[formal[0].id].formal and by_id[formal[0].id].decision == "duplicate"
    assert committee_state.differences(session, round_.id) == 0

    assert committee_state.rebuild(session, round_.id) == 4
    assert _rows(session, round_.id) == incremental

    progress = listing.round_progress(session, round_, breakdown=True)
    assert (progress.total, progress.agreed, progress.drafted, progress.undrafted) == (4, 1, 2, 1)
    assert (progress.formal_total, progress.formal_open) == (1, 1)
    c11, c12 = clause_of(standard, "1.1"), clause_of(standard, "1.2")
    assert progress.open_by_clause == {c11.uid: 1, c12.uid: 1, "": 1}
    assert progress.open_by_type == {"technical": 3}
    assert progress.open_by_group == {"civil-society": 2, "indigenous-peoples": 1}
    assert public_record.public_comment_counts(session, round_) == {
        plain[0].clause_id: 2,  # plain[0] and the formal comment, both on 1.1
    }


def test_late_and_out_of_order_rows_keep_the_newest(
    session, make_standard, freeze, make_round, clause_of, make_comment, member, secretariat
):
    """Two transactions may commit in either order: the state keeps the history's latest."""
    standard = make_standard()
    round_ = make_round(freeze(standard, "d1"), number=1)
    comment = make_comment(round_, clause_of(standard, "1.1"))
    rows = [
        {"comment_id": comment.id, "seq": seq, "decision": decision, "response": "x"}
        for seq, decision in ((1, "noted"), (2, "rejected"), (3, "accepted"))
    ]
    ids = session.scalars(
        insert(Disposition).returning(Disposition.id, sort_by_parameter_order=True),
        [{**row, "agreed": False, "author_id": member.id} for row in rows],
    ).all()
    # seq 3 lands first, then the older rows arrive late: they change nothing.
    for disposition_id, row in sorted(zip(ids, rows, strict=True), key=lambda p: -p[1]["seq"]):
        state.record_answer(
            session,
            comment.id,
            disposition_id=disposition_id,
            seq=row["seq"],
            decision=row["decision"],
            agreed=False,
        )
    hide, show = (
        Moderation(comment_id=comment.id, hidden=h, reason="r", moderator_id=secretariat.id)
        for h in (True, False)
    )
    session.add_all([hide, show])
    session.flush()
    for decision in (show, hide):  # the later row committed first
        state.record_moderation(session, decision)
    row = session.get(CommentState, comment.id)
    session.refresh(row)
    assert (row.disposition_seq, row.decision, row.hidden) == (3, "accepted", False)
    assert committee_state.differences(session, round_.id) == 0


def test_drift_is_found_and_the_command_rebuilds(
    session, runner, make_standard, freeze, make_round, clause_of, make_comment
):
    standard = make_standard()
    round_ = make_round(freeze(standard, "d1"), number=1)
    comment = make_comment(round_, clause_of(standard, "1.1"))
    session.commit()
    result = runner.invoke(args=["comment-state", "check"])
    assert result.exit_code == 0, result.output
    session.execute(
        CommentState.__table__.update()
        .where(CommentState.comment_id == comment.id)
        .values(agreed=True, decision="noted")
    )
    session.commit()
    assert committee_state.differences(session, round_.id) == 2  # one wrong, one missing
    result = runner.invoke(args=["comment-state", "check"])
    assert result.exit_code != 0 and "differs" in result.output
    result = runner.invoke(args=["comment-state", "rebuild", "--round", str(round_.id)])
    assert result.exit_code == 0 and "1 rows" in result.output, result.output
    session.expire_all()
    assert committee_state.differences(session) == 0
    row = session.scalar(select(CommentState).where(CommentState.comment_id == comment.id))
    assert (row.agreed, row.decision) == (False, None)
    assert runner.invoke(args=["comment-state", "check"]).exit_code == 0
