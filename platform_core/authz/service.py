"""The one guard: `authorize(enforcer, actor, action, tenant_code, obj)`.

First the policy (role × action × tenant, Casbin), then the object: a base only touches its
own base's trainings and batches, an industry reviewer only its series' persons and never a
county's (R15), an employer only its own staff (R17). The same object rules drive the row
filters of a scoped session (`platform_core.authz.scoping`), so the two never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from platform_core.authz.actions import ACTION_LABELS, ACTIONS, ROLE_LABELS, Action, Role
from platform_core.authz.actors import Actor
from platform_core.authz.enforcer import PlatformEnforcer
from platform_core.errors import ConfigurationError, PermissionDenied
from platform_core.validation import idnumber


@dataclass(frozen=True)
class ObjectRef:
    """An object to check when no ORM row is at hand (or none exists yet, e.g. a new batch).

    Checks read these attribute names from ORM rows just the same: `tenant_id`, `base_id`,
    `series`, `employer_id`.
    """

    type: str
    id: str = ""
    tenant_id: int | None = None
    base_id: int | None = None
    series: str | None = None
    employer_id: int | None = None


@dataclass(frozen=True)
class Constraints:
    """What an actor's role restricts below the tenant (None = no restriction)."""

    base_id: int | None = None  # base_operator: its own base's trainings, batches, applications
    employer_id: int | None = None  # employer_hr: its own staff
    series: tuple[str, ...] | None = None  # industry_reviewer: persons of its industry


def constraints_for(actor: Actor) -> Constraints:
    if actor.role == Role.BASE_OPERATOR:
        return Constraints(base_id=actor.org_id if actor.org_id is not None else -1)
    if actor.role == Role.EMPLOYER_HR:
        return Constraints(employer_id=actor.org_id if actor.org_id is not None else -1)
    if actor.role == Role.INDUSTRY_REVIEWER:
        return Constraints(series=tuple(actor.series))
    return Constraints()


@dataclass(frozen=True)
class Denial:
    code: str
    message: str

    def error(self) -> PermissionDenied:
        return PermissionDenied(self.message, code=self.code)


def _who(actor: Actor) -> str:
    return f"{ROLE_LABELS.get(actor.role, actor.role)}「{actor.username}」"


def policy_denial(actor: Actor, action: str, tenant_code: str) -> Denial:
    return Denial("action_not_allowed",
                  f"{_who(actor)}无权在租户 {tenant_code} {ACTION_LABELS.get(action, action)}")


def object_denial(enforcer: PlatformEnforcer, actor: Actor, action: str, tenant_code: str,
                  obj: Any) -> Denial | None:
    """Why the actor may not act on this object (None: it may). The policy was already asked."""
    what = ACTION_LABELS.get(action, action)
    tenant_id = getattr(obj, "tenant_id", None)
    if tenant_id is not None and enforcer.tenants.by_id.get(tenant_id) != tenant_code:
        # A caller naming the wrong tenant must not turn one tenant's right into another's.
        return Denial("object_tenant_mismatch", f"对象不属于租户 {tenant_code}，不能{what}")
    rules = constraints_for(actor)
    base_id = getattr(obj, "base_id", None)
    if rules.base_id is not None and base_id is not None and base_id != rules.base_id:
        return Denial("not_own_base", f"{_who(actor)}只能处理本基地的培训项目和批次，不能{what}")
    employer_id = getattr(obj, "employer_id", None)
    if rules.employer_id is not None and hasattr(obj, "employer_id") and employer_id != rules.employer_id:
        return Denial("not_own_staff", f"{_who(actor)}只能查看本单位职工")
    series = getattr(obj, "series", None)
    if rules.series is not None:
        if enforcer.tenants.kind(tenant_code) == "county":
            return Denial("industry_scope",
                          f"县（市）人员由县（市）人社局初审，{_who(actor)}不能{what}（R15）")
        if series and series not in rules.series:
            return Denial("not_own_industry",
                          f"{_who(actor)}只能处理本行业（{'、'.join(rules.series)}）的人员，"
                          f"不能{what}「{series}」系列人员")
    return None


def authorize(enforcer: PlatformEnforcer | None, actor: Actor, action: str | Action, tenant_code: str,
              obj: Any = None) -> None:
    """Raise PermissionDenied unless `actor` may do `action` in `tenant_code` (to `obj`).

    `enforcer` may be None only for the system actor (shell operator), which is allowed
    everything and still named in the stamps its changes write.
    """
    action = str(action)
    if action not in ACTIONS:
        raise ConfigurationError(f"未知的操作 {action}", code="unknown_action")
    if actor.is_system:
        return
    if enforcer is None:
        raise ConfigurationError("未加载权限策略", code="no_enforcer")
    if not enforcer.enforce(actor.subject, tenant_code, action):
        raise policy_denial(actor, action, tenant_code).error()
    if obj is not None:
        denial = object_denial(enforcer, actor, action, tenant_code, obj)
        if denial is not None:
            raise denial.error()


def is_allowed(enforcer: PlatformEnforcer | None, actor: Actor, action: str | Action, tenant_code: str,
               obj: Any = None) -> bool:
    try:
        authorize(enforcer, actor, action, tenant_code, obj)
    except PermissionDenied:
        return False
    return True


def mask_value(value: str) -> str:
    """ID numbers as 340822********0018, mobiles as 138****8000, anything else mostly starred."""
    if len(value) == 18:
        return idnumber.mask(value)
    if len(value) == 11 and value.isdigit():
        return value[:3] + "****" + value[7:]
    return value[:1] + "*" * max(len(value) - 2, 1) + value[-1:] if len(value) > 2 else "*" * len(value)


def mask_for(actor: Actor, value: str | None, *, enforcer: PlatformEnforcer | None = None,
             tenant_code: str | None = None) -> str | None:
    """An ID or mobile number as this actor may see it in a list, log or export.

    Full only when an enforcer is given and says the actor may `person.read_full_id` in the
    tenant; without an enforcer (logs, exports of unknown audience) always masked.
    """
    if value is None:
        return None
    if enforcer is not None and (actor.is_system or enforcer.enforce(
            actor.subject, tenant_code or actor.tenant_code, Action.PERSON_READ_FULL_ID)):
        return value
    return mask_value(value)


def read_full_id(session: Session, enforcer: PlatformEnforcer, actor: Actor, person: Any,
                 comment: str = "") -> str:
    """The full ID number of `person`, after the check; the reading itself is stamped."""
    from platform_core import audit

    tenant_code = enforcer.tenants.by_id[person.tenant_id]
    authorize(enforcer, actor, Action.PERSON_READ_FULL_ID, tenant_code, person)
    audit.stamp(session, actor, Action.PERSON_READ_FULL_ID, tenant_code=tenant_code,
                object_type="person", object_id=str(person.id),
                after={"id_number": idnumber.mask(person.id_number)}, comment=comment)
    return str(person.id_number)
