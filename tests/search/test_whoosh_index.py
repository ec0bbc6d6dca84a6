"""The Whoosh index's own parts: one analysis per document, phrases on pair positions,
tiered merges, the schema check of `--if-outdated`, the worker's paced indexer thread."""

from __future__ import annotations

import datetime as dt
import time

from whoosh import index as whoosh_index

from app.jobs import worker
from app.search.query import SearchRequest, Viewer
from app.search.whoosh_engine import VERSION_FILE, WhooshEngine
from app.search.whoosh_index import TIER
from app.search.whoosh_schema import SCHEMA_VERSION, STEMMING, analyse, schema

NOW = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)


def _doc(n: int, body: str, group: str = "civil-society") -> dict:
    return {
        "key": f"c-{n}",
        "kind": "comment",
        "access": "public",
        "public_from": 0,
        "hidden": False,
        "standard": "asi",
        "version": "1",
        "round": "1",
        "clause": "u1",
        "clause_kind": "requirement",
        "stakeholder": group,
        "comment_type": "general",
        "decision": "",
        "public_decision": "",
        "heading": "",
        "body": body,
        "proposed": "",
        "response": "",
        "words": body,
        "title": "1.1 Residues",
        "receipt": f"R-{n}",
        "comment_id": n,
    }


def _write(engine: WhooshEngine, *docs: dict) -> None:
    with engine.batch(None) as batch:
        batch.write([], list(docs))


def _found(engine: WhooshEngine, text: str, **filters) -> set[int]:
    results = engine.search(None, Viewer(), SearchRequest(text=text, filters=filters), NOW)
    return {hit.comment_id for hit in results.hits}


def test_one_analysis_gives_the_words_the_query_analyzer_gives():
    from whoosh.analysis import LowercaseFilter, RegexTokenizer

    texts = [
        "Free, prior and informed consent (FPIC) must apply.\nThe 1.2.3 requirement's",
        "Spent pot-lining: 3.5 tonnes of the A and I, e.g. bauxite*residue",
        "Émissions des Peuples autochtones: ÜBER alles",
        "",
    ]
    for text in texts:
        stems, words = analyse(text)
        assert stems == [t.text for t in STEMMING(text)]
        unstemmed = [t.text for t in (RegexTokenizer() | LowercaseFilter())(text)]
        assert words == list(dict.fromkeys(unstemmed))


def test_a_phrase_is_its_pairs_in_one_run_combined_with_other_terms(tmp_path):
    engine = WhooshEngine(tmp_path / "index")
    _write(
        engine,
        _doc(1, "Spent pot lining must be treated before disposal."),
        _doc(2, "A spent pot is empty; pot lining is another matter."),  # pairs apart
        _doc(3, "We store spent pot lining and bauxite residue together.", group="government"),
        _doc(4, "Spent pot lining, spent pot lining: said twice, after a spent pot."),
    )
    assert _found(engine, '"spent pot lining"') == {1, 3, 4}
    assert _found(engine, '"spent pot lining" bauxite') == {3}
    assert _found(engine, '"spent pot lining" -bauxite') == {1, 4}
    assert _found(engine, '"spent pot lining" OR "another matter"') == {1, 2, 3, 4}
    assert _found(engine, '"spent pot lining"', group="government") == {3}
    assert _found(engine, '"lining spent pot"') == {4}  # across the repeated run
    assert _found(engine, '"lining must be treated"') == {1}  # "be" is a stop word
    assert _found(engine, '"pot lining treated"') == set()


def test_small_commits_are_merged_in_tiers(tmp_path):
    engine = WhooshEngine(tmp_path / "index")
    for n in range(TIER * 2 + 3):
        _write(engine, _doc(n, f"Comment {n} on tailings", group=("academic", "government")[n % 2]))
    ix = whoosh_index.open_dir(str(tmp_path / "index"))
    sizes = sorted(s.doc_count_all() for s in ix._segments())
    assert len(sizes) < TIER  # single documents merged in tens, tens kept apart
    assert sum(sizes) == TIER * 2 + 3
    results = engine.search(None, Viewer(), SearchRequest(text="tailings"), NOW)
    assert results.total == TIER * 2 + 3
    groups = {f.value: f.count for f in results.facets["group"]}
    assert groups == {"academic": TIER + 2, "government": TIER + 1}


def test_a_commit_whose_posting_pool_spills_to_disk_is_written_whole(tmp_path, monkeypatch):
    """An incremental commit past the pool's memory limit writes runs to a folder and succeeds.

    The indexer's commits keep their temporary files in memory; a pool that spilled its
    sorted runs there lost them (NameError at the commit), and the indexer retried the
    same failing commit forever. At 100,000 comments a tiered merge gathers enough
    postings to spill about every 10,000 comments indexed. Here the limit is a few
    bytes, so every commit, merges included, spills.
    """
    from app.search.whoosh_index import WhooshBatch

    monkeypatch.setattr(WhooshBatch, "POOL_MB", 0.0001)
    engine = WhooshEngine(tmp_path / "index")
    for n in range(1, TIER + 3):  # the tenth single-document segment triggers a merge
        _write(engine, _doc(n, f"Spilled posting number {n} about tailings dams."))
    assert _found(engine, "tailings dams") == set(range(1, TIER + 3))
    assert _found(engine, '"about tailings dams"') == set(range(1, TIER + 3))  # positions too
    assert _found(engine, '"dams about tailings"') == set()
    leftovers = [p.name for p in (tmp_path / "index").iterdir() if p.is_dir()]
    assert leftovers == []  # the runs' folder goes with the commit


def test_an_index_of_an_older_schema_version_or_field_kind_is_outdated(tmp_path):
    from whoosh.fields import TEXT

    directory = tmp_path / "index"
    engine = WhooshEngine(directory)
    _write(engine, _doc(1, "Vanadium"))
    assert not WhooshEngine(directory).outdated()
    (directory / VERSION_FILE).write_text(f"{SCHEMA_VERSION - 1}\n")
    assert WhooshEngine(directory).outdated()  # same fields, analysed another way
    (directory / VERSION_FILE).unlink()
    assert WhooshEngine(directory).outdated()  # written before the version was kept

    older = tmp_path / "older"
    older.mkdir()
    fields = schema()
    fields.remove("text")
    fields.add("text", TEXT())  # the same name, with positions
    whoosh_index.create_in(str(older), fields)
    (older / VERSION_FILE).write_text(f"{SCHEMA_VERSION}\n")
    assert WhooshEngine(older).outdated()


def test_the_workers_indexer_thread_waits_between_passes_that_found_work(monkeypatch, app):
    passes: list[float] = []

    def batches(db):
        passes.append(time.monotonic())
        return 1  # always something to apply: an unpaced thread would loop at once

    monkeypatch.setattr(worker, "run_batches", batches)
    monkeypatch.setattr(worker, "run_pending", lambda db, limit, batches=True: 0)
    started = time.monotonic()
    with app.app_context():
        worker.work(
            None,
            interval=0.05,
            index_interval=0.01,
            index_pace=0.2,
            stop=lambda: time.monotonic() > started + 0.5,
        )
    assert 2 <= len(passes) <= 4
    assert all(b - a >= 0.19 for a, b in zip(passes, passes[1:], strict=False))
