"""Publishing a round's synopsis: only when complete; then final, mailed and public."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.committee import dispositions, synopsis
from app.consultation import moderation
from app.consultation.names import public_submitter
from app.errors import Conflict, Gone, PermissionDenied
from app.jobs.models import Job


@pytest.fixture
def answered_round(session, make_standard, freeze, make_round, clause_of, make_comment, member):
    standard = make_standard()
    round_ = make_round(freeze(standard, "d1"), number=1)
    comments = [
        make_comment(round_, clause_of(standard, "1.1"), consent=True),
        make_comment(round_, clause_of(standard, "1.2"), consent=False),
        make_comment(round_, None),
    ]
    for comment in comments:
        dispositions.draft(session, member, comment, decision="noted", response="Thank you.")
    return round_, comments


def test_publication_waits_for_every_agreed_disposition(
    session, answered_round, member, secretariat, second_member
):
    round_, comments = answered_round
    dispositions.agree(session, second_member, comments[0])
    blockers = synopsis.publish_blockers(session, round_)
    assert blockers == ["2 of 3 comments still lack an agreed disposition."]
    with pytest.raises(Conflict):
        synopsis.publish(session, secretariat, round_)
    for comment in comments[1:]:
        dispositions.agree(session, second_member, comment)
    with pytest.raises(PermissionDenied):
        synopsis.publish(session, member, round_)
    before = session.scalar(select(func.max(Job.id))) or 0
    publication = synopsis.publish(session, secretariat, round_)
    assert publication.published_by_id == secretariat.id
    with pytest.raises(Gone):
        synopsis.publish(session, secretariat, round_)
    mails = session.scalars(select(Job).where(Job.kind == "mail", Job.id > before)).all()
    assert sorted(job.payload["to"] for job in mails) == sorted(
        c.submission.author.email for c in comments
    )
    assert all("responses" in job.payload["subject"] for job in mails)


def test_open_round_cannot_be_published(session, make_standard, freeze, make_round, secretariat):
    round_ = make_round(freeze(make_standard(), "d1"), closed=False)
    assert "The round has not closed yet." in synopsis.publish_blockers(session, round_)
    with pytest.raises(Conflict):
        synopsis.publish(session, secretariat, round_)


def test_public_synopsis_groups_by_clause_and_counts(
    session, answered_round, member, secretariat, second_member
):
    round_, comments = answered_round
    for comment in comments:
        dispositions.agree(session, second_member, comment)
    moderation.moderate(session, secretariat, comments[2], hidden=True, reason="Abusive")
    synopsis.publish(session, secretariat, round_)
    public = synopsis.build(session, round_, public=True)
    assert public.published
    assert [g.uid for g in public.groups] == [comments[0].clause.uid, comments[1].clause.uid]
    assert public.by_decision == {"noted": 2}
    assert sum(public.by_group.values()) == 2
    names = [public_submitter(row.submission) for row in public.entries]
    assert names[0] and names[1] is None  # the name only with consent
    committee_view = synopsis.build(session, round_, public=False)
    assert len(committee_view.entries) == 3


def test_submitters_see_responses_only_once_published(
    session, answered_round, member, secretariat, second_member
):
    round_, comments = answered_round
    author = comments[0].submission.author
    for comment in comments:
        dispositions.agree(session, second_member, comment)
    assert synopsis.responses_for_author(session, author) == {}
    synopsis.publish(session, secretariat, round_)
    found = synopsis.responses_for_author(session, author)
    assert list(found) == [comments[0].id] and found[comments[0].id].agreed
    assert synopsis.responses_for_author(session, None) == {}


def test_my_submissions_page_shows_published_responses(
    session, client, auth, answered_round, member, secretariat, second_member
):
    round_, comments = answered_round
    author = comments[0].submission.author
    for comment in comments:
        dispositions.agree(session, second_member, comment)
    session.flush()
    auth.sign_in(author)
    assert "Thank you." not in client.get("/my/submissions").get_data(as_text=True)
    synopsis.publish(session, secretariat, round_)
    session.flush()
    page = client.get("/my/submissions").get_data(as_text=True)
    assert f'id="response-{comments[0].id}"' in page and "Thank you." in page
    assert f'id="response-{comments[1].id}"' not in page  # someone else's comment


def test_home_page_links_published_synopses(
    session, client, answered_round, member, secretariat, second_member
):
    round_, comments = answered_round
    for comment in comments:
        dispositions.agree(session, second_member, comment)
    link = f'href="/consultations/{round_.id}/synopsis"'
    session.flush()
    assert link not in client.get("/").get_data(as_text=True)
    synopsis.publish(session, secretariat, round_)
    session.flush()
    assert link in client.get("/").get_data(as_text=True)
