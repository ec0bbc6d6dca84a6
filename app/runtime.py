"""Process-wide settings for a serving process (gunicorn workers, the jobs worker).

Python's full garbage collection walks every container object the process holds.
A worker holds about 140,000 once it has served a few pages (the app, SQLAlchemy's
mappers, compiled templates, translation catalogues, cached outlines), so each
full collection took about 120 ms, and one came every 15 or so page views at
100,000 comments: at p95 a 25 ms committee page took 100 ms of CPU. Those objects
live as long as the process, so they are moved out of the collector's sight
(`gc.freeze`): once when the app is built and once more after the first requests,
when the lazily built caches exist. Collections then walk only what requests
allocate (about 1 ms). Cyclic garbage made after a freeze is still collected.
"""

from __future__ import annotations

import gc
import itertools

from flask import Flask

SETTLED_AFTER = 100  # requests: by then every page's caches have been built once


def freeze_long_lived(app: Flask, settled_after: int = SETTLED_AFTER) -> None:
    """Freeze what exists now, and again after `settled_after` requests."""
    gc.collect()
    gc.freeze()
    served = itertools.count(1)

    @app.teardown_request
    def _freeze_once_settled(_exc: BaseException | None) -> None:
        if next(served) == settled_after:
            gc.collect()
            gc.freeze()
