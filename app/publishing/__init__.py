"""Adoption and publication: the standard in force, its reader, PDF and history."""
