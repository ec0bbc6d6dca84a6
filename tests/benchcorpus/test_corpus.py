"""`flask bench corpus` adds a valid corpus on top of what is there."""

from __future__ import annotations

from sqlalchemy import func, select

from app.committee.models import Ballot, Disposition, SynopsisPublication
from app.consultation.models import Comment, ConsultationRound, Submission, SubmissionStatus
from app.drafting.models import ClauseRevision, Standard, Version
from app.text.anchoring import check_anchor
from app.text.markdown import plain_text


def test_corpus_command_adds_a_consistent_corpus(runner, session):
    result = runner.invoke(args=["bench", "corpus", "--comments", "300", "--clauses", "60"])
    assert result.exit_code == 0, result.output
    standard = session.scalar(select(Standard).where(Standard.slug.startswith("volume-benchmark")))
    labels = session.scalars(select(Version.label).where(Version.standard_id == standard.id)).all()
    assert sorted(labels) == ["1.0-draft-1", "1.0-draft-2", "1.0-draft-3"]
    first, second = session.scalars(
        select(ConsultationRound)
        .where(ConsultationRound.standard_id == standard.id)
        .order_by(ConsultationRound.number)
    ).all()
    comments = session.scalars(
        select(Comment).join(Submission).where(Submission.round_id.in_([first.id, second.id]))
    ).all()
    assert len(comments) == 300
    receipts = session.scalars(
        select(Submission.receipt).where(Submission.round_id == first.id)
    ).all()
    assert len(receipts) == len(set(receipts)) == first.receipt_counter
    assert all(r.startswith(f"{standard.uid_prefix}-R1-") for r in receipts)
    anchored = [c for c in comments if c.anchor_exact is not None]
    assert anchored
    for comment in anchored[:20]:
        text = plain_text(session.get(ClauseRevision, comment.revision_id).body)
        assert check_anchor(
            text,
            comment.anchor_exact,
            comment.anchor_prefix,
            comment.anchor_suffix,
            comment.anchor_start,
            comment.anchor_end,
        )
    first_ids = select(Comment.id).join(Submission).where(Submission.round_id == first.id)
    agreed = session.scalar(
        select(func.count())
        .select_from(Disposition)
        .where(Disposition.comment_id.in_(first_ids), Disposition.agreed.is_(True))
    )
    assert agreed == 150
    assert session.scalar(
        select(SynopsisPublication.id).where(SynopsisPublication.round_id == first.id)
    )
    ballot = session.scalar(select(Ballot).where(Ballot.standard_id == standard.id))
    assert ballot.closed_at is not None and ballot.outcome is not None
    assert (
        session.scalar(
            select(func.count())
            .select_from(Submission)
            .where(
                Submission.round_id == second.id, Submission.status != SubmissionStatus.SUBMITTED
            )
        )
        == 0
    )


def test_corpus_twice_uses_a_new_prefix(runner):
    for _ in range(2):
        result = runner.invoke(args=["bench", "corpus", "--comments", "20", "--clauses", "10"])
        assert result.exit_code == 0, result.output
    assert "volume-benchmark-vb2" in result.output
