"""Work queued inside a transaction and done after it commits (the outbox)."""
