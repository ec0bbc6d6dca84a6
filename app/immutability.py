"""Refuse, at flush time, any change to records that must never change."""

from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.errors import Conflict

# model class -> attributes that may still change after insert (empty: none)
_RULES: dict[type, frozenset[str]] = {}


def immutable(*mutable: str):
    """Mark a model as append-only, except for the named attributes."""

    def decorate(cls):
        _RULES[cls] = frozenset(mutable)
        return cls

    return decorate


def register(cls: type, *mutable: str) -> None:
    _RULES[cls] = frozenset(mutable)


def _check(session: Session, flush_context, instances) -> None:
    for obj in session.deleted:
        if type(obj) in _RULES:
            raise Conflict(f"{type(obj).__name__} records cannot be deleted")
    for obj in session.dirty:
        allowed = _RULES.get(type(obj))
        if allowed is None:
            continue
        state = inspect(obj)
        for attr in state.mapper.column_attrs:
            if attr.key in allowed:
                continue
            history = state.attrs[attr.key].history
            if history.deleted and history.added and history.deleted != history.added:
                raise Conflict(f"{type(obj).__name__}.{attr.key} cannot be changed once stored")


def install() -> None:
    if not event.contains(Session, "before_flush", _check):
        event.listen(Session, "before_flush", _check)
