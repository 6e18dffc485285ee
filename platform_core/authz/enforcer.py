"""The process's policy decision point: a Casbin FastEnforcer loaded from the database.

Domains are tenants written `<kind>:<code>`. Role links and policy lines may use the patterns
`*` and `<kind>:*`; keyMatch is the domain-matching function, so a city role is one line, not
one line per tenant. Two performance traps from shared/STACK.md are handled here: the
domain role manager's per-role matching function is switched off (role names are never
patterns), and policy lines are indexed by (domain, action) — a request looks up its exact
domain, its kind pattern and `*`, keeps the lines of roles the subject holds there, and the
matcher runs on those one or two lines whatever the size of the policy.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import casbin
from casbin.model.policy_fast import in_cache
from casbin.util import key_match
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from platform_core.authz.adapter import Rule, RulesAdapter, current_version, load_rules
from platform_core.errors import NotFound
from platform_core.models import PolicyVersion, Tenant

MODEL_PATH = Path(__file__).resolve().parent / "model.conf"
ALL = "*"


def domain_for(kind: str, code: str) -> str:
    return f"{kind}:{code}"


def domain_candidates(domain: str) -> tuple[str, ...]:
    """The policy domains that can match a request domain: itself, its kind pattern, `*`."""
    kind = domain.split(":", 1)[0]
    return (domain, f"{kind}:*", ALL)


class TenantEnforcer(casbin.FastEnforcer):
    """FastEnforcer whose policy index also finds lines written for a domain pattern.

    Read-only by design: the policy is changed in the database (`authz.adapter`) and a new
    enforcer is loaded, never through Casbin's management API (whose duplicate check the
    three-key index defeats).
    """

    def __init__(self, model: str | Path, adapter: Any):
        self._expressions: dict[str, Any] = {}
        # Policy lines indexed by (domain, action, subject role).
        super().__init__(str(model), adapter, cache_key_order=[1, 2, 0])

    def _get_expression(self, expr: str, functions: Any = None) -> Any:  # type: ignore[override]
        # Casbin parses the matcher on every call (~25 µs); the text never changes, only the
        # functions (a fresh g() over the same role manager) do.
        cached = self._expressions.get(expr)
        if cached is None:
            cached = self._expressions[expr] = casbin.Enforcer._get_expression(expr, functions)
        else:
            cached.functions = functions
        return cached

    def enforce(self, *rvals: Any) -> bool:
        return bool(self.enforce_ex(*rvals)[0])

    def subject_roles(self, sub: str, dom: str) -> set[str]:
        """The subject and every role it holds in `dom`, through any depth of role links."""
        rm = self.get_role_manager()
        seen, todo = {sub}, [sub]
        while todo:
            for role in rm.get_roles(todo.pop(), dom):
                if role not in seen:
                    seen.add(role)
                    todo.append(role)
        return seen

    def enforce_ex(self, *rvals: Any) -> Any:
        sub, dom, act = rvals
        policy = self.model.model["p"]["p"].policy
        # Only lines for this action, in this domain or a pattern covering it, and for a role the
        # subject holds there can match; the matcher then decides on those few lines exactly
        # as it would on the whole policy.
        roles = self.subject_roles(sub, dom)
        lines: set[Sequence[str]] = set()
        for candidate in domain_candidates(dom):
            for role in roles:
                found = in_cache(policy._cache, [candidate, act, role])
                if found:
                    lines |= found
        # FastPolicy iterates its "current filter" when one is set (FastEnforcer itself only
        # knows exact keys, not patterns).
        policy._current_filter = lines
        try:
            return casbin.Enforcer.enforce_ex(self, *rvals)
        finally:
            policy.clear_filter()


@dataclass(frozen=True)
class TenantDirectory:
    """Tenant codes, ids and kinds: what turns a tenant code into a Casbin domain."""

    by_code: dict[str, tuple[int, str]]  # code -> (id, kind)
    by_id: dict[int, str]  # id -> code

    @classmethod
    def load(cls, session: Session) -> TenantDirectory:
        rows = session.execute(select(Tenant.id, Tenant.code, Tenant.kind)).all()
        return cls({code: (tid, kind) for tid, code, kind in rows}, {tid: code for tid, code, _ in rows})

    def domain(self, code: str) -> str:
        try:
            return domain_for(self.by_code[code][1], code)
        except KeyError:
            raise NotFound(f"找不到租户「{code}」", code="tenant_not_found") from None

    def kind(self, code: str) -> str:
        return self.by_code[code][1]

    def id_of(self, code: str) -> int:
        return self.by_code[code][0]


def build_casbin(rules: Iterable[Sequence[str]], domains: Iterable[str] = ()) -> TenantEnforcer:
    """A ready enforcer over `rules`; `domains` are warmed so no request pays for a first build."""
    e = TenantEnforcer(MODEL_PATH, RulesAdapter(rules))
    rm = e.get_role_manager()
    # Role names are plain strings: equality is enough, and the default matching function
    # makes building a domain's role graph quadratic in its links.
    rm.matching_func = None
    e.add_named_domain_matching_func("g", key_match)
    for domain in domains:
        rm.get_roles("", domain)
    return e


@dataclass(frozen=True)
class Snapshot:
    casbin: TenantEnforcer
    tenants: TenantDirectory
    rules: tuple[Rule, ...]
    version: int
    tenant_count: int
    # What a watcher compares to decide whether to reload: the version with the time it was
    # bumped (a version number alone can repeat when a database is recreated) and the tenants.
    state: tuple[object, ...] = ()


def policy_state(session: Session) -> tuple[object, ...]:
    """The database's policy state, cheap to read: version, when it moved, tenant ids."""
    row = session.execute(select(PolicyVersion.version, PolicyVersion.updated_at)
                          .where(PolicyVersion.id == 1)).first()
    tenants = session.execute(select(func.count(Tenant.id), func.max(Tenant.id))).one()
    return (row[0] if row else 0, str(row[1]) if row else "", tenants[0] or 0, tenants[1] or 0)


def load_snapshot(session: Session) -> Snapshot:
    """Everything a decision needs, read in one transaction."""
    state = policy_state(session)
    version = current_version(session)
    rules = load_rules(session)
    tenants = TenantDirectory.load(session)
    domains = [domain_for(kind, code) for code, (_id, kind) in tenants.by_code.items()]
    return Snapshot(build_casbin(rules, domains), tenants, tuple(rules), version, len(tenants.by_code),
                    state)


class PlatformEnforcer:
    """What services receive as `enforcer`. Thread-safe; `swap` replaces the whole snapshot at
    once, so a decision never sees a half-loaded policy."""

    def __init__(self, snapshot: Snapshot):
        self._snapshot = snapshot
        # Casbin's policy filter and lazily built role graphs are shared mutable state.
        self._lock = threading.Lock()

    @classmethod
    def load(cls, session: Session) -> PlatformEnforcer:
        return cls(load_snapshot(session))

    @classmethod
    def from_rules(cls, rules: Iterable[Sequence[str]], tenants: dict[str, str],
                   version: int = 0) -> PlatformEnforcer:
        """An enforcer without a database: `tenants` maps code -> kind (ids are made up).
        For unit tests, benchmarks and tools."""
        snapshot_rules: tuple[Rule, ...] = tuple(tuple(r) for r in rules)
        by_code = {code: (i, kind) for i, (code, kind) in enumerate(sorted(tenants.items()), start=1)}
        directory = TenantDirectory(by_code, {i: code for code, (i, _k) in by_code.items()})
        domains = [domain_for(kind, code) for code, kind in tenants.items()]
        return cls(Snapshot(build_casbin(snapshot_rules, domains), directory, snapshot_rules, version,
                            len(by_code)))

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    @property
    def version(self) -> int:
        return self._snapshot.version

    @property
    def tenants(self) -> TenantDirectory:
        return self._snapshot.tenants

    def swap(self, snapshot: Snapshot) -> None:
        with self._lock:
            self._snapshot = snapshot

    def reload(self, session: Session) -> None:
        self.swap(load_snapshot(session))

    def domain_of(self, tenant_code: str) -> str:
        return self._snapshot.tenants.domain(tenant_code)

    def enforce(self, subject: str, tenant_code: str, action: str) -> bool:
        domain = self.domain_of(tenant_code)
        with self._lock:
            return self._snapshot.casbin.enforce(subject, domain, action)

    def enforce_ex(self, subject: str, tenant_code: str, action: str) -> tuple[bool, list[str]]:
        domain = self.domain_of(tenant_code)
        with self._lock:
            allowed, rule = self._snapshot.casbin.enforce_ex(subject, domain, action)
        return bool(allowed), list(rule)

    def roles_in(self, subject: str, tenant_code: str) -> list[str]:
        domain = self.domain_of(tenant_code)
        with self._lock:
            return sorted(self._snapshot.casbin.get_role_manager().get_roles(subject, domain))

    def links_of(self, subject: str) -> list[Rule]:
        """The subject's role links as stored (`g, subject, role, domain`)."""
        return [r for r in self._snapshot.rules if r[0] == "g" and r[1] == subject]

    def allowed_tenants(self, subject: str, actions: Iterable[str]) -> frozenset[str]:
        """Codes of the tenants where the subject may do at least one of `actions`."""
        acts = tuple(actions)
        snap = self._snapshot
        out = set()
        with self._lock:
            for code, (_id, kind) in snap.tenants.by_code.items():
                domain = domain_for(kind, code)
                if any(snap.casbin.enforce(subject, domain, a) for a in acts):
                    out.add(code)
        return frozenset(out)
