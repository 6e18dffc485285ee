"""First review (初审, R15): who may stamp a person's annual record, decided by the routing hook.

The policy says which roles may first-review at all and where; the routing hook
(`ceplat_resolve_first_review_authority`, default in county_defaults) says whose stamp a
given person's record needs. Both must agree, so a plugin that changes the routing changes
who may review — R15 is decided in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_core import audit
from platform_core.authz import Action, Actor, PlatformEnforcer, authorize
from platform_core.authz.actions import Role
from platform_core.errors import PermissionDenied, ValidationFailed
from platform_core.models import Organisation, Person, Tenant
from platform_core.plugins import PluginHost
from platform_core.requirements import PersonFacts, ReviewAuthority
from platform_core.tenancy import departments, tenant_info

DECISIONS = {"approved": "初审通过", "returned": "退回"}
CITY_ROLES = {Role.CITY_ADMIN, Role.CITY_VERIFIER}


def authority_for(session: Session, host: PluginHost, person: Person, city_code: str) -> ReviewAuthority:
    tenant = session.get_one(Tenant, person.tenant_id)
    return host.first_review_authority(
        PersonFacts(person.id, person.series, person.qualification, tenant.code, tenant.kind),
        tenant_info(tenant, city_code), departments(session))


def _is_the_authority(session: Session, actor: Actor, authority: ReviewAuthority) -> bool:
    if actor.is_system:
        return True
    if authority.kind == "county_bureau":
        return actor.role == Role.COUNTY_REVIEWER and actor.tenant_code == authority.tenant_code
    if authority.kind == "industry_department":
        org_code = session.scalar(select(Organisation.code).where(Organisation.id == actor.org_id)) \
            if actor.org_id is not None else None
        return actor.role == Role.INDUSTRY_REVIEWER and org_code == authority.org_code
    return actor.role in CITY_ROLES  # the city office reviews series no department governs


@dataclass(frozen=True)
class FirstReview:
    person_id: int
    year: int
    decision: str
    authority: ReviewAuthority
    stamp_id: int

    def as_dict(self) -> dict[str, Any]:
        return {"year": self.year, "decision": self.decision, "label": DECISIONS[self.decision],
                "authority": {"kind": self.authority.kind, "name": self.authority.name,
                              "org_code": self.authority.org_code, "decided_by": self.authority.decided_by},
                "stamp": self.stamp_id}


def first_review(session: Session, host: PluginHost, enforcer: PlatformEnforcer | None, actor: Actor,
                 person: Person, year: int, decision: str, *, city_code: str,
                 comment: str = "") -> FirstReview:
    """Stamp the first review of ``person``'s ``year`` (the 初审专用章): only the authority the
    routing hook names may, and only where the policy lets it. The stamp is the record (R24):
    a later review supersedes it, nothing is edited."""
    if decision not in DECISIONS:
        raise ValidationFailed(f"初审结论应为 {'/'.join(DECISIONS)}，收到「{decision}」", code="bad_decision")
    if decision == "returned" and not comment.strip():
        raise ValidationFailed("退回时请写明原因", code="comment_required")
    tenant_code = session.scalar(select(Tenant.code).where(Tenant.id == person.tenant_id)) or ""
    authorize(enforcer, actor, Action.BATCH_FIRST_REVIEW, tenant_code, person)
    authority = authority_for(session, host, person, city_code)
    if not _is_the_authority(session, actor, authority):
        raise PermissionDenied(f"该人员的初审单位是{authority.name}（R15），「{actor.username}」不能初审",
                               code="not_first_reviewer")
    stamp = audit.stamp(session, actor, Action.BATCH_FIRST_REVIEW, tenant_code=tenant_code,
                        object_type="annual_record", object_id=f"{person.id}:{year}",
                        after={"decision": decision, "year": year, "authority": authority.name,
                               "decided_by": authority.decided_by}, comment=comment)
    return FirstReview(person.id, year, decision, authority, stamp.id)
