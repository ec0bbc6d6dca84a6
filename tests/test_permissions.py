"""One predicate per action: the service enforces it, the view decides, templates show it."""

from __future__ import annotations

import datetime as dt

import pytest

from app.auth.models import Role
from app.auth.permissions import SYSTEM
from app.committee import ballots
from app.committee import permissions as committee
from app.consultation import permissions as consultation
from app.database import utcnow
from app.drafting import editing
from app.drafting import permissions as drafting
from app.drafting import service as drafting_service
from app.errors import PermissionDenied

A, S, C, IPAF = Role.ADMIN, Role.SECRETARIAT, Role.COMMITTEE, Role.IPAF

# predicate → the roles it admits (of admin, secretariat, committee, IPAF)
RULES = {
    drafting.can_create_standard: {S},
    drafting.can_change_standard_settings: {S},
    drafting.can_freeze: {S},
    drafting.can_import_source: {S},
    drafting.can_edit_draft: {S, C},
    drafting.can_read_working_draft: {A, S, C},
    consultation.can_open_round: {S},
    consultation.can_moderate: {A, S},
    consultation.can_file_formal_submission: {IPAF},
    consultation.can_read_every_comment: {A, S, C},
    committee.can_use_workspace: {A, S, C},
    committee.can_draft_disposition: {S, C},
    committee.can_agree_disposition: {C},
    committee.can_publish_synopsis: {S},
    committee.can_open_ballot: {S},
}


@pytest.mark.parametrize("predicate", list(RULES), ids=lambda f: f.__name__)
def test_each_predicate_admits_exactly_its_roles(make_user, predicate):
    for role in (A, S, C, IPAF):
        assert predicate(make_user(role)) is (role in RULES[predicate]), role
    assert predicate(make_user()) is False  # a signed-in public commenter
    assert predicate(None) is False


def test_only_the_secretariat_opens_a_ballot_by_form_or_service(
    client, auth, session, make_user, make_standard
):
    member = make_user(C)
    version = drafting_service.freeze(session, SYSTEM, make_standard(), label="d1")
    with pytest.raises(PermissionDenied):
        ballots.open_ballot(
            session,
            member,
            version,
            question_kind="adopt",
            question="Adopt?",
            closes_at=utcnow() + dt.timedelta(days=7),
        )
    auth.sign_in(member)
    assert client.get(f"/ballots/new?version={version.id}").status_code == 403
    dashboard = client.get("/committee").get_data(as_text=True)
    assert "/ballots/new" not in dashboard
    auth.sign_out()
    auth.sign_in(make_user(S))
    assert client.get(f"/ballots/new?version={version.id}").status_code == 200
    assert "/ballots/new" in client.get("/committee").get_data(as_text=True)


def test_admins_do_not_edit_the_draft_by_form_or_service(
    client, auth, session, make_user, make_standard
):
    admin = make_user(A)
    standard = make_standard()
    with pytest.raises(PermissionDenied):
        editing.add_clause(session, admin, standard, kind="guidance", body="Admin's words.")
    auth.sign_in(admin)
    assert client.get(f"/standards/{standard.slug}/clauses/new").status_code == 403
    # Admins still read the working draft (they support the people who edit it).
    assert client.get(f"/standards/{standard.slug}/versions/working").status_code == 200
    auth.sign_out()
    auth.sign_in(make_user(C))
    assert client.get(f"/standards/{standard.slug}/clauses/new").status_code == 200
