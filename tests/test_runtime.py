"""The serving process keeps its long-lived objects out of the garbage collector's walk."""

from __future__ import annotations

import gc
import weakref

from flask import Flask

from app.runtime import freeze_long_lived


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector can free it


def test_long_lived_objects_are_frozen_at_start_and_once_settled():
    app = Flask(__name__)
    cache: list[list[int]] = []

    @app.get("/")
    def page():
        if not cache:  # a cache built lazily by the first request, as pages do
            cache.extend([n] for n in range(5000))
        return "ok"

    gc.unfreeze()
    try:
        freeze_long_lived(app, settled_after=3)
        at_start = gc.get_freeze_count()
        assert at_start > 0
        client = app.test_client()
        client.get("/")
        client.get("/")
        assert gc.get_freeze_count() <= at_start  # not yet settled (frozen objects can die)
        client.get("/")
        assert gc.get_freeze_count() >= at_start + 5000  # the cache joined the frozen
        client.get("/")
        settled = gc.get_freeze_count()
        client.get("/")
        assert gc.get_freeze_count() <= settled  # once only

        garbage = _Node()
        gone = weakref.ref(garbage)
        del garbage
        gc.collect()
        assert gone() is None  # what requests leave behind is still collected
    finally:
        gc.unfreeze()
