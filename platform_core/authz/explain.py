"""`authz explain`: allow or deny, and the policy lines that decided — for support staff."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from casbin.util import key_match

from platform_core.authz.actions import ACTION_LABELS, ACTIONS
from platform_core.authz.actors import Actor
from platform_core.authz.enforcer import PlatformEnforcer, domain_candidates
from platform_core.authz.service import Denial, object_denial
from platform_core.errors import ConfigurationError


def line(rule: Any) -> str:
    return ", ".join(rule)


@dataclass
class Explanation:
    allowed: bool
    user: str
    role: str
    action: str
    tenant: str
    domain: str
    code: str  # allowed / system / no_role / not_in_tenant / action_not_granted / <object denial code>
    message: str
    decided_by: list[str] = field(default_factory=list)
    role_links: list[str] = field(default_factory=list)
    candidate_policies: list[str] = field(default_factory=list)
    object: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def explain(enforcer: PlatformEnforcer, actor: Actor, action: str, tenant_code: str,
            obj: Any = None, object_label: str | None = None) -> Explanation:
    if action not in ACTIONS:
        raise ConfigurationError(f"未知的操作 {action}（可用：{', '.join(ACTIONS)}）", code="unknown_action")
    domain = enforcer.domain_of(tenant_code)
    what = ACTION_LABELS.get(action, action)
    snap = enforcer.snapshot
    links = enforcer.links_of(actor.subject)
    candidates = [r for r in snap.rules if r[0] == "p" and r[3] == action
                  and r[2] in domain_candidates(domain)]
    out = Explanation(False, actor.username, actor.role, action, tenant_code, domain, "", "",
                      role_links=[line(r) for r in links],
                      candidate_policies=[line(r) for r in candidates], object=object_label)
    if actor.is_system:
        out.allowed, out.code = True, "system"
        out.message = "系统操作员（命令行）不受策略限制，操作仍会记入审计"
        return out
    allowed, rule = enforcer.enforce_ex(actor.subject, tenant_code, action)
    if allowed:
        role = rule[0]
        used = [r for r in links if r[2] == role and key_match(domain, r[3])]
        out.decided_by = [line(("p", *rule))] + [line(r) for r in used]
        denial: Denial | None = None
        if obj is not None:
            denial = object_denial(enforcer, actor, action, tenant_code, obj)
        if denial is None:
            out.allowed, out.code = True, "allowed"
            out.message = f"允许：角色 {role} 在 {domain} 可以{what}"
        else:
            out.code, out.message = denial.code, f"策略允许，但对象检查不通过：{denial.message}"
        return out
    in_domain = [r for r in links if key_match(domain, r[3])]
    if not links:
        out.code, out.message = "no_role", f"拒绝：用户 {actor.username} 没有任何角色（或已停用）"
    elif not in_domain:
        out.code = "not_in_tenant"
        out.message = f"拒绝：用户的角色（{'；'.join(line(r) for r in links)}）不作用于 {domain}"
        out.decided_by = [line(r) for r in links]
    else:
        out.code = "action_not_granted"
        roles = sorted({r[2] for r in in_domain})
        out.message = f"拒绝：角色 {'、'.join(roles)} 在 {domain} 没有“{what}”（{action}）的策略"
        out.decided_by = [line(r) for r in in_domain]
    return out
