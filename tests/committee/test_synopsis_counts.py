"""A published synopsis counts from what was kept at publication, less what was hidden since."""

from __future__ import annotations

import pytest

from app.committee import dispositions, listing, synopsis
from app.committee.models import SynopsisPublication
from app.consultation import moderation


@pytest.fixture
def published(session, make_standard, freeze, make_round, clause_of, make_comment, member):
    """A closed round of five comments from three groups, every one agreed, then published."""

    def publish(second_member, secretariat, *, keep_counts: bool = True):
        standard = make_standard()
        round_ = make_round(freeze(standard, "d1"), number=1)
        comments = [
            make_comment(round_, clause_of(standard, "1.1"), group="civil-society"),
            make_comment(round_, clause_of(standard, "1.2"), group="civil-society"),
            make_comment(round_, clause_of(standard, "1.2"), group="government"),
            make_comment(round_, None, group="academic"),
            make_comment(round_, None, group="individual"),
        ]
        for comment, decision in zip(
            comments, ["accepted", "noted", "noted", "rejected", "noted"], strict=True
        ):
            dispositions.draft(session, member, comment, decision=decision, response="Thanks.")
            dispositions.agree(session, second_member, comment)
        moderation.moderate(session, secretariat, comments[1], hidden=True, reason="Abusive")
        if keep_counts:
            synopsis.publish(session, secretariat, round_)
        else:  # as published before the counts were kept
            session.add(SynopsisPublication(round_id=round_.id, published_by_id=secretariat.id))
            session.flush()
        return round_, comments

    return publish


def live(session, round_, public=True):
    return (
        listing.decision_counts(session, round_, public=public),
        listing.group_counts(session, round_, public=public),
    )


def test_counts_are_kept_at_publication(session, published, second_member, secretariat):
    round_, _comments = published(second_member, secretariat)
    publication = synopsis.synopsis_publication(session, round_)
    assert publication.counts == {
        "decision": {"accepted": 1, "noted": 3, "rejected": 1},
        "group": {"civil-society": 2, "government": 1, "academic": 1, "individual": 1},
    }
    public = synopsis.build(session, round_, public=True)
    # The comment hidden before publication is left out of the public counts.
    assert public.by_decision == {"accepted": 1, "noted": 2, "rejected": 1}
    assert public.by_group == {"civil-society": 1, "government": 1, "academic": 1, "individual": 1}
    assert (public.by_decision, public.by_group) == live(session, round_)
    committee = synopsis.build(session, round_, public=False)
    assert (committee.by_decision, committee.by_group) == live(session, round_, public=False)


def test_moderation_after_publication_moves_the_public_counts(
    session, published, second_member, secretariat
):
    round_, comments = published(second_member, secretariat)
    moderation.moderate(session, secretariat, comments[1], hidden=False, reason="Reviewed")
    moderation.moderate(session, secretariat, comments[3], hidden=True, reason="Spam")
    moderation.moderate(session, secretariat, comments[4], hidden=True, reason="Spam")
    public = synopsis.build(session, round_, public=True)
    assert public.by_decision == {"accepted": 1, "noted": 2}  # "rejected" all hidden
    assert public.by_group == {"civil-society": 2, "government": 1}  # none left: not listed
    assert (public.by_decision, public.by_group) == live(session, round_)


def test_a_publication_without_kept_counts_is_counted(
    session, published, second_member, secretariat
):
    round_, _comments = published(second_member, secretariat, keep_counts=False)
    assert synopsis.synopsis_publication(session, round_).counts is None
    public = synopsis.build(session, round_, public=True)
    assert public.by_decision == {"accepted": 1, "noted": 2, "rejected": 1}
    assert (public.by_decision, public.by_group) == live(session, round_)


def test_the_published_page_shows_the_counts(
    session, client, published, second_member, secretariat
):
    round_, _comments = published(second_member, secretariat)
    session.flush()
    page = client.get(f"/consultations/{round_.id}/synopsis").get_data(as_text=True)
    assert '<td data-decision="noted">2</td>' in page
    assert '<td data-decision="accepted">1</td>' in page
    assert "lack an agreed disposition" not in page
