"""What staff may read of one person: found through the actor's scope, authorized, masked.

The adapters (CLI, web) call these; the evaluation itself (`platform_core.evaluation`) knows
nothing of actors.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from platform_core.authz import Action, Actor, PlatformEnforcer, authorize, mask_for, read_full_id
from platform_core.authz.scoping import scope_applied
from platform_core.evaluation import AnnualStatus, CycleStatus, evaluate_person_cycle, evaluate_person_year
from platform_core.models import Person, Tenant
from platform_core.people import get_person
from platform_core.plugins import PluginHost
from platform_core.profiles import person_view
from platform_core.tenancy import tenant_code_of


def visible_person(session: Session, enforcer: PlatformEnforcer, actor: Actor, id_number: str,
                   action: str) -> Person:
    """The person, if `actor` can see them and may do `action`; NotFound when out of scope.

    The lookup runs in the actor's scope, so a person of another tenant is "not found" rather
    than "forbidden": existence does not leak either.
    """
    with scope_applied(session, enforcer, actor):
        person = get_person(session, id_number)
    authorize(enforcer, actor, action, tenant_code_of(session, person.tenant_id), person)
    return person


def annual_status(session: Session, host: PluginHost, enforcer: PlatformEnforcer, actor: Actor,
                  id_number: str, year: int, city_code: str) -> AnnualStatus:
    person = visible_person(session, enforcer, actor, id_number, Action.STATUS_READ)
    return evaluate_person_year(session, host, person, year, city_code)


def cycle_status(session: Session, host: PluginHost, enforcer: PlatformEnforcer, actor: Actor,
                 id_number: str, first_year: int, last_year: int, city_code: str) -> CycleStatus:
    person = visible_person(session, enforcer, actor, id_number, Action.STATUS_READ)
    return evaluate_person_cycle(session, host, person, first_year, last_year, city_code)


def profile(session: Session, host: PluginHost, enforcer: PlatformEnforcer, actor: Actor,
            id_number: str, city_code: str, *, full_id: bool = False) -> dict[str, Any]:
    """A person's profile with ID and mobile numbers masked unless the actor may see them.

    ``full_id`` asks for the full ID number: allowed only with `person.read_full_id`, and the
    reading is stamped in the audit trail (so the caller's session must be in a transaction).
    """
    person = visible_person(session, enforcer, actor, id_number, Action.PERSON_READ)
    view = person_view(session, host, person, city_code)
    tenant = view["tenant"]
    if full_id:
        view["id_number"] = read_full_id(session, enforcer, actor, person)
    else:
        view["id_number"] = mask_for(actor, person.id_number)  # masked in lists and plain views
    view["mobile"] = mask_for(actor, view["mobile"], enforcer=enforcer, tenant_code=tenant)
    return view


def list_persons(session: Session, enforcer: PlatformEnforcer, actor: Actor, *,
                 tenant_code: str | None = None, series: str | None = None, limit: int = 100,
                 offset: int = 0) -> dict[str, Any]:
    """A page of the persons `actor` may see. The scope filters the query itself (a forgotten
    `where` cannot leak rows); ID and mobile numbers are masked in lists."""
    if tenant_code:
        authorize(enforcer, actor, Action.PERSON_READ, tenant_code)
    with scope_applied(session, enforcer, actor):
        where = []
        if tenant_code:
            where.append(Tenant.code == tenant_code)
        if series:
            where.append(Person.series == series)
        join = (Tenant, Tenant.id == Person.tenant_id)
        total = session.scalar(select(func.count(Person.id)).join(*join).where(*where))
        rows = session.execute(select(Person, Tenant.code).join(*join).where(*where)
                               .order_by(Person.id).limit(limit).offset(offset)).all()
    return {"total": total, "limit": limit, "offset": offset, "persons": [
        {"id_number": mask_for(actor, p.id_number), "name": p.name, "tenant": code, "series": p.series,
         "qualification": p.qualification, "mobile": mask_for(actor, p.mobile)} for p, code in rows]}
