"""Exports of a round's public record: columns, consent, hidden comments, withdrawn submissions."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from openpyxl import load_workbook

from app.committee import dispositions, synopsis
from app.consultation import moderation, submitting
from app.consultation.models import CommentType
from app.publishing import exports, web_annotations

DAY = dt.timedelta(days=1)
QUOTE = "shall"


@pytest.fixture
def record(
    session,
    make_standard,
    freeze,
    make_round,
    clause_of,
    make_submission,
    make_user,
    member,
    second_member,
    secretariat,
):
    """A closed round: a named comment, an unnamed one, a hidden one, a withdrawn submission."""
    standard = make_standard()
    version = freeze(standard, "d1")
    round_ = make_round(version, number=1)
    clause = clause_of(standard, "1.1")
    named = make_user(name="Ada Named", organisation="Named Org")
    anonymous = make_user(name="Bob Secret")
    hider = make_user(name="Carol Hidden")
    leaver = make_user(name="Dan Withdrawn")
    [shown] = make_submission(
        round_,
        [clause],
        author=named,
        consent=True,
        body="Named body.",
        comment_type=CommentType.EDITORIAL,
    )
    [unnamed] = make_submission(
        round_, [clause], author=anonymous, consent=False, body="Unnamed body."
    )
    [hidden] = make_submission(round_, [None], author=hider, consent=True, body="Hidden body.")
    [gone] = make_submission(round_, [clause], author=leaver, consent=True, body="Gone body.")
    submitting.withdraw(session, leaver, gone.submission, now=round_.opens_at + 2 * DAY)
    moderation.moderate(session, secretariat, hidden, hidden=True, reason="Abusive")
    for comment in (shown, unnamed, hidden):
        dispositions.draft(session, member, comment, decision="noted", response="Our answer.")
        dispositions.agree(session, second_member, comment)
    session.flush()
    return round_, {"shown": shown, "unnamed": unnamed, "hidden": hidden, "gone": gone}


def _csv(client, round_id: int) -> list[list[str]]:
    response = client.get(f"/consultations/{round_id}/comments.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def _xlsx(client, round_id: int) -> list[list[str]]:
    response = client.get(f"/consultations/{round_id}/comments.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    return [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]


def _annotations(client, round_id: int) -> dict:
    response = client.get(f"/consultations/{round_id}/annotations.jsonld")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == web_annotations.ANNOTATION_MEDIA_TYPE
    return json.loads(response.data)


def test_csv_has_the_iso_columns_then_ours(client, record):
    round_, comments = record
    header, *rows = _csv(client, round_.id)
    assert header[:7] == [
        "Commenter / organisation",
        "Clause",
        "Paragraph / passage",
        "Type of comment",
        "Comment",
        "Proposed change",
        "Observations of the committee",
    ]
    assert header[7:] == [
        "Decision",
        "Stakeholder group",
        "Receipt reference",
        "Anchor state against the newest draft",
    ]
    first = rows[0]
    assert first[0] == "Ada Named"
    assert first[1].startswith("1.1")
    assert first[3] == "ed" and first[4] == "Named body."
    assert first[9] == f"{comments['shown'].submission.receipt}/1"
    assert first[10] == "anchored"


@pytest.mark.parametrize("fetch", [_csv, _xlsx])
def test_spreadsheets_respect_consent_hiding_and_withdrawal(client, record, fetch):
    round_, _comments = record
    _header, *rows = fetch(client, round_.id)
    text = json.dumps(rows)
    assert [row[4] for row in rows] == ["Named body.", "Unnamed body."]
    assert "Bob Secret" not in text and rows[1][0] == "Name withheld"  # consent
    assert "Hidden body." not in text and "Carol Hidden" not in text  # hidden
    assert "Gone body." not in text and "Dan Withdrawn" not in text  # withdrawn


def test_annotations_respect_consent_hiding_and_withdrawal(client, record):
    round_, comments = record
    collection = _annotations(client, round_.id)
    assert collection["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert collection["type"] == "AnnotationCollection" and collection["total"] == 2
    items = collection["first"]["items"]
    assert collection["first"]["type"] == "AnnotationPage"
    assert [item["body"][0]["value"] for item in items] == ["Named body.", "Unnamed body."]
    assert items[0]["creator"]["name"] == "Ada Named"
    text = json.dumps(collection)
    assert "Bob Secret" not in text  # consent
    assert "Hidden body." not in text and "Carol Hidden" not in text  # hidden
    assert "Gone body." not in text and "Dan Withdrawn" not in text  # withdrawn
    assert items[0]["target"]["source"].endswith(f"#clause-{comments['shown'].clause.uid}")


def test_annotation_targets_carry_quote_and_position(
    session, client, make_standard, freeze, make_round, clause_of, make_comment
):
    standard = make_standard()
    round_ = make_round(freeze(standard, "d1"), number=1)
    comment = make_comment(round_, clause_of(standard, "1.1"), quote=QUOTE)
    [item] = _annotations(client, round_.id)["first"]["items"]
    quote, position = item["target"]["selector"]
    assert quote == {
        "type": "TextQuoteSelector",
        "exact": QUOTE,
        "prefix": comment.anchor_prefix,
        "suffix": comment.anchor_suffix,
    }
    assert position == {
        "type": "TextPositionSelector",
        "start": comment.anchor_start,
        "end": comment.anchor_end,
    }


def test_responses_appear_only_once_the_synopsis_is_published(session, client, record, secretariat):
    round_, _comments = record
    _header, *rows = _csv(client, round_.id)
    assert {row[6] for row in rows} == {""} and {row[7] for row in rows} == {""}
    synopsis.publish(session, secretariat, round_)
    _header, *rows = _csv(client, round_.id)
    assert {row[6] for row in rows} == {"Our answer."} and {row[7] for row in rows} == {"noted"}


def test_exports_of_a_round_not_yet_public_are_refused(
    client, make_standard, freeze, make_round, clause_of, make_comment
):
    standard = make_standard()
    round_ = make_round(freeze(standard, "d1"), closed=False)
    make_comment(round_, clause_of(standard, "1.1"))
    for suffix in ("comments.csv", "comments.xlsx", "annotations.jsonld"):
        assert client.get(f"/consultations/{round_.id}/{suffix}").status_code == 404
    assert client.get("/consultations/999999/comments.csv").status_code == 404


def test_rows_are_read_in_batches(session, record):
    round_, _comments = record
    found = list(exports.rows(session, round_, batch=1))
    assert [row.comment for row in found] == ["Named body.", "Unnamed body."]


def test_cli_archives_a_closed_round_and_refuses_an_open_one(
    runner, session, record, make_standard, freeze, make_round, secretariat, tmp_path
):
    round_, _comments = record
    synopsis.publish(session, secretariat, round_)
    still_open = make_round(freeze(make_standard(), "d1"), closed=False)
    session.commit()  # let the command's own session see them
    refused = runner.invoke(args=["rounds", "archive", str(still_open.id), "--into", tmp_path])
    assert refused.exit_code != 0 and "Only a closed round can be archived" in refused.output
    missing = runner.invoke(args=["rounds", "archive", "999999", "--into", tmp_path])
    assert missing.exit_code != 0 and "no such consultation round" in missing.output
    result = runner.invoke(
        args=[
            "rounds",
            "archive",
            str(round_.id),
            "--into",
            tmp_path,
            "--base-url",
            "https://x.org",
        ]
    )
    assert result.exit_code == 0, result.output
    folder = tmp_path / f"{round_.standard.slug}-round-1"
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["annotations.jsonld", "comments.csv", "comments.xlsx", "synopsis.md"]
    table = list(csv.reader(io.StringIO((folder / "comments.csv").read_text(encoding="utf-8"))))
    assert [row[4] for row in table[1:]] == ["Named body.", "Unnamed body."]
    collection = json.loads((folder / "annotations.jsonld").read_text(encoding="utf-8"))
    assert collection["id"].endswith(f"/consultations/{round_.id}/annotations.jsonld")
    synopsis_md = (folder / "synopsis.md").read_text(encoding="utf-8")
    assert "Named body." in synopsis_md and "Our answer." in synopsis_md
    assert "- noted: 2" in synopsis_md
    for secret in ("Bob Secret", "Hidden body.", "Carol Hidden", "Gone body.", "Dan Withdrawn"):
        assert secret not in synopsis_md


def test_round_and_synopsis_pages_link_the_exports(session, client, record, secretariat):
    round_, _comments = record
    synopsis.publish(session, secretariat, round_)
    for page in (f"/consultations/{round_.id}", f"/consultations/{round_.id}/synopsis"):
        html = client.get(page).get_data(as_text=True)
        for suffix in ("comments.csv", "comments.xlsx", "annotations.jsonld"):
            assert f'href="/consultations/{round_.id}/{suffix}"' in html, (page, suffix)


def test_round_page_offers_no_exports_before_comments_are_public(
    client, make_standard, freeze, make_round
):
    round_ = make_round(freeze(make_standard(), "d1"), closed=False)
    html = client.get(f"/consultations/{round_.id}").get_data(as_text=True)
    assert "comments.csv" not in html


def test_api_pages_the_export_rows_by_comment_id(client, record):
    round_, comments = record
    first = client.get(f"/api/v1/rounds/{round_.id}/export?limit=1").get_json()
    assert first["total"] == 2 and first["columns"][0] == "Commenter / organisation"
    [row] = first["rows"]
    assert row["commenter"] == "Ada Named" and row["comment_type"] == "ed"
    assert first["downloads"]["csv"].endswith(f"/consultations/{round_.id}/comments.csv")
    second = client.get(first["next"]).get_json()
    assert [r["commenter"] for r in second["rows"]] == ["Name withheld"]
    assert second["next"] is None
    text = json.dumps([first, second])
    for secret in ("Bob Secret", "Hidden body.", "Gone body."):
        assert secret not in text
    assert client.get(f"/api/v1/rounds/{round_.id}/export?limit=x").status_code == 400
    assert client.get(f"/api/v1/rounds/{round_.id}/export?limit=5000").status_code == 400


def test_openapi_document_describes_the_export(client):
    from openapi_spec_validator import validate

    doc = client.get("/api/v1/openapi.json").get_json()
    validate(doc)
    assert "/rounds/{round_id}/export" in doc["paths"]
    assert "ExportRow" in doc["components"]["schemas"]


@pytest.mark.parametrize("fetch", [_csv, _xlsx])
def test_spreadsheets_never_read_a_comment_as_a_formula(
    client, make_standard, freeze, make_round, clause_of, make_comment, fetch
):
    standard = make_standard()
    round_ = make_round(freeze(standard, "d1"), number=1)
    make_comment(round_, clause_of(standard, "1.1"), body='=HYPERLINK("http://evil.example")')
    _header, row = fetch(client, round_.id)
    assert row[4] == '\'=HYPERLINK("http://evil.example")'


def _answer_all(session, comments, member, second_member):
    """Answer each comment, then revise every third answer: the latest one must show."""
    for n, comment in enumerate(comments):
        dispositions.draft(session, member, comment, decision="noted", response=f"First {n:02d}.")
        dispositions.agree(session, second_member, comment)
        if n % 3 == 0:
            dispositions.draft(
                session, member, comment, decision="accepted", response=f"Then {n:02d}."
            )
            dispositions.agree(session, second_member, comment)
    session.flush()


@pytest.mark.parametrize("fetch", [_csv, _xlsx])
def test_an_export_bigger_than_one_batch_is_complete_and_ordered(
    monkeypatch, session, client, record, make_comment, clause_of, member, second_member,
    secretariat, fetch,
):  # fmt: skip
    round_, first = record
    clause = first["shown"].clause
    more = [make_comment(round_, clause, body=f"Point {n:02d}.") for n in range(11)]
    moderation.moderate(session, secretariat, more[4], hidden=True, reason="Off topic")
    _answer_all(session, more, member, second_member)
    synopsis.publish(session, secretariat, round_)
    monkeypatch.setattr(exports, "BATCH", 3)  # 12 public comments: four batches of three
    _header, *rows = fetch(client, round_.id)
    expected = [first["shown"], first["unnamed"]] + [c for n, c in enumerate(more) if n != 4]
    assert [row[9] for row in rows] == [f"{c.submission.receipt}/1" for c in expected]
    assert [row[4] for row in rows[2:]] == [f"Point {n:02d}." for n in range(11) if n != 4]
    latest = {n: (f"Then {n:02d}." if n % 3 == 0 else f"First {n:02d}.") for n in range(11)}
    assert [row[6] for row in rows[2:]] == [latest[n] for n in range(11) if n != 4]
    assert [row[7] for row in rows[2:]] == [
        "accepted" if n % 3 == 0 else "noted" for n in range(11) if n != 4
    ]


def test_annotations_bigger_than_one_batch_are_complete_and_ordered(
    monkeypatch, session, client, make_standard, freeze, make_round, clause_of, make_comment
):
    standard = make_standard()
    round_ = make_round(freeze(standard, "d1"), number=1)
    made = [make_comment(round_, clause_of(standard, "1.1"), body=f"Note {n}.") for n in range(7)]
    monkeypatch.setattr(exports, "BATCH", 2)
    collection = _annotations(client, round_.id)
    assert collection["total"] == 7
    ids = [item["id"].rsplit("-", 1)[1] for item in collection["first"]["items"]]
    assert ids == [str(c.id) for c in made]
    assert [item["body"][0]["value"] for item in collection["first"]["items"]] == [
        f"Note {n}." for n in range(7)
    ]


@pytest.mark.parametrize("fetch", [_csv, _xlsx])
def test_spreadsheets_keep_markup_as_text(
    client, make_standard, freeze, make_round, clause_of, make_comment, fetch
):
    standard = make_standard()
    round_ = make_round(freeze(standard, "d1"), number=1)
    body = '<r><t>not rich text</t></is></c> & "more"</r>'
    make_comment(round_, clause_of(standard, "1.1"), body=body)
    _header, row = fetch(client, round_.id)
    assert row[4] == body  # XlsxWriter wrote a "<r>…</r>" string as raw XML


def test_anchor_states_are_the_locators_against_the_newest_draft(
    session, client, make_standard, freeze, clause_of, make_round, make_comment, edit
):
    from app.auth.permissions import SYSTEM
    from app.committee.reanchoring import Locator
    from app.drafting import editing
    from app.drafting import service as drafting

    standard = make_standard(clauses=4)
    round_ = make_round(freeze(standard, "d1"), number=1)
    c11, c12, c13, c14 = (clause_of(standard, f"1.{i}") for i in range(1, 5))
    made = [
        make_comment(round_, c11, quote="report on topic 1 every year"),  # text kept
        make_comment(round_, c11, quote="The Entity shall"),  # kept, found twice over
        make_comment(round_, c12, quote="every year, where practicable"),  # edited
        make_comment(round_, c13, quote="report on topic 3"),  # clause deleted
        make_comment(round_, c14),  # the clause, no quote
        make_comment(round_, c13),  # a deleted clause, no quote
        make_comment(round_, None),  # the whole draft
    ]
    edit(c12, "The Entity shall report on topic 2 every year, where it is practicable.")
    editing.delete_clause(session, SYSTEM, c13)
    session.flush()
    newest = freeze(standard, "d2")
    placed = Locator(drafting.version_nodes(session, newest)).place_all(made)
    _header, *rows = _csv(client, round_.id)
    assert [row[10] for row in rows] == [str(placed[c.id].status) for c in made]
    assert [row[10] for row in rows] == [
        "anchored", "anchored", "moved", "orphaned", "anchored", "orphaned", "anchored"
    ]  # fmt: skip
