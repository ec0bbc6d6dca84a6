"""Choose the engine the settings name."""

from __future__ import annotations

from flask import Flask, current_app

from app.search.engine import Engine

ENGINES = ("whoosh", "postgresql")


def engine_name(app: Flask) -> str:
    name = app.config.get("SEARCH_ENGINE") or ""
    if not name:
        url = app.config["DATABASE_URL"]
        name = "postgresql" if url.startswith("postgres") else "whoosh"
    if name not in ENGINES:
        raise RuntimeError(f"SEARCH_ENGINE must be one of {', '.join(ENGINES)}, not {name!r}")
    return name


def get_engine(app: Flask | None = None) -> Engine:
    """Return the configured engine (one object per engine and index folder, per process)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    name = engine_name(app)
    key = (name, app.config["SEARCH_INDEX_DIR"])
    cache = app.extensions.setdefault("clausewise.search", {})
    if key not in cache:
        if name == "postgresql":
            from app.search.postgres_engine import PostgresEngine

            cache[key] = PostgresEngine()
        else:
            from app.search.whoosh_engine import WhooshEngine

            cache[key] = WhooshEngine(app.config["SEARCH_INDEX_DIR"])
    return cache[key]
