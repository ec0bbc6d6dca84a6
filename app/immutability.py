"""Refuse, at flush time, any change to records that must never change.

Services never update history rows; this hook is the second wall, so that a
bug or a careless script cannot alter a submitted comment, a frozen version,
a vote or the audit log either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import event, inspect
from sqlalchemy.orm import InstanceState, Session

from app.errors import Conflict


@dataclass(frozen=True)
class Rule:
    mutable: frozenset[str]
    # Given the stored (pre-change) values, does the rule hold now? None: always.
    applies: Callable[[Callable[[str], object]], bool] | None = None


_RULES: dict[type, list[Rule]] = {}


def register(
    cls: type, *mutable: str, applies: Callable[[Callable[[str], object]], bool] | None = None
) -> None:
    """Make a model's stored rows unchangeable, except for the named attributes.

    `applies` receives a function giving each attribute's stored value and says
    whether the rule is in force for that row (a draft may change; a submission
    may not). Rows under an unconditional rule can never be deleted.
    """
    _RULES.setdefault(cls, []).append(Rule(frozenset(mutable), applies))


def _stored(state: InstanceState) -> Callable[[str], object]:
    def value(key: str) -> object:
        history = state.attrs[key].history
        if history.deleted:
            return history.deleted[0]
        return history.unchanged[0] if history.unchanged else state.attrs[key].value

    return value


def _check(session: Session, flush_context, instances) -> None:
    for obj in session.deleted:
        for rule in _RULES.get(type(obj), ()):
            if rule.applies is None or rule.applies(_stored(inspect(obj))):
                raise Conflict(f"{type(obj).__name__} records cannot be deleted")
    for obj in session.dirty:
        rules = _RULES.get(type(obj))
        if not rules:
            continue
        state = inspect(obj)
        stored = _stored(state)
        for rule in rules:
            if rule.applies is not None and not rule.applies(stored):
                continue
            for attr in state.mapper.column_attrs:
                if attr.key in rule.mutable:
                    continue
                history = state.attrs[attr.key].history
                if history.deleted and history.added and history.deleted != history.added:
                    raise Conflict(f"{type(obj).__name__}.{attr.key} cannot be changed once stored")


def install() -> None:
    if not event.contains(Session, "before_flush", _check):
        event.listen(Session, "before_flush", _check)
