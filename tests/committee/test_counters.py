"""The per-round and per-clause comment counters equal a recount after every kind of event."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from sqlalchemy import func, select, text, update

from app.auth.models import Role, StakeholderGroup
from app.committee import dispositions, listing
from app.committee import state as committee_state
from app.consultation import counters, moderation, public_record, submitting
from app.consultation import service as consultation
from app.consultation.models import (
    Comment,
    CommentState,
    SubmissionKind,
    SubmissionStatus,
    comment_parts,
)
from app.drafting.models import Clause
from app.errors import DomainError
from app.publishing import history

DAY = dt.timedelta(days=1)
TYPES = ("technical", "editorial", "general")
GROUPS = (
    StakeholderGroup.CIVIL_SOCIETY,
    StakeholderGroup.GOVERNMENT,
    StakeholderGroup.INDIGENOUS_PEOPLES,
)
DECISIONS = ("accepted", "rejected", "noted", "accepted-in-principle")


def _recounted(session, round_) -> dict:
    """What the pages show, counted directly over comment_state's rows."""
    cs = CommentState
    rows = session.execute(
        select(
            cs.agreed, cs.decision, cs.comment_type, cs.stakeholder_group, cs.formal, cs.hidden
        ).where(cs.round_id == round_.id)
    ).all()
    clauses = session.execute(
        select(cs.clause_id, cs.agreed, cs.hidden).where(cs.round_id == round_.id)
    ).all()
    progress = listing.Progress()
    for agreed, decision, comment_type, group, formal, _hidden in rows:
        progress.total += 1
        progress.agreed += agreed
        progress.formal_total += formal
        if not agreed:
            progress.drafted += decision is not None
            progress.formal_open += formal
            progress.open_by_type[comment_type] += 1
            progress.open_by_group[group or "other"] += 1
    return {
        "progress": (progress.total, progress.agreed, progress.drafted),
        "formal": (progress.formal_total, progress.formal_open),
        "open_by_type": progress.open_by_type,
        "open_by_group": progress.open_by_group,
        "open_by_clause": Counter(c for c, agreed, _h in clauses if not agreed),
        "public_by_clause": Counter(c for c, _a, hidden in clauses if not hidden),
        "decisions": Counter(d for a, d, *_rest, h in rows if a and not h),
        "groups": Counter(g or "other" for _a, _d, _t, g, _f, h in rows if not h),
        "open_technical": sum(1 for a, _d, t, *_r in rows if not a and t == "technical"),
    }


def _from_counters(session, round_) -> dict:
    progress = listing.round_progress(session, round_, breakdown=True)
    uid_to_id = {
        uid: cid
        for cid, uid in session.execute(
            text("SELECT id, uid FROM clause WHERE uid IS NOT NULL")
        ).all()
    }
    filters = listing.RowFilters(state="open", comment_type="technical")
    return {
        "progress": (progress.total, progress.agreed, progress.drafted),
        "formal": (progress.formal_total, progress.formal_open),
        "open_by_type": progress.open_by_type,
        "open_by_group": progress.open_by_group,
        "open_by_clause": Counter(
            {uid_to_id.get(uid): n for uid, n in progress.open_by_clause.items()}
        ),
        "public_by_clause": Counter(public_record.public_comment_counts(session, round_)),
        "decisions": listing.decision_counts(session, round_),
        "groups": listing.group_counts(session, round_),
        "open_technical": listing.count_matching(session, round_, filters),
    }


def _check(session, round_, what: str) -> None:
    assert counters.differences(session, round_.id) == 0, what
    assert committee_state.differences(session, round_.id) == 0, what
    expected = _recounted(session, round_)
    assert _from_counters(session, round_) == expected, what
    assert (
        listing.count_unanswered(session, [round_.id])
        == expected["progress"][0] - (expected["progress"][1])
    ), what
    # The public record's totals: all, one clause, one type (its visible comments).
    cs = CommentState
    visible = select(func.count()).where(cs.round_id == round_.id, cs.hidden.is_(False))
    clause_id, uid = session.execute(
        select(Clause.id, Clause.uid)
        .join(cs, cs.clause_id == Clause.id)
        .where(cs.round_id == round_.id)
        .limit(1)
    ).first() or (None, "")
    for filters, query in (
        (public_record.CommentFilters(), visible),
        (public_record.CommentFilters(clause_uid=uid), visible.where(cs.clause_id == clause_id)),
        (public_record.CommentFilters(clause_uid="-"), visible.where(cs.clause_id.is_(None))),
        (
            public_record.CommentFilters(comment_type="editorial"),
            visible.where(cs.comment_type == "editorial"),
        ),
    ):
        _page, total = public_record.record_page(session, None, round_, filters)
        assert total == session.scalar(query), (what, filters)


def test_counters_equal_a_recount_after_every_event_in_any_order(
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
    """A random sequence of every event that changes a count (seeded: reproducible)."""
    rng = random.Random(12)
    standard = make_standard()
    round_ = make_round(freeze(standard, "d1"), number=1)
    clauses = [clause_of(standard, "1.1"), clause_of(standard, "1.2"), None]
    when = round_.opens_at + DAY
    sent: list[list[Comment]] = []
    kinds = Counter()

    def submit_two_step():
        comments = make_submission(
            round_,
            [rng.choice(clauses) for _ in range(rng.randint(1, 3))],
            comment_type=rng.choice(TYPES),
            group=rng.choice(GROUPS),
            kind=rng.choice((SubmissionKind.INDIVIDUAL, SubmissionKind.FORMAL)),
            author=make_user(Role.IPAF, stakeholder_group=rng.choice(GROUPS))
            if rng.random() < 0.2
            else None,
        )
        sent.append(comments)

    def submit_one_step():
        person = make_user(stakeholder_group=rng.choice(GROUPS))
        clause = rng.choice(clauses)
        result = consultation.send_comment(
            session,
            person,
            round_,
            clause_uid=clause.uid if clause is not None else None,
            comment_type=rng.choice(TYPES),
            body="One step.",
            now=when,
        )
        session.flush()
        submission_id = result.id
        sent.append(
            list(
                session.scalars(
                    select(Comment)
                    .where(Comment.submission_id == submission_id)
                    .options(*comment_parts())
                )
            )
        )

    def live() -> list[Comment]:
        return [
            c for group in sent for c in group if c.submission.status == SubmissionStatus.SUBMITTED
        ]

    def withdraw():
        candidates = [g for g in sent if g[0].submission.status == SubmissionStatus.SUBMITTED]
        if candidates:
            submission = rng.choice(candidates)[0].submission
            submitting.withdraw(
                session, submission.author, submission, reason="Sent twice", now=when + DAY
            )

    def moderate():
        if live():
            comment = rng.choice(live())
            moderation.moderate(
                session, secretariat, comment, hidden=rng.random() < 0.7, reason="Names"
            )

    def draft():
        if live():
            dispositions.draft(
                session,
                member,
                rng.choice(live()),
                decision=rng.choice(DECISIONS),
                response="Considered.",
            )

    def agree():
        answered = set(
            session.scalars(
                select(CommentState.comment_id).where(
                    CommentState.round_id == round_.id, CommentState.decision.is_not(None)
                )
            )
        )
        drafted = [c for c in live() if c.id in answered]
        if drafted:
            dispositions.agree(session, second_member, rng.choice(drafted))

    def duplicates():
        comments = live()
        if len(comments) >= 3:
            original, *others = rng.sample(comments, 3)
            dispositions.answer_duplicates(session, member, original, others, response="As 1.")

    events = [submit_two_step, submit_one_step, withdraw, moderate, draft, agree, duplicates]
    for step in range(60):
        event = events[step] if step < len(events) else rng.choice(events)
        if step < 6:
            event = rng.choice([submit_two_step, submit_one_step])
        try:
            with session.begin_nested():
                event()
                session.flush()
        except DomainError:
            continue  # not allowed at this point (e.g. agreeing one's own draft): nothing written
        kinds[event.__name__] += 1
        _check(session, round_, f"step {step}: {event.__name__}")
    assert set(kinds) == {e.__name__ for e in events}, kinds
    # A rebuild of the read model (a DELETE and an INSERT of the round's rows) keeps them.
    before = counters.cells(session, [round_.id])
    committee_state.rebuild(session, round_.id)
    assert counters.differences(session) == 0
    assert counters.cells(session, [round_.id]) == before
    # The standard's history counts its rounds from the counters too.
    standard_counts = history.comment_counts(session, standard)
    assert standard_counts.get(round_.id, 0) == _recounted(session, round_)["progress"][0]


def test_the_triggers_exist_at_head(session):
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        names = set(
            session.scalars(
                text("SELECT tgname FROM pg_trigger WHERE tgrelid = 'comment_state'::regclass")
            )
        )
        assert {
            "comment_state_tally_insert",
            "comment_state_tally_delete",
            "comment_state_tally_update",
        } <= names
    else:
        names = set(session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
        assert {
            "comment_state_tally_insert",
            "comment_state_tally_delete",
            "comment_state_tally_update",
            "comment_state_clause_update",
        } <= names


def test_the_command_finds_drift_and_repairs_it(
    session, runner, make_standard, freeze, make_round, clause_of, make_submission
):
    standard = make_standard()
    round_ = make_round(freeze(standard, "d1"), number=1)
    make_submission(round_, [clause_of(standard, "1.1"), None])
    session.commit()
    result = runner.invoke(args=["counters", "check"])
    assert result.exit_code == 0 and "match" in result.output, result.output
    # Drift that only a write around the triggers can make.
    session.execute(
        update(counters.CommentTally)
        .where(counters.CommentTally.round_id == round_.id)
        .values(n=counters.CommentTally.n + 5)
    )
    session.execute(
        counters.ClauseTally.__table__.delete().where(counters.ClauseTally.round_id == round_.id)
    )
    session.commit()
    assert counters.differences(session, round_.id) > 0
    result = runner.invoke(args=["counters", "check", "--round", str(round_.id)])
    assert result.exit_code != 0 and "differ" in result.output, result.output
    result = runner.invoke(args=["counters", "repair", "--round", str(round_.id)])
    assert result.exit_code == 0 and "rows were wrong" in result.output, result.output
    session.expire_all()
    assert counters.differences(session) == 0
    assert runner.invoke(args=["counters", "check"]).exit_code == 0
    assert listing.round_progress(session, round_).total == 2
    total = session.scalar(
        select(func.sum(counters.ClauseTally.n)).where(counters.ClauseTally.round_id == round_.id)
    )
    assert total == 2
