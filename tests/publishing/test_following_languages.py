"""Followers hear of a new round in their own language, with readable dates (issue 11 item 3)."""

from __future__ import annotations

import re

from app.publishing import following
from tests.publishing.test_following import _last_job, _run_announcements


def test_each_follower_reads_the_news_in_their_language_without_iso_dates(
    session, make_standard, make_user, freeze, make_round
):
    standard = make_standard(title="Followed Standard")
    french = make_user(email="fr-fan@example.org")
    french.language = "fr"
    english = make_user(email="en-fan@example.org")
    for fan in (french, english):
        following.follow(session, fan, standard)
    before = _last_job(session)
    make_round(freeze(standard, "d1"), closed=False, title="Open round")
    mails = {m.payload["to"]: m.payload for m in _run_announcements(session, before)}

    fr, en = mails["fr-fan@example.org"], mails["en-fan@example.org"]
    assert fr["body"].startswith("Bonjour") and "est ouvert aux commentaires du" in fr["body"]
    assert "is open for comments from" in en["body"]
    for mail in (fr, en):
        assert not re.search(r"\d{4}-\d{2}-\d{2}", mail["body"]), mail["body"]
        assert not re.search(r"\d:\d{2}:\d{2}", mail["body"])
        assert " UTC" in mail["body"]
