"""The demo shows the whole cycle: a closed, answered first round and the ballot after it."""

from __future__ import annotations

from sqlalchemy import select

from app.committee import listing, synopsis
from app.committee.models import Ballot, BallotOutcome
from app.committee.reanchoring import Locator
from app.consultation.models import (
    Comment,
    ConsultationRound,
    SubmissionKind,
    comment_parts,
    round_parts,
)
from app.demo import first_round
from app.demo.accounts import load_accounts
from app.demo.standard import load_standard
from app.drafting import service as drafting
from app.text.anchoring import AnchorStatus


def test_demo_round_ballot_and_reanchoring(db, app):
    load_accounts(db)
    load_standard(db)
    lines = first_round.load(db)
    assert "ballot" in lines[0]
    assert first_round.load(db) == ["Committee demo already loaded."]
    with app.test_request_context():
        session = db.new_session()
        round_ = session.scalar(
            select(ConsultationRound).where(ConsultationRound.number == 1).options(*round_parts())
        )
        assert round_.version.label == "3.0-draft-1" and round_.length_days == 70
        rows = listing.round_page(session, round_).items
        assert 15 <= len(rows) <= 25
        assert listing.round_progress(session, round_).complete
        assert sum(1 for r in rows if r.kind == SubmissionKind.FORMAL) == 3
        assert synopsis.synopsis_publication(session, round_) is not None
        assert any(r.disposition.addressed_by_revision_id for r in rows)
        assert len({r.stakeholder_group for r in rows}) >= 5
        ballot = session.scalar(select(Ballot))
        assert ballot.outcome == BallotOutcome.CARRIED and ballot.flags == []
        assert ballot.tally["yes"] == 3 and len(ballot.tally["roll"]) == 4
        standard = round_.standard
        draft2 = drafting.get_version(session, standard, "3.0-draft-2")
        # The dashboard's rows are plain values: re-anchoring reads the comments themselves.
        comments = session.scalars(
            select(Comment).where(Comment.id.in_([r.id for r in rows])).options(*comment_parts())
        ).all()
        placements = Locator(drafting.version_nodes(session, draft2)).place_all(comments)
        by_clause = {c.clause.uid: placements[c.id].status for c in comments if c.anchor_exact}
        assert by_clause["RA-e3d5"] == AnchorStatus.ANCHORED
        assert by_clause["RA-07d0"] == AnchorStatus.MOVED
        assert by_clause["RA-8767"] == AnchorStatus.MOVED
        assert by_clause["RA-f5a4"] == AnchorStatus.ORPHANED
        assert len(placements) == len(rows)  # no comment dropped
        session.close()
