"""Search fixtures: the engine under test and a small world with one case of every access rule.

Engines are chosen by parametrization from the test database URL (never skipped):
Whoosh always, PostgreSQL full text too when the suite runs on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import os
from types import SimpleNamespace

import pytest

from app.auth.models import Role, StakeholderGroup
from app.auth.permissions import SYSTEM
from app.committee import dispositions, synopsis
from app.consultation import moderation
from app.consultation import service as consultation
from app.database import utcnow
from app.drafting import editing
from app.drafting import service as drafting
from app.search import indexer
from app.search.engines import get_engine

DAY = dt.timedelta(days=1)


def engine_names() -> list[str]:
    url = os.environ.get("TEST_DATABASE_URL", "")
    return ["whoosh", "postgresql"] if url.startswith("postgres") else ["whoosh"]


@pytest.fixture(params=engine_names())
def engine(request, app, db, tmp_path):
    """Serve search with one engine and a fresh Whoosh index for this test."""
    saved = {k: app.config.get(k) for k in ("SEARCH_ENGINE", "SEARCH_INDEX_DIR")}
    app.config["SEARCH_ENGINE"] = request.param
    app.config["SEARCH_INDEX_DIR"] = str(tmp_path / "index")
    engine = get_engine(app)
    if request.param == "postgresql":
        with db.transaction() as s:
            engine.clear(s)
    yield engine
    app.config.update(saved)


@pytest.fixture
def apply(db, engine):
    """Return a function that applies the queued index updates, as the indexer does after commit."""

    def run() -> int:
        return indexer.apply_pending(db, engine)

    return run


def _round(session, standard, label, *, opens_at, days=70, visibility="live", title="Round"):
    version = drafting.freeze(session, SYSTEM, standard, label=label)
    fields = consultation.clean_round(
        session,
        standard_slug=standard.slug,
        version_label=version.label,
        title=title,
        summary="",
        opens_at=opens_at,
        closes_at=opens_at + dt.timedelta(days=days),
        visibility=visibility,
        number=None,
    )
    return consultation.create_round(session, SYSTEM, fields)


def _comment(session, user, round_, uid, body, *, proposed="", submit=True, now=None):
    comment = consultation.add_comment(
        session,
        user,
        round_,
        clause_uid=uid,
        body=body,
        proposed_change=proposed,
        comment_type="technical",
        anchor=consultation.AnchorInput(passage=""),
        now=now,
    )
    if submit:
        consultation.submit(session, user, comment.submission, now=now)
    session.flush()
    return comment


@pytest.fixture
def world(session, make_user):
    """A standard with a frozen version, a working draft edit, three rounds and their comments.

    Every word that must stay unseen by the public is unique, so a test can search for it.
    """
    now = utcnow()
    secretariat = make_user(Role.SECRETARIAT, name="Sam Secretariat")
    member = make_user(Role.COMMITTEE, name="Maria Member")
    second = make_user(Role.COMMITTEE, name="Sergio Second")  # agrees what member proposed
    cora = make_user(name="Cora", stakeholder_group=StakeholderGroup.CIVIL_SOCIETY)
    ivan = make_user(name="Ivan", stakeholder_group=StakeholderGroup.INDUSTRY_UPSTREAM)
    standard = drafting.create_standard(
        session,
        SYSTEM,
        slug="search-aluminium",
        title="Search Aluminium Standard",
        summary="",
        uid_prefix="SA",
    )
    principle = editing.add_clause(
        session,
        SYSTEM,
        standard,
        kind="principle",
        number="1",
        heading="Emissions and waste",
        body="The Entity shall report greenhouse gas emissions every year.",
    )
    residue = editing.add_clause(
        session,
        SYSTEM,
        standard,
        kind="requirement",
        number="1.1",
        heading="Spent pot lining",
        body="Bauxite residue and **spent pot lining** shall be stored safely.",
        parent_uid=principle.clause.uid,
    )
    fpic = editing.add_clause(
        session,
        SYSTEM,
        standard,
        kind="criterion",
        number="1.2",
        heading="Consent",
        body="Free, prior and informed consent of affected Indigenous Peoples is obtained.",
        parent_uid=principle.clause.uid,
    )
    # Round 1: closed, answered, synopsis published.
    old = _round(session, standard, "draft-1", opens_at=now - 100 * DAY, title="First round")
    early = now - 90 * DAY
    answered = _comment(
        session, cora, old, fpic.clause.uid, "Consent must cover expansions.", now=early
    )
    dispositions.draft(
        session,
        member,
        answered,
        decision="rejected",
        response="Vanadium tailings are out of this clause's reach.",
    )
    dispositions.agree(session, second, answered)
    synopsis.publish(session, secretariat, old, now=now)
    # Round 2: open, comments live.
    live = _round(session, standard, "draft-2", opens_at=now - 5 * DAY, title="Second round")
    public = _comment(
        session,
        cora,
        live,
        residue.clause.uid,
        "Spent pot lining emissions need a limit; FPIC applies to landfills too.",
        proposed="Add a limit on fluoride leaching.",
    )
    industry = _comment(
        session, ivan, live, fpic.clause.uid, "FPIC wording is unclear for expansions."
    )
    hidden = _comment(session, ivan, live, residue.clause.uid, "Insulting words about gallium.")
    moderation.moderate(session, secretariat, hidden, hidden=True, reason="Abusive")
    withdrawn = _comment(session, cora, live, None, "Second thoughts about cryolite.")
    drafted = _comment(session, ivan, live, None, "Unsent idea about dross.", submit=False)
    dispositions.draft(
        session, member, industry, decision="accepted", response="We add molybdenum wording."
    )
    drafting.freeze(session, SYSTEM, standard, label="draft-3")
    # Round 3, on another standard (rounds of one standard never overlap): comments
    # public only after close.
    copper = drafting.create_standard(
        session, SYSTEM, slug="search-copper", title="Copper", summary="", uid_prefix="SC"
    )
    editing.add_clause(
        session,
        SYSTEM,
        copper,
        kind="principle",
        number="1",
        heading="Air",
        body="Copper smelters shall report sulphur dioxide.",
    )
    later = _round(
        session,
        copper,
        "draft-1",
        opens_at=now - 2 * DAY,
        visibility="after-close",
        title="Third round",
    )
    embargoed = _comment(session, cora, later, None, "Embargoed remark about scandium.")
    # The working draft moves on after draft-3.
    editing.save_clause(
        session,
        SYSTEM,
        residue.clause,
        based_on_id=residue.clause.head_revision_id,
        kind="requirement",
        number="1.1",
        heading="Spent pot lining",
        body="Spent pot lining shall be treated; zirconium trials continue.",
    )
    session.flush()
    session.refresh(withdrawn.submission)
    consultation.withdraw(session, cora, withdrawn.submission, reason="Changed my mind")
    session.flush()
    return SimpleNamespace(
        standard=standard,
        secretariat=secretariat,
        member=member,
        cora=cora,
        ivan=ivan,
        rounds=SimpleNamespace(old=old, live=live, later=later),
        clauses=SimpleNamespace(
            principle=principle.clause, residue=residue.clause, fpic=fpic.clause
        ),
        comments=SimpleNamespace(
            answered=answered,
            public=public,
            industry=industry,
            hidden=hidden,
            withdrawn=withdrawn,
            drafted=drafted,
            embargoed=embargoed,
        ),
    )
