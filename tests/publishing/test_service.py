"""The publishing rules: adoption by ballot, who publishes, supersession, corrections."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, select, update

from app.audit.models import AuditEvent
from app.auth.permissions import SYSTEM
from app.committee import ballots
from app.database import utcnow
from app.drafting import service as drafting
from app.drafting.models import VersionState
from app.errors import Conflict, PermissionDenied, RecordFrozen, ValidationError
from app.publishing import service as publishing
from app.publishing.models import Publication

DAY = dt.timedelta(days=1)


def test_carried_adoption_ballot_adopts_the_version(session, make_standard, ballot_on):
    standard = make_standard()
    carried = drafting.freeze(session, SYSTEM, standard, label="d1")
    failed = drafting.freeze(session, SYSTEM, standard, label="d2")
    other = drafting.freeze(session, SYSTEM, standard, label="d3")
    ballot_on(carried)
    ballot_on(failed, choice="no")
    ballot_on(other, question_kind="another-round")
    assert carried.state == VersionState.ADOPTED
    assert failed.state == VersionState.FROZEN
    assert other.state == VersionState.FROZEN


def test_publish_an_adopted_version(session, secretariat, make_standard, adopted):
    version = adopted(make_standard(), "3.0-final")
    publication = publishing.publish(
        session,
        secretariat,
        version,
        number="3.0",
        effective_on=dt.date(2027, 3, 1),
        notes="Adds **due diligence** on recycled metal.",
    )
    assert version.state == VersionState.PUBLISHED
    assert publication.notes_html.strip() == (
        "<p>Adds <strong>due diligence</strong> on recycled metal.</p>"
    )
    assert publication.justification == "The test standard had no consultation rounds."
    assert publication.published_by_id == secretariat.id
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "publication.publish"))
    assert event.object_id == str(publication.id) and event.details["number"] == "3.0"


def test_publishing_without_a_carried_adoption_ballot_is_refused(
    session, secretariat, make_standard, ballot_on
):
    standard = make_standard()
    frozen = drafting.freeze(session, SYSTEM, standard, label="d1")
    with pytest.raises(Conflict, match="no adoption ballot on it has carried") as refused:
        publishing.publish(session, secretariat, frozen, number="1.0", effective_on=dt.date.today())
    assert refused.value.status_code == 409
    ballot_on(frozen, choice="no")
    with pytest.raises(Conflict):
        publishing.publish(session, secretariat, frozen, number="1.0", effective_on=dt.date.today())
    assert publishing.list_publications(session, standard) == []


def test_only_the_secretariat_publishes(session, make_standard, adopted, member, make_user):
    version = adopted(make_standard())
    for actor in (member, make_user(), None):
        with pytest.raises(PermissionDenied):
            publishing.publish(session, actor, version, number="1.0", effective_on=dt.date.today())
    assert not publishing.can_publish(member) and publishing.can_publish(SYSTEM)


@pytest.mark.parametrize("number", ["", "three", "3.", "3.0-rc", "1.2.3.4.5", "../3"])
def test_edition_numbers_are_checked(session, secretariat, make_standard, adopted, number):
    version = adopted(make_standard())
    with pytest.raises(ValidationError) as refused:
        publishing.publish(
            session, secretariat, version, number=number, effective_on=dt.date.today()
        )
    assert refused.value.field == "number"


def test_a_publication_never_changes(session, make_standard, published):
    publication = published(make_standard(), "1.0")
    publication.number = "1.1"
    with pytest.raises(Conflict):
        session.flush()
    session.rollback()


def test_the_database_refuses_changes_to_a_publication(session, make_standard, published):
    publication = published(make_standard(), "1.0")
    rows = Publication.id == publication.id
    for statement in (
        update(Publication).where(rows).values(number="9.9"),
        delete(Publication).where(rows),
    ):
        with pytest.raises(RecordFrozen), session.begin_nested():
            session.execute(statement)
    session.expire_all()
    assert session.get(Publication, publication.id).number == "1.0"


def test_newer_publication_supersedes_once_in_effect(session, make_standard, published):
    standard = make_standard()
    first = published(standard, "1.0", dt.date(2020, 1, 1))
    today = dt.date(2026, 6, 1)
    second = published(standard, "2.0", dt.date(2026, 9, 1))
    publications = publishing.list_publications(session, standard)
    assert publications == [second, first]
    assert publishing.in_force(publications, today) == first
    assert publishing.standing(second, publications, today).state == publishing.UPCOMING
    assert publishing.standing(first, publications, today).state == publishing.IN_FORCE
    later = dt.date(2026, 9, 1)
    assert publishing.standing(first, publications, later).state == publishing.SUPERSEDED
    assert publishing.standing(second, publications, later).state == publishing.IN_FORCE
    assert publishing.in_force_by_standard(session, later)[standard.id] == second
    assert publishing.in_force_by_standard(session, today)[standard.id] == first


def test_a_correction_names_what_it_corrects(session, secretariat, make_standard, published):
    standard = make_standard()
    original = published(standard, "3.0")
    version = original.version
    with pytest.raises(Conflict, match="already published"):
        publishing.publish(
            session, secretariat, version, number="3.1", effective_on=dt.date.today()
        )
    with pytest.raises(ValidationError, match="already has a publication"):
        publishing.publish(
            session,
            secretariat,
            version,
            number="3.0",
            effective_on=dt.date.today(),
            corrects=original,
        )
    correction = publishing.publish(
        session,
        secretariat,
        version,
        number="3.0.1",
        effective_on=dt.date(2020, 1, 1),
        notes="Corrects the effective date.",
        corrects=original,
    )
    assert correction.corrects_id == original.id and correction.ballot_id == original.ballot_id
    publications = publishing.list_publications(session, standard)
    standing = publishing.standing(original, publications)
    assert standing.corrected_by == correction and standing.state == publishing.SUPERSEDED


def test_adoption_ballot_waits_for_open_and_scheduled_rounds(
    session, secretariat, voters, make_standard, make_round
):
    standard = make_standard()
    version = drafting.freeze(session, SYSTEM, standard, label="d1")
    now = utcnow()
    scheduled = make_round(version, number=1, opens_at=now + DAY, days=60)
    args = {"question": "Adopt?", "closes_at": now + 7 * DAY, "justification": "Why not."}
    with pytest.raises(Conflict, match="round 1") as refused:
        ballots.open_ballot(session, secretariat, version, question_kind="adopt", **args)
    assert refused.value.status_code == 409
    # Other questions may be put while the public comments.
    ballots.open_ballot(session, secretariat, version, question_kind="another-round", **args)
    later = scheduled.closes_at + DAY
    args["closes_at"] = later + 7 * DAY
    ballot = ballots.open_ballot(
        session, secretariat, version, question_kind="adopt", now=later, **args
    )
    assert ballot.justification == "Why not."


def test_justification_required_only_when_iseal_falls_short(
    session, secretariat, voters, make_standard, make_round
):
    standard = make_standard()
    version = drafting.freeze(session, SYSTEM, standard, label="d1")
    args = {"question": "Adopt?", "closes_at": utcnow() + 7 * DAY}
    make_round(version, number=1, days=60)
    with pytest.raises(ValidationError, match="ISEAL") as refused:
        ballots.open_ballot(session, secretariat, version, question_kind="adopt", **args)
    assert refused.value.field == "justification"
    make_round(version, number=2, days=60, opens_at=utcnow() - 61 * DAY)
    ballot = ballots.open_ballot(session, secretariat, version, question_kind="adopt", **args)
    assert ballot.justification == ""
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "ballot.open").order_by(AuditEvent.id.desc())
    )
    assert event.details["iseal_flags"] == [] and event.details["justification"] == ""
