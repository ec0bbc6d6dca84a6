"""The demo's earlier editions: 1.1 superseded by 2.0, both adopted by ballot and published."""

from __future__ import annotations

import re

from app.demo import edition, first_round, second_round
from app.demo.accounts import load_accounts
from app.demo.standard import load_standard
from app.drafting import service as drafting
from app.drafting.models import VersionState
from app.publishing import history
from app.publishing import service as publishing


def test_demo_editions_are_published_through_the_services(db, app):
    load_accounts(db)
    load_standard(db)
    # Ballot ids come from a sequence that PostgreSQL never rolls back: match any id.
    lines = [re.sub(r"ballot \d+", "ballot N", line) for line in edition.load(db)]
    assert lines == [
        "Published edition 1.1 (adoption ballot N: carried).",
        "Published edition 2.0 (adoption ballot N: carried).",
    ]
    assert edition.load(db) == ["Edition 1.1 already published.", "Edition 2.0 already published."]
    first_round.load(db)
    second_round.load(db)
    with app.test_request_context():
        session = db.new_session()
        standard = drafting.get_standard(session, "responsible-aluminium")
        publications = publishing.list_publications(session, standard)
        assert [p.number for p in publications] == ["2.0", "1.1"]
        current, older = publications
        assert publishing.standing(older, publications).state == publishing.SUPERSEDED
        assert publishing.standing(current, publications).state == publishing.IN_FORCE
        assert current.version.state == VersionState.PUBLISHED
        assert "two public consultation rounds" in current.justification
        # A clause renumbered between the editions keeps its address; one was removed.
        trail = publishing.clause_trail(session, older, "RA-96a8")
        assert trail.node.revision.number == "4.3.1"
        assert trail.current_node.revision.number == "4.3.2"
        assert publishing.clause_trail(session, older, "RA-1e55").removed_in == current
        kinds = [e.kind for e in history.timeline(session, standard)]
        assert kinds.count("publication") == 2 and kinds.count("round") == 2
        assert kinds.index("publication") < kinds.index("round")
        session.close()
