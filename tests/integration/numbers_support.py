"""Shared set-up for the certificate-number tests: a base, the policy, three users, sheets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.numbers import applicant_rows, write_application
from platform_core.applications import ApplicationReport, file_application
from platform_core.authz.actors import Actor
from platform_core.authz.adapter import sync_policy
from platform_core.models import Organisation, Tenant
from platform_core.runtime import Runtime
from platform_core.users import actor_for, add_user

BASE = "BASE-NUM"

__all__ = ["BASE", "applicant_rows", "file_sheet", "setup_actors", "write_application"]


def setup_actors(session: Session) -> dict[str, Actor]:
    """A training base in 怀宁县, the default policy, and a city admin, a county reviewer and
    the base's operator."""
    tenant = session.scalars(select(Tenant).where(Tenant.code == "340822")).one()
    session.add(Organisation(tenant_id=tenant.id, kind="training_base", code=BASE, name="怀宁县继续教育基地"))
    session.flush()
    sync_policy(session)
    system = Actor.system("test")
    users = {
        "admin": add_user(session, None, system, username="city-admin", role="city_admin",
                          tenant_code="340800"),
        "county": add_user(session, None, system, username="hn-reviewer", role="county_reviewer",
                           tenant_code="340822"),
        "base": add_user(session, None, system, username="base-op", role="base_operator",
                         tenant_code="340822", org_code=BASE),
    }
    return {k: actor_for(session, u) for k, u in users.items()}


def file_sheet(rt: Runtime, path: Path, series: str = "卫生", **kwargs: Any) -> ApplicationReport:
    with rt.transaction() as session:
        kwargs.setdefault("actor", Actor.system("test"))
        kwargs.setdefault("enforcer", None)
        return file_application(session, path, base_code=BASE, series=series, **kwargs)
