"""Standards, clauses, revisions and versions; Markdown source import and export."""
