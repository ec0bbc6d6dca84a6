"""The in-process rate-limit store: counts and expires like limits' memory store, no threads."""

from __future__ import annotations

import threading
import time

from app.extensions import limiter
from app.ratelimit_storage import SweptMemoryStorage, storage_uri


def test_memory_uris_are_served_by_the_swept_store_and_others_left_alone(app):
    assert isinstance(limiter.storage, SweptMemoryStorage)
    assert storage_uri("memory://") == "sweptmemory://"
    assert storage_uri("redis://cache:6379/0") == "redis://cache:6379/0"


def test_a_hit_starts_no_thread(monkeypatch):
    store = SweptMemoryStorage()
    started = []
    monkeypatch.setattr(threading.Timer, "start", lambda self: started.append(self))
    for n in range(50):
        assert store.incr(f"key-{n % 5}", 60) == n // 5 + 1
        time.sleep(0.0005)
    assert started == []


def test_counters_expire_when_read_and_the_sweep_frees_them():
    store = SweptMemoryStorage()
    store.incr("short", 0.05)
    store.incr("long", 60)
    time.sleep(0.1)
    assert store.get("short") == 0 and store.get("long") == 1
    store.incr("other", 0.01)
    time.sleep(0.05)
    assert "other" in store.expirations  # not read since: kept until the sweep
    store.next_sweep = 0  # due
    store.incr("long", 60)
    assert "other" not in store.expirations and store.get("long") == 2
