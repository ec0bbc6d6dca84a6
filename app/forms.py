"""Form plumbing shared by every area's views."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm

from app.errors import ValidationError


def show_error(form: FlaskForm, exc: ValidationError) -> None:
    """Attach a service's validation message to its field, or flash it for the page."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "error")
