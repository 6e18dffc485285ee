"""Isolation below the policy: a scoped session filters every ORM query of tenant-owned rows.

`scoped(session, enforcer, actor)` puts a `Scope` in `session.info` and listens to
`do_orm_execute` on that session: every SELECT (and ORM UPDATE/DELETE) of a model with a
`tenant_id` column gets `tenant_id IN (visible tenants)` through `with_loader_criteria`, plus
the role's object rules (an employer's own staff, an industry's series, a base's own
trainings). A service that forgets a `where` still cannot return another tenant's rows.
A Core statement on a tenant-owned table (which loader criteria cannot reach) is refused;
`text()` SQL is not inspected. City roles and the auditor see every tenant.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, event, select
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria
from sqlalchemy.sql.util import find_tables

from platform_core.authz.actions import READ_ACTIONS
from platform_core.authz.actors import Actor
from platform_core.authz.enforcer import PlatformEnforcer
from platform_core.authz.service import constraints_for
from platform_core.errors import PermissionDenied
from platform_core.models import Base, Person

SCOPE_KEY = "ceplat.scope"


@dataclass(frozen=True)
class Scope:
    tenant_ids: frozenset[int] | None  # None: every tenant
    employer_id: int | None = None
    series: tuple[str, ...] | None = None
    base_id: int | None = None

    @property
    def unrestricted(self) -> bool:
        return self.tenant_ids is None and self.employer_id is None and self.series is None \
            and self.base_id is None


def scope_for(enforcer: PlatformEnforcer, actor: Actor) -> Scope:
    """The rows `actor` may see: tenants where the policy lets it read, narrowed by its role."""
    if actor.is_system:
        return Scope(None)
    codes = enforcer.allowed_tenants(actor.subject, READ_ACTIONS)
    directory = enforcer.tenants
    ids = None if codes == set(directory.by_code) else frozenset(directory.id_of(c) for c in codes)
    rules = constraints_for(actor)
    return Scope(ids, employer_id=rules.employer_id, series=rules.series, base_id=rules.base_id)


def _person_filter(scope: Scope) -> list[Any]:
    crit: list[Any] = []
    if scope.employer_id is not None:
        crit.append(Person.employer_id == scope.employer_id)
    if scope.series is not None:
        crit.append(Person.series.in_(scope.series))
    return crit


def _criteria(scope: Scope) -> list[Any]:
    options = []
    person_crit = _person_filter(scope)
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        cols = mapper.columns
        crit: list[Any] = []
        if scope.tenant_ids is not None and "tenant_id" in cols:
            crit.append(cls.tenant_id.in_(sorted(scope.tenant_ids)))
        if person_crit:
            if cls is Person:
                crit.extend(person_crit)
            elif "person_id" in cols and "tenant_id" in cols:
                crit.append(cls.person_id.in_(select(Person.id).where(*person_crit)))
        if scope.base_id is not None and "base_id" in cols and "tenant_id" in cols:
            crit.append(cls.base_id == scope.base_id)
        if crit:
            options.append(with_loader_criteria(cls, and_(*crit), include_aliases=True))
    return options


def _filter_statement(state: ORMExecuteState) -> None:
    scope: Scope | None = state.session.info.get(SCOPE_KEY)
    if scope is None or scope.unrestricted:
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    # Refreshing an attribute of a row already loaded under this scope needs no new filter;
    # relationship loads inherit the criteria of the statement that loaded their parent.
    if state.is_column_load or state.is_relationship_load:
        return
    if not state.is_orm_statement:
        # Loader criteria only reach ORM entities; a Core statement on a tenant-owned table
        # would bypass them, so a scoped session refuses it instead of leaking.
        statement: Any = state.statement
        touched = find_tables(statement, check_columns=True, include_aliases=True, include_joins=True,
                              include_crud=True)
        owned = sorted({getattr(t, "name", "") for t in touched} & _tenant_owned_tables())
        if owned:
            raise PermissionDenied(f"限定范围的会话不能用底层语句读取{'、'.join(owned)}，请用 ORM 查询",
                                   code="unscoped_statement")
        return
    state.statement = state.statement.options(*_criteria(scope))


def _tenant_owned_tables() -> set[str]:
    return {getattr(m.local_table, "name", "") for m in Base.registry.mappers if "tenant_id" in m.columns}


def apply_scope(session: Session, scope: Scope) -> Session:
    session.info[SCOPE_KEY] = scope
    if not event.contains(session, "do_orm_execute", _filter_statement):
        event.listen(session, "do_orm_execute", _filter_statement)
    return session


def scoped(session: Session, enforcer: PlatformEnforcer, actor: Actor) -> Session:
    """Scope an open session to what `actor` may see; returns the same session."""
    return apply_scope(session, scope_for(enforcer, actor))


@contextmanager
def scoped_session(sessions: sessionmaker[Session], enforcer: PlatformEnforcer,
                   actor: Actor) -> Iterator[Session]:
    """A new session, scoped to `actor`, closed at the end of the block."""
    with sessions() as session:
        yield scoped(session, enforcer, actor)


@contextmanager
def scope_applied(session: Session, enforcer: PlatformEnforcer | None, actor: Actor) -> Iterator[Session]:
    """Scope `session` to `actor` for the block only, then restore what it had.

    For a lookup that must go through the actor's scope (so a person it may not see is simply
    not found) before work that reads related rows without it.
    """
    previous = session.info.get(SCOPE_KEY)
    if enforcer is None:
        if not actor.is_system:
            raise PermissionDenied("未加载权限策略", code="no_enforcer")
        apply_scope(session, Scope(None))
    else:
        scoped(session, enforcer, actor)
    try:
        yield session
    finally:
        if previous is None:
            session.info.pop(SCOPE_KEY, None)
        else:
            session.info[SCOPE_KEY] = previous
