"""Pure text functions: Markdown rendering, diffing, merging and anchoring."""
