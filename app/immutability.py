"""Refuse, at flush time, any change to records that must never change.

Services never update history rows; this hook is the second wall, so that a
bug or a careless script cannot alter a submitted comment, a frozen version,
a vote or the audit log either. The third wall is in the database: triggers
(migration 0002_append_only_triggers) refuse the same writes from Core
statements and raw SQL; `_refusal` turns their error into a RecordFrozen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, exc, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import InstanceState, Session
from sqlalchemy.orm.base import NO_VALUE

from app.errors import Conflict, RecordFrozen

# Every trigger refusal starts with this; the migration writes it into each message.
TRIGGER_MARK = "append-only:"


class Stored:
    """The stored (pre-change) values of a row, and of the rows it refers to."""

    def __init__(self, state: InstanceState) -> None:
        self.state = state

    def __call__(self, key: str) -> object:
        attr = self.state.attrs[key]
        history = attr.history
        if history.deleted:
            return history.deleted[0]
        return history.unchanged[0] if history.unchanged else attr.value

    def related(self, key: str) -> Stored | None:
        """Return the stored values of the row a many-to-one relationship points at."""
        value = self.state.attrs[key].loaded_value
        if value is NO_VALUE or value is None:
            prop = self.state.mapper.relationships[key]
            ident = [
                self(self.state.mapper.get_property_by_column(c).key) for c in prop.local_columns
            ]
            session = self.state.session
            if session is None or any(v is None for v in ident):
                return None
            with session.no_autoflush:
                value = session.get(prop.mapper.class_, ident)
            if value is None:
                return None
        return Stored(inspect(value))


@dataclass(frozen=True)
class Rule:
    mutable: frozenset[str]
    # Given the stored (pre-change) values, does the rule hold now? None: always.
    applies: Callable[[Stored], bool] | None = None
    # Only these attributes are fixed (the rest may change, and the row may go). None: all.
    fixed: frozenset[str] | None = None


_RULES: dict[type, list[Rule]] = {}


def register(cls: type, *mutable: str, applies: Callable[[Stored], bool] | None = None) -> None:
    """Make a model's stored rows unchangeable, except for the named attributes.

    `applies` receives the row's stored values (a `Stored`) and says whether the
    rule is in force for that row (a draft may change; a submission may not).
    Rows under a rule in force can never be deleted. The database enforces the
    same rules with triggers (migrations/versions/*_0002_append_only_triggers.py).
    """
    _RULES.setdefault(cls, []).append(Rule(frozenset(mutable), applies))


def fix(cls: type, *fixed: str) -> None:
    """Make some attributes of a model permanent once stored (identities, links)."""
    _RULES.setdefault(cls, []).append(Rule(frozenset(), None, frozenset(fixed)))


def _stored(state: InstanceState) -> Stored:
    return Stored(state)


def _check(session: Session, flush_context, instances) -> None:
    for obj in session.deleted:
        for rule in _RULES.get(type(obj), ()):
            if rule.fixed is not None:
                continue
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
                if attr.key in rule.mutable or (
                    rule.fixed is not None and attr.key not in rule.fixed
                ):
                    continue
                history = state.attrs[attr.key].history
                # No deleted value: the stored one was NULL or never loaded (expired);
                # either way the row would change.
                if history.added and history.deleted != history.added:
                    raise Conflict(f"{type(obj).__name__}.{attr.key} cannot be changed once stored")


def _refusal(context) -> RecordFrozen | None:
    """Turn a trigger's refusal into a domain error (409) that names what was refused."""
    error = context.sqlalchemy_exception
    if not isinstance(error, exc.IntegrityError | exc.InternalError):
        return None
    detail = str(context.original_exception)
    if TRIGGER_MARK not in detail:
        return None
    what = detail.split(TRIGGER_MARK, 1)[1].splitlines()[0].strip()
    return RecordFrozen(
        _l("This record is on file and can no longer be changed or removed."), refused=what
    )


def install() -> None:
    if not event.contains(Session, "before_flush", _check):
        event.listen(Session, "before_flush", _check)
    if not event.contains(Engine, "handle_error", _refusal):
        event.listen(Engine, "handle_error", _refusal)
