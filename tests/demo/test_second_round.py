"""The consultation demo: an open second round with realistic, varied comments."""

from __future__ import annotations

from sqlalchemy import select

from app.consultation import moderation, public_record
from app.consultation.models import (
    ConsultationRound,
    RoundState,
    Submission,
    SubmissionStatus,
    round_parts,
    submission_with_comments,
)
from app.database import utcnow
from app.demo import second_round
from app.demo.accounts import load_accounts
from app.demo.standard import load_standard
from app.text.markdown import plain_text


def test_demo_round_is_loaded_once_through_the_service(db, session):
    load_accounts(db)
    load_standard(db)
    lines = second_round.load(db)
    assert "34 comments" in lines[0]
    round_ = session.scalar(
        select(ConsultationRound).where(ConsultationRound.number == 2).options(*round_parts())
    )
    assert round_.version.label == "3.0-draft-2"
    assert round_.state_at(utcnow()) == RoundState.OPEN
    assert round_.length_days >= 60
    submissions = session.scalars(
        select(Submission)
        .where(Submission.round_id == round_.id)
        .options(*submission_with_comments())
    ).all()
    statuses = sorted(s.status for s in submissions)
    assert statuses.count(SubmissionStatus.DRAFT) == 1
    assert statuses.count(SubmissionStatus.WITHDRAWN) == 1
    submitted = [s for s in submissions if s.status == SubmissionStatus.SUBMITTED]
    comments = [c for s in submitted for c in s.comments]
    assert 30 <= len(comments) <= 40
    assert len({s.stakeholder_group for s in submitted}) >= 6
    formal = [s for s in submitted if s.kind == "formal"]
    assert len(formal) == 1 and formal[0].cover_statement
    assert 3 <= len(formal[0].comments) <= 4
    assert all(c.clause_id for c in formal[0].comments)
    anchored = [c for c in comments if c.anchor_exact]
    assert len(anchored) >= 8
    for c in anchored:
        assert plain_text(c.revision.body)[c.anchor_start : c.anchor_end] == c.anchor_exact
    assert sum(1 for c in comments if c.proposed_change) >= 4
    hidden = moderation.moderation_of(session, [c.id for c in comments])
    assert [m.hidden for m in hidden.values()] == [True]
    public, total = public_record.record_comments(session, None, round_)
    assert total == len(comments) - 1
    assert second_round.load(db) == ["Demo consultation round 2 already loaded."]
