"""Diffs between versions, re-anchored comments, dispositions, synopses and ballots."""
