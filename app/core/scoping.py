"""Tenant scoping: one mechanism for every territorial model.

While a territory is bound (by the request's URL prefix, or explicitly with `bound_to` in a
command), every ORM SELECT, UPDATE and DELETE touching a `TerritoryScoped` model gets
`territory_id = <current>` added, and new rows get the current territory by default. Another
territory's row is therefore simply not found: views answer 404 without remembering anything.

Code that must read across territories (national administration, open data, commands) says so
explicitly with `.execution_options(all_territories=True)`.
"""

from __future__ import annotations

import contextlib
import functools
from contextvars import ContextVar

from sqlalchemy import ForeignKey, event
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, with_loader_criteria

_current: ContextVar[int | None] = ContextVar("current_territory_id", default=None)


class TerritoryMismatchError(RuntimeError):
    """A row of another territory was about to be written while a territory is bound."""


class TerritoryScoped:
    """Mixin for rows that belong to one territory.

    No index on territory_id alone: every model declares composite indexes that start with it
    (territory_id, <its usual lookup column>), since scoping adds territory_id to every query and a
    lone territory index is the one a planner without statistics (SQLite) would wrongly pick.
    """

    @declared_attr
    def territory_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(ForeignKey("territory.id"), nullable=False)


def current_territory_id() -> int | None:
    return _current.get()


def bind(territory_id: int | None):
    """Bind the current context to a territory; returns a token for `unbind`."""
    return _current.set(territory_id)


def unbind(token) -> None:
    _current.reset(token)


@contextlib.contextmanager
def bound_to(territory_id: int | None):
    token = bind(territory_id)
    try:
        yield
    finally:
        unbind(token)


@event.listens_for(Session, "do_orm_execute")
def _scope_to_current_territory(state) -> None:
    territory_id = _current.get()
    if territory_id is None or state.execution_options.get("all_territories"):
        return
    # Relationship and column loads inherit the criteria from the statement that loaded the
    # parent rows (SQLAlchemy propagates with_loader_criteria), as in SQLAlchemy's own recipe.
    if state.is_column_load or state.is_relationship_load:
        return
    if state.is_select or state.is_update or state.is_delete:
        state.statement = state.statement.options(_criteria(territory_id))


@functools.lru_cache(maxsize=1024)
def _criteria(territory_id: int):
    """The scoping option of one territory, built once per process: building it (a lambda that
    SQLAlchemy analyses) on every statement cost more CPU than most queries."""
    return with_loader_criteria(
        TerritoryScoped,
        lambda cls: cls.territory_id == territory_id,
        include_aliases=True,
    )


@event.listens_for(Session, "before_flush")
def _stamp_new_rows(session, flush_context, instances) -> None:
    territory_id = _current.get()
    if territory_id is None:
        return
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, TerritoryScoped):
            continue
        if obj.territory_id is None:
            obj.territory_id = territory_id
        elif obj.territory_id != territory_id:
            raise TerritoryMismatchError(
                f"{type(obj).__name__} of territory {obj.territory_id} written "
                f"while bound to territory {territory_id}"
            )
