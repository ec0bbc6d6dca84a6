"""Re-locating a quoted passage in a newer text: exact, fuzzy, by context, or orphaned."""

from __future__ import annotations

import pytest
from diff_match_patch import diff_match_patch
from hypothesis import given, settings
from hypothesis import strategies as st

from app.text.anchoring import Anchor, AnchorStatus, find_passage, locate

FACILITATION = (
    "The Entity shall prohibit facilitation payments. Where a payment is made under duress "
    "to protect the life or safety of a person, it shall be recorded accurately in the "
    "Entity’s books and reported to senior management within seven days."
)


def test_unchanged_passage_is_anchored_at_its_new_offset():
    anchor = find_passage(FACILITATION, "within seven days")
    newer = "A new opening sentence. " + FACILITATION
    location = locate(anchor, newer)
    assert location.status == AnchorStatus.ANCHORED
    assert newer[location.start : location.end] == "within seven days"


def test_repeated_quote_is_told_apart_by_its_context():
    text = "The Entity shall report. Workers shall report. The Entity shall report."
    anchor = Anchor("shall report", prefix="Workers ", suffix=". The", start=32, end=44)
    location = locate(anchor, text)
    assert location.status == AnchorStatus.ANCHORED
    assert text[location.start - 8 : location.start] == "Workers "


def test_lightly_edited_passage_is_moved():
    old = (
        "The Entity shall seek to obtain the free, prior and informed consent (FPIC) of "
        "affected Indigenous Peoples for new projects."
    )
    new = (
        "The Entity shall obtain the free, prior and informed consent (FPIC) of affected "
        "Indigenous Peoples for new projects."
    )
    anchor = find_passage(old, "shall seek to obtain the free, prior and informed consent")
    location = locate(anchor, new)
    assert location.status == AnchorStatus.MOVED
    assert new[location.start : location.end] == "shall obtain the free, prior and informed consent"


def test_rewritten_passage_is_found_between_its_context():
    anchor = find_passage(FACILITATION, "within seven days")
    location = locate(anchor, FACILITATION.replace("within seven days", "within 48 hours"))
    assert location.status == AnchorStatus.MOVED
    assert location.similarity < 0.6
    assert (
        FACILITATION.replace("within seven days", "within 48 hours")[location.start : location.end]
        == "within 48 hours"
    )


def test_rewritten_opening_is_found_before_its_suffix():
    old = (
        "The Entity shall, where practicable, set targets to reduce freshwater withdrawal "
        "per unit of production."
    )
    new = (
        "The Entity shall set time-bound targets to reduce freshwater withdrawal per unit "
        "of production."
    )
    location = locate(find_passage(old, "The Entity shall, where practicable, set targets"), new)
    assert location.status == AnchorStatus.MOVED
    assert new[location.start : location.end] == "The Entity shall set time-bound targets"


def test_passage_gone_with_its_context_is_orphaned():
    anchor = find_passage(FACILITATION, "facilitation payments")
    location = locate(anchor, "Water shall be managed at the level of the catchment.")
    assert location.status == AnchorStatus.ORPHANED
    assert location.start is None and not location.found


def test_empty_texts_and_quotes_orphan():
    assert locate(Anchor("", "", "", 0, 0), "text").status == AnchorStatus.ORPHANED
    assert locate(find_passage(FACILITATION, "senior management"), "").status == (
        AnchorStatus.ORPHANED
    )


def test_long_quote_beyond_match_bits_is_found_after_an_edit():
    quote = (
        "it shall be recorded accurately in the Entity’s books and reported to senior management"
    )
    anchor = find_passage(FACILITATION, quote)
    newer = FACILITATION.replace("recorded accurately", "recorded fully and accurately")
    location = locate(anchor, newer)
    assert location.status == AnchorStatus.MOVED
    assert "recorded fully and accurately" in newer[location.start : location.end]


@pytest.mark.parametrize("quote", ["reported to senior management within seven days", "senior"])
def test_long_text_without_the_passage_is_searched_in_bounded_work(monkeypatch, quote):
    """However long the text, a missing passage costs a fixed number of bounded searches.

    Bitap (match_main) handles patterns of at most Match_MaxBits characters and,
    with a finite Match_Distance, looks only near the expected place; diffs run
    under a timeout. Hypothesis once froze browsers with unbounded fuzzy matching.
    """
    searches: list[tuple[int, int]] = []
    diffs: list[float] = []
    real_match, real_diff = diff_match_patch.match_main, diff_match_patch.diff_main

    def match_main(self, text, pattern, loc):
        assert 0 < self.Match_Distance <= 1000
        searches.append((len(pattern), self.Match_MaxBits))
        return real_match(self, text, pattern, loc)

    def diff_main(self, text1, text2, checklines=True, deadline=None):
        diffs.append(self.Diff_Timeout)
        return real_diff(self, text1, text2, checklines, deadline)

    monkeypatch.setattr(diff_match_patch, "match_main", match_main)
    monkeypatch.setattr(diff_match_patch, "diff_main", diff_main)
    anchor = find_passage(FACILITATION, quote)
    counts = []
    for repeat in (500, 5000):
        searches.clear()
        haystack = "Unrelated words about water and land. " * repeat
        assert locate(anchor, haystack).status == AnchorStatus.ORPHANED
        assert all(length <= bits for length, bits in searches)
        counts.append(len(searches))
    assert counts[0] == counts[1] and 0 < counts[0] <= 4
    assert all(0 < timeout <= 1 for timeout in diffs)


words = st.lists(
    st.sampled_from(
        ["the", "Entity", "shall", "report", "water", "land", "annually", "workers", "and", "of"]
    ),
    min_size=3,
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(words, st.data())
def test_any_present_passage_is_anchored_exactly(tokens, data):
    text = " ".join(tokens)
    start = data.draw(st.integers(0, len(tokens) - 1))
    end = data.draw(st.integers(start + 1, len(tokens)))
    quote = " ".join(tokens[start:end])
    offset = len(" ".join(tokens[:start])) + (1 if start else 0)
    anchor = Anchor(
        quote,
        text[max(0, offset - 32) : offset],
        text[offset + len(quote) : offset + len(quote) + 32],
        offset,
        offset + len(quote),
    )
    location = locate(anchor, text)
    assert location.status == AnchorStatus.ANCHORED
    assert text[location.start : location.end] == quote
    assert location.start == offset  # its context singles out the right occurrence


TITLE_OLD = (
    "Provide a text alternative for non-text content, such as the title attribute. "
    "Captions are provided for all prerecorded audio content in synchronised media."
)


def test_words_inserted_at_the_end_of_an_edited_passage_are_part_of_it():
    anchor = find_passage(TITLE_OLD, "such as the title attribute.")
    newer = TITLE_OLD.replace("title attribute.", "title attribute [[HTML]].")
    location = locate(anchor, newer)
    assert location.status == AnchorStatus.MOVED
    assert newer[location.start : location.end] == "such as the title attribute [[HTML]]."


def test_words_inserted_at_the_end_of_a_long_edited_passage_are_part_of_it():
    passage = "Provide a text alternative for non-text content, such as the title attribute."
    anchor = find_passage(TITLE_OLD, passage)
    newer = TITLE_OLD.replace("title attribute.", "title attribute [[HTML]].")
    location = locate(anchor, newer)
    assert location.status == AnchorStatus.MOVED
    assert newer[location.start : location.end] == passage.replace(".", " [[HTML]].")


def test_words_inserted_at_the_start_of_an_edited_passage_are_part_of_it():
    anchor = find_passage(TITLE_OLD, "Captions are provided for all prerecorded audio")
    newer = TITLE_OLD.replace("Captions are", "Open or closed captions are")
    location = locate(anchor, newer)
    assert location.found
    assert newer[location.start : location.end] == (
        "Open or closed captions are provided for all prerecorded audio"
    )
