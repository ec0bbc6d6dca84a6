"""Comments anchored on passages: pasted (no JavaScript) and selected (offsets from the browser)."""

from __future__ import annotations

import pytest

from app.auth.permissions import SYSTEM
from app.consultation import service
from app.drafting import editing
from app.drafting import service as drafting
from app.errors import ValidationError
from app.text.markdown import plain_text


def _text(session, round_, uid):
    return plain_text(service.version_clause(session, round_, uid).body)


def _comment(session, user, round_, uid, **anchor):
    return service.add_comment(
        session,
        user,
        round_,
        clause_uid=uid,
        body="A remark.",
        anchor=service.AnchorInput(**anchor),
    )


def test_pasted_passage_with_unicode_gets_code_point_offsets(
    session, tricky_standard, make_round, uid_of, commenter
):
    round_ = make_round(tricky_standard)
    uid = uid_of(round_, "1.2")
    comment = _comment(session, commenter, round_, uid, passage="≤ 1.5°C pathways “as agreed”")
    text = _text(session, round_, uid)
    assert comment.anchor_exact == "≤ 1.5°C pathways “as agreed”"
    assert text[comment.anchor_start : comment.anchor_end] == comment.anchor_exact
    # The emoji before the passage counts as one character, as in the W3C selectors.
    assert comment.anchor_start == text.index("≤")
    assert comment.anchor_prefix.endswith("🌍 ")


def test_pasted_passage_ignores_case_quotes_and_spacing(
    session, tricky_standard, make_round, uid_of, commenter
):
    round_ = make_round(tricky_standard)
    uid = uid_of(round_, "1.2")
    comment = _comment(
        session, commenter, round_, uid, passage="  CONSENTEMENT préalable,\n libre et éclairé  "
    )
    assert comment.anchor_exact == "consentement préalable, libre et éclairé"


def test_quote_spanning_markdown_formatting_is_found_in_the_plain_text(
    session, tricky_standard, make_round, uid_of, commenter
):
    round_ = make_round(tricky_standard)
    bold = _comment(
        session, commenter, round_, uid_of(round_, "1.1"), passage="at most 6 tonnes CO2e per tonne"
    )
    assert bold.anchor_exact == "at most 6 tonnes CO2e per tonne"
    link = _comment(
        session,
        commenter,
        round_,
        uid_of(round_, "1.3"),
        passage="Tailings Management or an equivalent",
    )
    assert link.anchor_exact == "Tailings Management or an equivalent"
    across_list = _comment(
        session, commenter, round_, uid_of(round_, "1.3"), passage="second item with code"
    )
    text = _text(session, round_, uid_of(round_, "1.3"))
    assert text[across_list.anchor_start : across_list.anchor_end] == "second item with code"


def test_pasting_the_markdown_source_is_not_found(
    session, tricky_standard, make_round, uid_of, commenter
):
    round_ = make_round(tricky_standard)
    with pytest.raises(ValidationError) as error:
        _comment(session, commenter, round_, uid_of(round_, "1.1"), passage="**6 tonnes CO2e**")
    assert error.value.field == "passage"
    assert "could not find this passage" in error.value.message


def test_repeated_phrase_pasted_is_refused_as_ambiguous(
    session, tricky_standard, make_round, uid_of, commenter
):
    round_ = make_round(tricky_standard)
    with pytest.raises(ValidationError) as error:
        _comment(session, commenter, round_, uid_of(round_, "1.1"), passage="where practicable")
    assert "occurs 2 times" in error.value.message
    comment = _comment(
        session, commenter, round_, uid_of(round_, "1.1"), passage="annually where practicable"
    )
    assert comment.anchor_exact == "annually where practicable"


def test_selected_repeated_phrase_keeps_the_occurrence_the_reader_chose(
    session, tricky_standard, make_round, uid_of, commenter
):
    round_ = make_round(tricky_standard)
    uid = uid_of(round_, "1.1")
    text = _text(session, round_, uid)
    second = text.rindex("where practicable")
    comment = _comment(
        session,
        commenter,
        round_,
        uid,
        exact="where practicable",
        prefix=text[second - 32 : second],
        suffix=".",
        start=second,
        end=second + len("where practicable"),
    )
    assert (comment.anchor_start, comment.anchor_end) == (second, second + 17)
    assert comment.anchor_prefix == text[second - 32 : second]
    assert comment.anchor_suffix == text[second + 17 : second + 17 + 32]


def test_selection_with_stale_offsets_is_located_by_its_context(
    session, tricky_standard, make_round, uid_of, commenter
):
    round_ = make_round(tricky_standard)
    uid = uid_of(round_, "1.1")
    text = _text(session, round_, uid)
    second = text.rindex("where practicable")
    comment = _comment(
        session,
        commenter,
        round_,
        uid,
        exact="where practicable",
        prefix="and report annually ",
        suffix=".",
        start=second + 3,
        end=second + 20,
    )
    assert comment.anchor_start == second


def test_selection_not_in_the_clause_is_refused(
    session, tricky_standard, make_round, uid_of, commenter
):
    round_ = make_round(tricky_standard)
    with pytest.raises(ValidationError) as error:
        _comment(
            session,
            commenter,
            round_,
            uid_of(round_, "1.1"),
            exact="not in this clause",
            start=0,
            end=19,
        )
    assert error.value.field == "passage"


def test_a_passage_needs_a_clause(session, make_round, commenter):
    round_ = make_round()
    with pytest.raises(ValidationError) as error:
        service.add_comment(
            session,
            commenter,
            round_,
            body="x",
            anchor=service.AnchorInput(passage="where practicable"),
        )
    assert error.value.field == "clause_uid"


def test_comment_attaches_to_the_frozen_revision_not_the_working_draft(
    session, make_round, make_standard, uid_of, commenter
):
    standard = make_standard()
    round_ = make_round(standard)
    uid = uid_of(round_, "1.1")
    frozen = service.version_clause(session, round_, uid)
    clause = drafting.get_clause(session, uid)
    editing.save_clause(
        session,
        SYSTEM,
        clause,
        based_on_id=clause.head_revision_id,
        kind="criterion",
        number="1.1",
        heading="Criterion 1",
        body="Completely new text.",
    )
    comment = _comment(session, commenter, round_, uid, passage="every year")
    assert comment.revision_id == frozen.id != clause.head_revision_id
    assert comment.clause_id == clause.id


def test_clause_outside_the_version_is_refused(session, make_round, make_standard, commenter):
    standard = make_standard()
    round_ = make_round(standard)
    later = editing.add_clause(
        session,
        SYSTEM,
        standard,
        kind="criterion",
        number="2",
        heading="Added after freezing",
        body="New.",
    )
    with pytest.raises(ValidationError) as error:
        _comment(session, commenter, round_, later.clause.uid)
    assert "not in the draft under consultation" in error.value.message
