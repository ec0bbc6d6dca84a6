"""The outbox indexer: consistency, crash and restart, rebuild, status, CLI and health."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.consultation import moderation
from app.jobs.models import Job
from app.search import indexer, service
from app.search.engines import get_engine
from app.search.query import SearchRequest
from app.search.queue import JOB_KIND


def waiting(session) -> int:
    return session.scalar(select(func.count()).where(Job.kind == JOB_KIND, Job.done_at.is_(None)))


def total(session, actor, text) -> int:
    return service.search(session, actor, SearchRequest(text=text)).total


def test_every_write_queues_its_update_in_the_same_transaction(session, world, engine):
    targets = {
        (j.payload["target"], j.payload["id"])
        for j in session.scalars(select(Job).where(Job.kind == JOB_KIND))
    }
    assert ("clause", world.clauses.residue.id) in targets
    assert ("version", world.rounds.live.version_id) in targets
    assert ("submission", world.comments.withdrawn.submission_id) in targets
    assert ("comment", world.comments.hidden.id) in targets  # moderation
    assert ("comment", world.comments.industry.id) in targets  # disposition
    assert ("round", world.rounds.old.id) in targets  # synopsis published
    # A draft submission queues nothing: nothing about it is searchable.
    assert ("submission", world.comments.drafted.submission_id) not in targets


class Crash(Exception):
    pass


def test_an_indexer_killed_half_way_loses_nothing(session, world, engine, monkeypatch, app):
    queued = waiting(session)
    calls = {"n": 0}
    original = indexer._chunks

    def crashing(db, target, target_id):
        calls["n"] += 1
        if calls["n"] > 3:
            raise Crash("killed")
        yield from original(db, target, target_id)

    monkeypatch.setattr(indexer, "_chunks", crashing)
    with pytest.raises(Crash):
        indexer.apply_pending(_db(app), engine)
    assert waiting(session) == queued  # nothing marked done
    monkeypatch.setattr(indexer, "_chunks", original)
    # Restart: a new process opens the index afresh and applies everything queued.
    app.extensions["clausewise.search"].clear()
    restarted = get_engine(app)
    assert indexer.apply_pending(_db(app), restarted) == queued
    assert waiting(session) == 0
    assert total(session, None, "vanadium") == 1
    assert total(session, world.member, "zirconium") == 1


def _db(app):
    return app.extensions["clausewise.db"]


def test_only_one_process_writes_at_a_time(session, world, engine, app):
    with engine.writer_lock(_db(app)) as held:
        assert held
        # Another worker finds the lock taken and leaves the work to the holder.
        assert indexer.apply_pending(_db(app), engine) == 0
    assert indexer.apply_pending(_db(app), engine) > 0


def test_a_rebuild_equals_the_incremental_index(session, world, engine, apply, app):
    apply()
    incremental = engine.dump(session)
    queries = ["lining", "FPIC", "emission", "bauxit*", "gallium", "vanadium", "zirconium"]
    before = {q: total(session, world.member, q) for q in queries}
    written = indexer.rebuild(_db(app), engine)
    assert written == indexer.rebuild_size(_db(app))
    assert engine.dump(session) == incremental
    assert {q: total(session, world.member, q) for q in queries} == before


def test_status_reports_waiting_updates_and_their_age(session, world, engine, apply):
    state = indexer.status(session)
    assert state.waiting > 0 and state.oldest is not None
    apply()
    state = indexer.status(session)
    assert (state.waiting, state.oldest, state.lagging) == (0, None, False)


def test_healthz_reports_a_lagging_index_without_failing(client, session, world, engine):
    old = session.scalars(select(Job).where(Job.kind == JOB_KIND)).first()
    old.created_at = old.created_at.replace(year=old.created_at.year - 1)
    session.flush()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["search"]["lagging"] is True and body["search"]["waiting"] > 0


def test_cli_rebuild_status_and_apply(runner, session, world, engine):
    result = runner.invoke(args=["search", "status"])
    assert result.exit_code == 0, result.output
    assert f"engine: {engine.name}" in result.output
    assert "waiting updates: 0" not in result.output
    result = runner.invoke(args=["search", "apply"])
    assert result.exit_code == 0 and "updates applied" in result.output
    assert "waiting updates: 0" in runner.invoke(args=["search", "status"]).output
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "documents indexed" in result.output
    assert total(session, None, "vanadium") == 1


def test_a_searcher_kept_between_searches_sees_each_change_once(session, world, engine, apply):
    apply()
    assert total(session, None, "fluoride") == 1  # the searcher is kept from here on
    moderation.moderate(
        session, world.secretariat, world.comments.public, hidden=True, reason="Checking"
    )
    session.commit()
    apply()  # rewrites the comment: a deletion in the segment the kept searcher reads
    assert total(session, None, "fluoride") == 0
    assert total(session, world.member, "fluoride") == 1
    moderation.moderate(
        session, world.secretariat, world.comments.public, hidden=False, reason="Fine"
    )
    session.commit()
    apply()
    assert total(session, None, "fluoride") == 1
    assert total(session, world.member, "fluoride") == 1


def test_rebuild_if_outdated_rebuilds_an_index_of_an_older_release_only(
    runner, session, world, app, tmp_path
):
    """scripts/run runs `flask search rebuild --if-outdated`: an index on disk written
    with other fields (an older release) is rebuilt from the database, a current one kept."""
    from whoosh import index as whoosh_index
    from whoosh.fields import ID, TEXT, Schema

    from app.search.whoosh_engine import WhooshEngine

    directory = tmp_path / "older"
    directory.mkdir()
    older = whoosh_index.create_in(
        str(directory), Schema(key=ID(unique=True, stored=True), heading=TEXT, body=TEXT)
    )
    writer = older.writer()
    writer.add_document(key="clause:1", heading="Stale", body="vanadium")
    writer.commit()
    saved = {k: app.config.get(k) for k in ("SEARCH_ENGINE", "SEARCH_INDEX_DIR")}
    app.config.update(SEARCH_ENGINE="whoosh", SEARCH_INDEX_DIR=str(directory))
    try:
        assert get_engine(app).outdated()
        result = runner.invoke(args=["search", "rebuild", "--if-outdated"])
        assert result.exit_code == 0, result.output
        assert "documents indexed" in result.output
        assert total(session, None, "vanadium") == 1  # the database's text, in the new fields
        assert not WhooshEngine(directory).outdated()  # as a new process sees it
        result = runner.invoke(args=["search", "rebuild", "--if-outdated"])
        assert result.exit_code == 0 and "up to date" in result.output
    finally:
        app.config.update(saved)
