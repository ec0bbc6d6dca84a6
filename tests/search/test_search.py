"""Query features, facets and access rules; every test runs on each engine (see conftest)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.search import service
from app.search.query import SearchRequest


def find(session, actor, text, **filters):
    per_page = filters.pop("per_page", 20)
    page = filters.pop("page", 1)
    return service.search(
        session, actor, SearchRequest(text=text, filters=filters, page=page, per_page=per_page)
    )


def keys(results) -> set[str]:
    return {h.key for h in results.hits}


def comment_ids(results) -> set[int]:
    return {h.comment_id for h in results.hits if h.kind == "comment"}


def test_nothing_is_found_before_the_indexer_runs_and_everything_after(
    session, world, engine, apply
):
    assert find(session, None, "lining").total == 0
    assert apply() > 0
    results = find(session, None, "lining")
    kinds = [h.kind for h in results.hits]
    assert kinds.count("clause") == 3  # 1.1 in draft-1, draft-2, draft-3
    assert comment_ids(results) == {world.comments.public.id}


def test_stemming_finds_other_forms_of_a_word(session, world, apply):
    apply()
    results = find(session, None, "emission")
    assert world.comments.public.id in comment_ids(results)
    assert any(
        h.kind == "clause" and h.clause_uid == world.clauses.principle.uid for h in results.hits
    )


def test_phrase_queries_match_words_in_order_only(session, world, apply):
    apply()
    hits = find(session, None, '"free, prior and informed consent"').hits
    assert {h.clause_uid for h in hits} == {world.clauses.fpic.uid}
    assert find(session, None, '"informed prior"').total == 0


def test_a_long_phrase_needs_its_words_in_one_run(session, world, apply, make_user):
    """Each neighbouring pair of the phrase is in this comment, but never the whole run."""
    from tests.search.conftest import _comment

    pairs_only = _comment(
        session,
        make_user(name="Pat"),
        world.rounds.live,
        None,
        "Consent must be free, prior. Prior and informed? Informed consent is the rule.",
    )
    session.commit()
    apply()
    hits = find(session, None, '"free, prior and informed consent"').hits
    assert {h.clause_uid for h in hits} == {world.clauses.fpic.uid}
    assert pairs_only.id in comment_ids(find(session, None, '"informed consent"'))


def test_prefix_queries_match_the_start_of_words(session, world, apply):
    apply()
    results = find(session, None, "bauxit*")
    assert {h.clause_uid for h in results.hits} == {world.clauses.residue.uid}
    assert find(session, None, "bauxite*").total == results.total
    assert find(session, None, "bauxitz*").total == 0


def test_exclusion_and_or(session, world, apply):
    apply()
    fpic = comment_ids(find(session, None, "FPIC", what="comment"))
    assert fpic == {world.comments.public.id, world.comments.industry.id}
    assert comment_ids(find(session, None, "FPIC -landfills", what="comment")) == {
        world.comments.industry.id
    }
    either = find(session, None, "fluoride OR expansions", what="comment")
    assert world.comments.public.id in comment_ids(either)
    assert world.comments.industry.id in comment_ids(either)


def test_snippets_mark_the_matched_words(session, world, apply):
    apply()
    hit = next(h for h in find(session, None, "fluoride").hits if h.kind == "comment")
    proposed = next(s for s in hit.snippets if s.field == "proposed")
    assert ("fluoride", True) in proposed.pieces
    assert "limit on fluoride" in "".join(text for text, _ in proposed.pieces)


def test_a_misspelt_word_gets_a_did_you_mean(session, world, apply):
    apply()
    results = find(session, None, "bauxyte")
    assert results.total == 0
    assert results.suggestion == "bauxite"
    assert find(session, None, "bauxite").suggestion is None


# word -> (public sees it, staff see it)
ACCESS = {
    "zirconium": (False, True),  # working draft only
    "gallium": (False, True),  # hidden comment
    "cryolite": (False, False),  # withdrawn submission
    "dross": (False, False),  # draft submission, never submitted
    "molybdenum": (False, False),  # response of an unpublished synopsis
    "vanadium": (True, True),  # response in a published synopsis
    "scandium": (False, True),  # round whose comments are public after close only
}


@pytest.mark.parametrize("word", sorted(ACCESS))
def test_search_shows_each_reader_only_what_they_may_see(session, world, apply, word):
    apply()
    public, staff = ACCESS[word]
    assert (find(session, None, word).total > 0) is public
    assert (find(session, world.member, word).total > 0) is staff
    assert (find(session, world.cora, word).total > 0) is public


def test_the_working_draft_is_a_version_facet_for_staff_only(session, world, apply):
    apply()
    staff = find(session, world.member, "lining")
    versions = {f.value: f.count for f in staff.facets["version"]}
    assert versions["working"] == 1
    assert "working" not in {f.value for f in find(session, None, "lining").facets["version"]}
    assert find(session, None, "lining", version="working").total == 0


def test_a_hidden_comment_is_marked_for_staff(session, world, apply):
    apply()
    hit = find(session, world.member, "gallium").hits[0]
    assert hit.hidden and hit.comment_id == world.comments.hidden.id


def test_did_you_mean_never_suggests_a_word_the_reader_may_not_see(session, world, apply):
    apply()
    assert find(session, None, "galium").suggestion is None
    assert find(session, world.member, "galium").suggestion == "gallium"


def test_facets_count_matches_per_value_and_filters_narrow(session, world, apply):
    apply()
    results = find(session, None, "FPIC", what="comment")
    groups = {f.value: f.count for f in results.facets["group"]}
    assert groups == {"civil-society": 1, "industry-upstream": 1}
    assert {f.value: f.count for f in results.facets["round"]} == {str(world.rounds.live.id): 2}
    narrowed = find(session, None, "FPIC", what="comment", group="industry-upstream")
    assert comment_ids(narrowed) == {world.comments.industry.id}
    chosen = [f for f in narrowed.facets["group"] if f.selected]
    assert [(f.value, f.label) for f in chosen] == [("industry-upstream", chosen[0].label)]
    assert "Industry" in chosen[0].label


def test_decisions_are_facets_for_staff_and_for_the_public_once_published(session, world, apply):
    apply()
    staff = find(session, world.member, "expansions", what="comment")
    assert {f.value: f.count for f in staff.facets["decision"]} == {
        "accepted": 1,
        "rejected": 1,
    }
    public = find(session, None, "expansions", what="comment")
    assert {f.value: f.count for f in public.facets["decision"]} == {"rejected": 1}
    assert comment_ids(find(session, None, "expansions", decision="accepted")) == set()


def test_clause_and_kind_facets(session, world, apply):
    apply()
    results = find(session, None, "lining")
    assert {f.value: f.count for f in results.facets["kind"]} == {"requirement": 4}
    clause = next(f for f in results.facets["clause"] if f.value == world.clauses.residue.uid)
    assert clause.count == 4 and clause.label == "1.1 Spent pot lining"


def test_pages(session, world, apply):
    apply()
    first = find(session, None, "lining", per_page=2)
    second = find(session, None, "lining", per_page=2, page=2)
    assert first.total == second.total == 4 and first.pages == 2
    assert len(first.hits) == 2 and len(second.hits) == 2
    assert not keys(first) & keys(second)
    assert find(session, None, "lining", per_page=2, page=3).hits == []


def test_comments_of_an_after_close_round_become_public_when_it_closes(session, world, apply):
    apply()
    closed = world.rounds.later.closes_at + dt.timedelta(minutes=1)
    request = SearchRequest(text="scandium")
    assert service.search(session, None, request).total == 0
    assert service.search(session, None, request, now=closed).total == 1


def test_past_the_cap_the_total_and_facet_counts_are_lower_bounds(
    session, world, apply, app, monkeypatch
):
    apply()
    everything = find(session, None, "lining")
    assert everything.exact and everything.total == 4
    assert all(f.exact for values in everything.facets.values() for f in values)
    monkeypatch.setitem(app.config, "SEARCH_MATCH_CAP", 4)
    assert find(session, None, "lining").exact  # exactly at the cap is still exact
    monkeypatch.setitem(app.config, "SEARCH_MATCH_CAP", 3)
    capped = find(session, None, "lining", per_page=2)
    assert not capped.exact and capped.total == 3 and capped.pages == 2
    assert sum(f.count for f in capped.facets["what"]) == 3
    assert all(not f.exact for values in capped.facets.values() for f in values)
    scores = [h.score for h in capped.hits]
    assert scores == sorted(scores, reverse=True)
    last = find(session, None, "lining", per_page=2, page=2)
    assert len(last.hits) == 1 and not keys(last) & keys(capped)  # pages end at the cap
    assert keys(capped) | keys(last) < keys(everything)
