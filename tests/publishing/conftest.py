"""Creator fixtures for publishing: versions adopted by a carried ballot, publications."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest

from app.auth.models import Role
from app.auth.permissions import SYSTEM
from app.committee import ballots, diffs
from app.database import utcnow
from app.drafting import service as drafting
from app.publishing import pdf
from app.publishing import service as publishing
from tests.committee.conftest import (  # noqa: F401 - shared fixtures
    clause_of,
    edit,
    freeze,
    make_comment,
    make_round,
    make_submission,
)

_n = itertools.count(1)
HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _fresh_diff_cache():
    """Version ids are reused across rolled-back tests: start each with an empty cache."""
    diffs.frozen_pairs.clear()
    yield
    diffs.frozen_pairs.clear()


@pytest.fixture
def voters(make_user):
    return [make_user(Role.COMMITTEE) for _ in range(3)]


@pytest.fixture
def ballot_on(session, secretariat, voters):
    """Return a function that holds an adoption ballot on a version and closes it."""

    def hold(version, *, choice: str = "yes", question_kind: str = "adopt"):
        start = utcnow() - 48 * HOUR
        ballot = ballots.open_ballot(
            session,
            secretariat,
            version,
            question_kind=question_kind,
            question=f"Adopt {version.label}?",
            closes_at=start + 24 * HOUR,
            justification="The test standard had no consultation rounds.",
            now=start,
        )
        for voter in voters:
            ballots.cast_vote(
                session,
                voter,
                ballot,
                choice=choice,
                reason="" if choice == "yes" else "Not ready.",
                now=start + HOUR,
            )
        ballots.close(session, ballot, utcnow())
        session.flush()
        return ballot

    return hold


@pytest.fixture
def adopted(session, ballot_on):
    """Return a function that freezes a standard's working draft and adopts it by ballot."""

    def make(standard, label: str | None = None):
        version = drafting.freeze(session, SYSTEM, standard, label=label or f"v{next(_n)}")
        ballot_on(version)
        return version

    return make


@pytest.fixture
def published(session, secretariat, adopted):
    """Return a function that adopts the working draft and publishes it."""

    def make(standard, number: str, effective: dt.date | None = None, **extra):
        version = adopted(standard, f"{number}-final")
        return publishing.publish(
            session,
            secretariat,
            version,
            number=number,
            effective_on=effective or dt.date(2020, 1, 1),
            **extra,
        )

    return make


@pytest.fixture(autouse=True)
def pdf_cache(monkeypatch, tmp_path) -> Path:
    """A PDF disk cache of each test's own: publication ids repeat between rolled-back tests,
    so a shared instance/pdf would serve one test the PDF another test printed."""
    monkeypatch.setattr(pdf, "cache_dir", lambda: tmp_path)
    return tmp_path
