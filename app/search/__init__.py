"""Search: one interface over clauses and comments, served by Whoosh or PostgreSQL full text.

Services only need `queue_update`; everything else is imported from its module.
"""

from app.search.queue import UpdateKind, queue_update

__all__ = ["UpdateKind", "queue_update"]
