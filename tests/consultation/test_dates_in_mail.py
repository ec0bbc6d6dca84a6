"""Dates in the round's mails and messages: one format per locale, the reader's zone, no seconds."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from app.auth.permissions import SYSTEM
from app.consultation import service
from app.consultation.schedule import _notify
from app.errors import ValidationError
from app.jobs.models import Job

ISO = re.compile(r"\d{4}-\d{2}-\d{2}T?\s?\d{2}:\d{2}")
SECONDS = re.compile(r"\d:\d{2}:\d{2}")


def _notices(session) -> dict[str, dict]:
    for job in session.scalars(select(Job).where(Job.kind == "round.change-notice")).all():
        _notify(session, job.payload)
    mails = session.scalars(select(Job).where(Job.kind == "mail").order_by(Job.id)).all()
    return {m.payload["to"]: m.payload for m in mails if "round.change" not in m.payload["to"]}


def test_an_extension_is_told_in_each_commenters_language_and_zone(
    session, make_round, make_user, file_comment
):
    round_ = make_round(days=60)
    paris = make_user(name="Paule")
    paris.language, paris.timezone = "fr", "Europe/Paris"
    lima = make_user(name="Lucho")
    lima.language, lima.timezone = "es", "America/Lima"
    plain = make_user(name="Pat")
    for person in (paris, lima, plain):
        file_comment(person, round_)
    new_close = round_.closes_at.replace(hour=12, minute=0, second=37, microsecond=0)
    new_close += dt.timedelta(days=14)
    service.extend_round(session, SYSTEM, round_, new_close, "Le Forum a demandé du temps.")
    mails = _notices(session)

    fr, es, en = mails[paris.email], mails[lima.email], mails[plain.email]
    assert "est prolongé" in fr["subject"]
    assert re.search(r"1[34]:00 Europe/Paris", fr["body"])
    assert "Motif : Le Forum a demandé du temps." in fr["body"]
    assert "se ha prorrogado" in es["subject"]
    assert re.search(r"\b7:00 America/Lima", es["body"])
    assert re.search(r"12:00\sPM UTC", en["body"]) and "is extended" in en["subject"]
    for mail in (fr, es, en):
        assert not ISO.search(mail["body"]), mail["body"]
        assert not SECONDS.search(mail["body"]), mail["body"]
        assert "(UTC)" not in mail["body"]


def test_an_overlapping_round_names_the_other_closing_time_readably(session, make_round):
    first = make_round(days=30)
    with pytest.raises(ValidationError) as refused:
        service.check_calendar(session, first.version, first.opens_at, first.closes_at, None)
    message = refused.value.message
    assert "runs until" in message
    assert not ISO.search(message) and " UTC" in message
