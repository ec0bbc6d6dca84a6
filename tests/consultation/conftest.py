"""Creator fixtures for consultation: rounds through the service, commenters, texts to anchor."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from app.auth.models import Role, StakeholderGroup
from app.auth.permissions import SYSTEM
from app.consultation import service
from app.database import utcnow
from app.drafting import editing
from app.drafting import service as drafting

DAY = dt.timedelta(days=1)
_n = itertools.count(1)

# Clause bodies that make anchoring hard: unicode, repeats, Markdown formatting.
TRICKY_BODIES = {
    "1.1": "Smelters shall emit at most **6 tonnes CO2e** per tonne of aluminium, where "
    "practicable, and report annually where practicable.",
    "1.2": "In French: *consentement préalable, libre et éclairé* (CPLE) — 🌍 ≤ 1.5°C "
    "pathways “as agreed”.",
    "1.3": "Follow the [Global Industry Standard on Tailings Management](https://example.org/"
    "gistm) or an equivalent standard.\n\n- first item\n- second item with `code`",
}


@pytest.fixture
def make_round(session, make_standard):
    """Return a function that opens a round through the service (on a new standard by default)."""

    def make(
        standard=None,
        *,
        days: float = 70,
        opened: dt.timedelta = DAY,
        opens_at: dt.datetime | None = None,
        visibility: str = "live",
        number: int | None = None,
        title: str = "Public consultation",
    ):
        standard = standard or make_standard()
        version = drafting.freeze(session, SYSTEM, standard, label=f"draft-{next(_n)}")
        if opens_at is None:
            # Rounds of a standard follow one another: a further round opens at the close
            # of the one before.
            earlier = service.rounds_for_standard(session, standard)
            opens_at = earlier[-1].closes_at if earlier else utcnow() - opened
        fields = service.clean_round(
            session,
            standard_slug=standard.slug,
            version_label=version.label,
            title=title,
            summary="Tell us what you think.",
            opens_at=opens_at,
            closes_at=opens_at + dt.timedelta(days=days),
            visibility=visibility,
            number=number,
        )
        round_ = service.create_round(session, SYSTEM, fields)
        session.flush()
        return round_

    return make


@pytest.fixture
def tricky_standard(session, make_standard):
    """A standard whose criteria 1.1 to 1.3 hold TRICKY_BODIES."""
    standard = make_standard(clauses=3)
    for node in drafting.working_draft(session, standard):
        body = TRICKY_BODIES.get(node.revision.number)
        if body:
            editing.save_clause(
                session,
                SYSTEM,
                node.revision.clause,
                based_on_id=node.revision.id,
                kind="criterion",
                number=node.revision.number,
                heading=node.revision.heading,
                body=body,
            )
    session.flush()
    return standard


@pytest.fixture
def uid_of(session):
    """Return a function giving the uid of a round's clause by its number."""

    def find(round_, number: str) -> str:
        return next(
            n.uid
            for n in drafting.version_nodes(session, round_.version)
            if n.revision.number == number
        )

    return find


@pytest.fixture
def commenter(make_user):
    return make_user(
        name="Cora Commenter",
        stakeholder_group=StakeholderGroup.CIVIL_SOCIETY,
        organisation="Rivers Watch",
    )


@pytest.fixture
def ipaf_member(make_user):
    return make_user(
        Role.IPAF, name="Ina Forum", stakeholder_group=StakeholderGroup.INDIGENOUS_PEOPLES
    )


@pytest.fixture
def file_comment(session):
    """Return a function that adds a comment and submits it, at a pinned time."""

    def make(
        user,
        round_,
        *,
        clause_uid=None,
        body="Please reconsider this.",
        passage: str = "",
        comment_type: str = "general",
        consent: bool = False,
        kind: str = "individual",
        organisation: str = "",
        cover: str = "",
        now: dt.datetime | None = None,
    ):
        comment = service.add_comment(
            session,
            user,
            round_,
            clause_uid=clause_uid,
            body=body,
            comment_type=comment_type,
            anchor=service.AnchorInput(passage=passage),
            now=now,
        )
        submission = comment.submission
        service.update_submission(
            session,
            user,
            submission,
            service.SubmissionDetails(
                kind=kind,
                organisation=organisation,
                consent_publish_name=consent,
                cover_statement=cover,
            ),
            now=now,
        )
        service.submit(session, user, submission, now=now)
        session.flush()
        return comment

    return make
