"""Backups of the whole database and restoring them (SQLite online backup, pg_dump)."""
