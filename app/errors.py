"""Domain errors raised by services and mapped to HTTP responses by views."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused an operation; the message is for the user."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, **context) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.context = context


class ValidationError(DomainError):
    status_code = 422


class PermissionDenied(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class RecordFrozen(Conflict):
    """The database refused to change or delete a record that is on file for good."""


class Gone(DomainError):
    """The operation is no longer possible (a closed round, a closed ballot)."""

    status_code = 409
