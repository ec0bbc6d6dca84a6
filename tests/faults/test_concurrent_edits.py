"""Issue 12 item 6: committee members saving the same clause at once lose no edit.

Eight threads (four members, two edits each), each in its own session and transaction,
save an edit of a different sentence of one clause, all based on the same revision and
released together by a barrier. The saves queue on the clause lock and each later one
is three-way merged (app/text/merge.py) with those before it: the final text holds every
edit, or the save was refused as a conflict (never silently dropped). Runs on SQLite and,
under TEST_DATABASE_URL, on PostgreSQL (in a schema of its own).
"""

from __future__ import annotations

import json

from tests.faults.conftest import run_site

EDITS = 8


def test_concurrent_saves_of_one_clause_lose_no_edit(fault_database):
    setup = json.loads(run_site(fault_database, "setup"))
    # Saves queue on the clause lock: the production busy timeout, not the fault tests' 300 ms.
    database = {**fault_database, "SQLITE_BUSY_TIMEOUT_MS": "10000"}
    result = json.loads(run_site(database, "edits", str(EDITS), setup["clause_uid"]))
    assert len(result["outcomes"]) == EDITS
    kept = [i for i in range(EDITS) if f"was changed by editor {i}" in result["body"]]
    conflicts = result["outcomes"].count("conflict")
    # Every save either landed in the text or was refused with a conflict to resolve.
    assert len(kept) + conflicts == EDITS, result
    # Different sentences never overlap: all of them merge.
    assert conflicts == 0 and len(kept) == EDITS, result
    assert result["outcomes"].count("saved") == 1  # the first; the others merged
    assert result["revisions"] == 1 + EDITS
