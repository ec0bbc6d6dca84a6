"""Consultation rounds, submissions, comments and their anchors."""
