"""Rounds (validation, ISEAL flags, round files) and the public record (visibility, moderation)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app.audit.models import AuditEvent
from app.auth.permissions import SYSTEM
from app.consultation import iseal, moderation, public_record, rounds_file, service
from app.database import utcnow
from app.drafting import service as drafting
from app.errors import PermissionDenied, ValidationError

ROOT = Path(__file__).resolve().parents[2]


def _fields(session, standard, label, **values):
    now = utcnow()
    args = {
        "standard_slug": standard.slug,
        "version_label": label,
        "title": "Round",
        "opens_at": now,
        "closes_at": now + dt.timedelta(days=90),
    }
    args.update(values)
    return service.clean_round(session, **args)


@pytest.fixture
def frozen(session, make_standard):
    standard = make_standard()
    drafting.freeze(session, SYSTEM, standard, label="v1")
    return standard


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"closes_at": utcnow() - dt.timedelta(days=1)}, "closes_at"),
        ({"opens_at": dt.datetime(2030, 1, 1)}, "opens_at"),  # naive: no time zone
        ({"title": "  "}, "title"),
        ({"title": "t" * 201}, "title"),
        ({"version_label": "v9"}, "version"),
        ({"visibility": "never"}, "visibility"),
        ({"number": 0}, "number"),
    ],
)
def test_round_definitions_are_checked(session, frozen, values, field):
    with pytest.raises(ValidationError) as error:
        _fields(session, frozen, "v1", **values)
    assert error.value.field == field


def test_rounds_are_numbered_and_opened_by_the_secretariat_only(session, frozen, commenter):
    with pytest.raises(PermissionDenied):
        service.create_round(session, commenter, _fields(session, frozen, "v1"))
    first = service.create_round(session, SYSTEM, _fields(session, frozen, "v1"))
    later = first.closes_at + dt.timedelta(days=7)
    window = {"opens_at": later, "closes_at": later + dt.timedelta(days=60)}
    second = service.create_round(session, SYSTEM, _fields(session, frozen, "v1", **window))
    assert (first.number, second.number) == (1, 2)
    after = {"opens_at": second.closes_at, "closes_at": second.closes_at + dt.timedelta(days=60)}
    with pytest.raises(ValidationError) as error:
        _fields(session, frozen, "v1", number=2, **after)
    assert "already has a round 2" in error.value.message
    assert service.rounds_for_standard(session, frozen) == [first, second]
    assert set(service.list_rounds(session, standard=frozen)) == {first, second}
    event = (
        session.query(AuditEvent)
        .filter_by(action="round.create")
        .order_by(AuditEvent.id.desc())
        .first()
    )
    assert event.object_id == str(second.id)


def test_rounds_of_a_standard_never_overlap_and_are_numbered_by_date(session, frozen):
    first = service.create_round(session, SYSTEM, _fields(session, frozen, "v1"))
    overlapping = {"opens_at": first.closes_at - dt.timedelta(days=1)}
    overlapping["closes_at"] = overlapping["opens_at"] + dt.timedelta(days=60)
    with pytest.raises(ValidationError, match="overlaps round 1") as error:
        _fields(session, frozen, "v1", **overlapping)
    assert error.value.field == "opens_at"
    earlier = {"opens_at": first.opens_at - dt.timedelta(days=100)}
    earlier["closes_at"] = earlier["opens_at"] + dt.timedelta(days=60)
    with pytest.raises(ValidationError, match="fits the date order"):
        _fields(session, frozen, "v1", **earlier)
    with pytest.raises(ValidationError, match="numbered in date order: round 1 opens after"):
        _fields(session, frozen, "v1", number=5, **earlier)
    # A round held before the standard came here keeps its number, if it fits the dates.
    later = {"opens_at": first.closes_at, "closes_at": first.closes_at + dt.timedelta(days=60)}
    assert _fields(session, frozen, "v1", number=3, **later).number == 3


def test_short_first_round_is_flagged_but_allowed(session, make_round, make_standard):
    standard = make_standard()
    short = make_round(standard, days=30, opened=dt.timedelta(days=40))
    flags = [iseal.flag_message(f) for f in iseal.round_flags(session, short)]
    assert len(flags) == 2
    assert "open for 30 days, shorter than the 60 days" in flags[0]
    assert "held 1 public consultation round so far" in flags[1]
    long_second = make_round(standard, days=61)  # opens as the short one closes
    assert long_second.opens_at == short.closes_at
    assert iseal.round_flags(session, long_second) == []
    assert [f["code"] for f in iseal.round_flags(session, short)] == [iseal.SHORT_ROUND]


def test_an_hour_long_round_says_so(session, make_round):
    round_ = make_round(days=1 / 24, opened=dt.timedelta(minutes=10))
    flags = [iseal.flag_message(f) for f in iseal.round_flags(session, round_)]
    assert "open for 1 hour, shorter than the 60 days" in flags[0]
    assert str(service.time_left(round_)) == "50 minutes"


def test_round_file_is_loaded_through_the_same_checks(session, frozen, tmp_path):
    path = tmp_path / "round.toml"
    path.write_text(
        f'standard = "{frozen.slug}"\nversion = "v1"\ntitle = "From a file"\n'
        "opens_at = 2030-01-01T09:00:00+01:00\ncloses_at = 2030-01-31T09:00:00Z\n"
        'visibility = "after-close"\n',
        encoding="utf-8",
    )
    round_ = rounds_file.load(session, SYSTEM, path)
    assert round_.opens_at == dt.datetime(2030, 1, 1, 8, 0, tzinfo=dt.UTC)
    assert round_.visibility == "after-close"
    flags = iseal.round_flags(session, round_, round_.opens_at)
    assert any(round(f.get("days", 0)) == 30 for f in flags)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('standard = "x"', "missing closes_at, opens_at, title, version"),
        (
            'standard = "x"\nversion = "v"\ntitle = "t"\nopens_at = 2030-01-01T00:00:00\n'
            "closes_at = 2030-03-01T00:00:00Z",
            "opens_at has no time zone",
        ),
        (
            'standard = "x"\nversion = "v"\ntitle = "t"\nopens_at = 2030-01-01T00:00:00Z\n'
            'closes_at = 2030-03-01T00:00:00Z\ncolour = "red"',
            "unknown keys colour",
        ),
        ("standard = ", "not valid TOML"),
    ],
)
def test_broken_round_files_say_what_is_wrong(text, message):
    with pytest.raises(rounds_file.RoundFileError) as error:
        rounds_file.parse(text, "broken.toml")
    assert message in str(error.value)
    assert str(error.value).startswith("broken.toml: ")


def test_shipped_round_file_parses():
    values = rounds_file.parse(
        (ROOT / "consultations" / "responsible-aluminium-round-2.toml").read_text("utf-8")
    )
    assert values["standard_slug"] == "responsible-aluminium"
    assert (values["closes_at"] - values["opens_at"]).days >= 60


def test_cli_loads_a_round_file_and_reports_errors(runner, session, frozen, tmp_path):
    session.commit()  # make the standard visible to the command's own session
    path = tmp_path / "round.toml"
    path.write_text(
        f'standard = "{frozen.slug}"\nversion = "v1"\ntitle = "By CLI"\nnumber = 4\n'
        "opens_at = 2030-01-01T00:00:00Z\ncloses_at = 2030-01-11T00:00:00Z\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["rounds", "load", str(path)])
    assert result.exit_code == 0, result.output
    assert "Round 4" in result.output and "ISEAL flag" in result.output
    again = runner.invoke(args=["rounds", "load", str(path)])
    assert again.exit_code != 0
    assert "opens_at: " in again.output and "overlaps round 4" in again.output


def test_live_comments_are_public_and_after_close_ones_wait(
    session, make_round, commenter, file_comment, member
):
    live = make_round()
    file_comment(commenter, live)
    service.add_comment(session, commenter, live, body="Still a draft.")
    assert [e.comment.body for e in public_record.record_comments(session, None, live)[0]] == [
        "Please reconsider this."
    ]
    later = make_round(visibility="after-close")
    file_comment(commenter, later)
    assert public_record.record_comments(session, None, later) == ([], 0)
    assert public_record.record_comments(session, member, later)[1] == 1
    after = later.closes_at + dt.timedelta(seconds=1)
    assert public_record.record_comments(session, None, later, now=after)[1] == 1


def test_record_filters_by_type_group_and_clause(
    session, make_round, make_user, file_comment, uid_of
):
    round_ = make_round()
    industry = make_user(stakeholder_group="industry-upstream")
    ngo = make_user(stakeholder_group="civil-society")
    uid = uid_of(round_, "1.1")
    file_comment(industry, round_, clause_uid=uid, comment_type="technical", body="Tech.")
    file_comment(ngo, round_, comment_type="editorial", body="Edit.")
    file_comment(ngo, round_, clause_uid=uid, comment_type="general", body="Gen.")

    def bodies(**filters):
        entries, _ = public_record.record_comments(
            session, None, round_, public_record.CommentFilters(**filters)
        )
        return sorted(e.comment.body for e in entries)

    assert bodies(comment_type="technical") == ["Tech."]
    assert bodies(stakeholder_group="civil-society") == ["Edit.", "Gen."]
    assert bodies(clause_uid=uid) == ["Gen.", "Tech."]
    assert bodies(clause_uid="-") == ["Edit."]
    counts = public_record.public_comment_counts(session, round_)
    assert sum(counts.values()) == 3 and counts[None] == 1


def test_moderation_hides_with_a_reason_and_keeps_the_comment(
    session, make_round, commenter, file_comment, secretariat, member
):
    round_ = make_round()
    comment = file_comment(commenter, round_, body="Call John on 0123 456789.")
    with pytest.raises(PermissionDenied):
        moderation.moderate(session, member, comment, hidden=True, reason="x")
    with pytest.raises(ValidationError):
        moderation.moderate(session, secretariat, comment, hidden=True, reason="  ")
    moderation.moderate(session, secretariat, comment, hidden=True, reason="Personal data")
    assert public_record.record_comments(session, None, round_) == ([], 0)
    assert public_record.public_comment_counts(session, round_) == {}
    entries, _ = public_record.record_comments(session, member, round_)
    assert entries[0].hidden and entries[0].moderation.reason == "Personal data"
    with pytest.raises(ValidationError):
        moderation.moderate(session, secretariat, comment, hidden=True, reason="Again")
    moderation.moderate(
        session, secretariat, comment, hidden=False, reason="Number removed? No: shown after review"
    )
    assert public_record.record_comments(session, None, round_)[1] == 1
    actions = [
        e.action
        for e in session.query(AuditEvent).filter_by(
            object_type="comment", object_id=str(comment.id)
        )
    ]
    assert "comment.hide" in actions and "comment.show" in actions


def test_time_left_is_said_in_days_then_hours(make_round):
    round_ = make_round(days=10, opened=dt.timedelta(days=2, hours=12))
    assert str(service.time_left(round_)) == "8 days"
    assert str(service.time_left(round_, round_.closes_at - dt.timedelta(hours=30))) == "30 hours"
    assert service.time_left(round_, round_.closes_at + dt.timedelta(days=1)) is None
