"""The interface both engines serve."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Protocol

from sqlalchemy.orm import Session

from app.database import Database
from app.search.query import SearchRequest, SearchResults, Viewer


class Batch(Protocol):
    def write(self, deletes: Iterable[str], documents: Iterable[dict]) -> None:
        """Write documents (replacing any with the same key) and delete keys."""


class Engine(Protocol):
    name: str

    def batch(self, db: Database, *, clear: bool = False) -> AbstractContextManager[Batch]:
        """Open a batch of writes, stored together when the block ends.

        With clear=True what was indexed before is dropped when the batch is stored
        (a rebuild), so searches never see a half-empty index.
        """

    def writer_lock(self, db: Database, *, wait: bool = False) -> AbstractContextManager[bool]:
        """Hold the indexer's lock; yield False at once if another writer holds it."""

    def search(
        self,
        session: Session,
        viewer: Viewer,
        request: SearchRequest,
        now: dt.datetime,
        *,
        facets: bool = True,
    ) -> SearchResults:
        """Return one page of what this viewer may see, with facet counts."""

    def known(self, session: Session, word: str) -> bool:
        """Say whether a word occurs anywhere in the indexed text."""

    def candidates(self, session: Session, word: str) -> list[str]:
        """Return indexed words that look like a misspelt word, best first."""

    def document_count(self, session: Session) -> int:
        """Count what is indexed (clause documents and comments; status and tests)."""

    def outdated(self) -> bool:
        """Say whether the stored index was written for an older schema (rebuild it)."""
