"""An in-process rate-limit store that does not start a thread per request.

`limits`' MemoryStorage (behind Flask-Limiter's default `memory://`) schedules a
`threading.Timer` of 10 ms on every hit whose previous timer has run, so under a
steady stream of posts nearly every request starts a thread, and each timer walks
every key of the store. Counters are already checked for expiry when read
(`MemoryStorage.get`), so the sweep only frees memory: here it runs inline, at most
once every SWEEP_SECONDS, on the hit that finds it due. create_app maps
`memory://` to this store (`sweptmemory://`); any other URI (redis://…) is used as given.
"""

from __future__ import annotations

import time

from limits.storage import MemoryStorage

SWEEP_SECONDS = 30.0


class SweptMemoryStorage(MemoryStorage):
    STORAGE_SCHEME = ["sweptmemory"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.next_sweep = time.monotonic() + SWEEP_SECONDS

    # MemoryStorage calls this (name-mangled) before each hit; it started the timer thread.
    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 - overrides limits' private hook
        now = time.monotonic()
        if now >= self.next_sweep:
            self.next_sweep = now + SWEEP_SECONDS
            self._MemoryStorage__expire_events()


def storage_uri(uri: str) -> str:
    """Serve `memory://` from SweptMemoryStorage; leave every other storage URI alone."""
    return "sweptmemory://" + uri[len("memory://") :] if uri.startswith("memory://") else uri
