"""One rule names a submitter in public: the record, the synopsis and both APIs agree."""

from __future__ import annotations

import datetime as dt

import pytest

from app.auth.models import Role
from app.committee import dispositions, synopsis
from app.consultation.names import author_line, public_submitter
from app.database import utcnow

DAY = dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("kind", "consent", "organisation", "shown"),
    [
        ("individual", False, "", None),
        ("individual", True, "", "Cora Commenter"),
        # An individual speaks for themselves: the employer on their account stays private.
        ("individual", True, "Acme Smelting", "Cora Commenter"),
        ("organisation", False, "Rivers Watch", None),
        ("organisation", True, "Rivers Watch", "Cora Commenter on behalf of Rivers Watch"),
    ],
)
def test_the_rule(file_comment, make_round, commenter, kind, consent, organisation, shown):
    comment = file_comment(
        commenter, make_round(), consent=consent, kind=kind, organisation=organisation
    )
    submission = comment.submission
    assert public_submitter(submission) == shown
    expected_line = f"{shown} (Civil society)" if shown else "Civil society"
    assert author_line(submission) == expected_line


def test_the_forum_is_always_named(file_comment, make_round, ipaf_member, uid_of):
    round_ = make_round()
    for consent, shown in ((False, "Indigenous Peoples Advisory Forum"), (True, "filed by Ina")):
        comment = file_comment(
            ipaf_member,
            round_,
            clause_uid=uid_of(round_, "1.1"),
            kind="formal",
            cover="Cover.",
            consent=consent,
        )
        assert shown in public_submitter(comment.submission)


def test_record_synopsis_and_apis_name_an_individual_alike(
    client, session, make_round, file_comment, make_user, secretariat
):
    commenter = make_user(name="Ivo Individual", organisation="Acme Smelting")
    opens_at = utcnow() - 10 * DAY
    round_ = make_round(opens_at=opens_at, days=5)
    comment = file_comment(commenter, round_, consent=True, now=opens_at + DAY)
    drafter, agreer = make_user(Role.COMMITTEE), make_user(Role.COMMITTEE)
    dispositions.draft(session, drafter, comment, decision="noted", response="Thank you.")
    dispositions.agree(session, agreer, comment)
    synopsis.publish(session, secretariat, round_)
    pages = [
        client.get(f"/consultations/{round_.id}/comments").get_data(as_text=True),
        client.get(f"/consultations/{round_.id}/synopsis").get_data(as_text=True),
    ]
    for page in pages:
        assert "Ivo Individual" in page and "Acme Smelting" not in page
    annotations = client.get(f"/api/v1/rounds/{round_.id}/comments").get_json()
    assert "Acme" not in str(annotations) and "Ivo Individual" in str(annotations)
    entries = client.get(f"/api/v1/rounds/{round_.id}/synopsis").get_json()
    assert "Ivo Individual" in str(entries) and "Acme" not in str(entries)
