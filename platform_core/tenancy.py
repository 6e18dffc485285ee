"""Tenants as data: loading ``tenants/*.toml``, syncing them, reading them back."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_core.authz.actions import Action
from platform_core.authz.actors import Actor
from platform_core.authz.enforcer import PlatformEnforcer
from platform_core.authz.service import authorize
from platform_core.errors import ConfigurationError, NotFound
from platform_core.models import Organisation, OrgKind, Tenant, TenantKind
from platform_core.requirements import DepartmentInfo, TenantInfo


@dataclass(frozen=True)
class TenantDef:
    code: str
    name: str
    kind: str
    parent: str | None
    division_code: str | None
    short_name: str | None
    bureau: str
    note: str | None
    disabled_plugins: tuple[str, ...] = ()
    plugin_settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DepartmentDef:
    code: str
    name: str
    short_name: str | None
    series: tuple[str, ...]


@dataclass(frozen=True)
class TenantFile:
    city_code: str
    tenants: tuple[TenantDef, ...]
    departments: tuple[DepartmentDef, ...]


def load_tenant_files(directory: Path) -> TenantFile:
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise ConfigurationError(f"目录 {directory} 中没有租户定义文件（*.toml）",
                                 code="no_tenant_files")
    city_code = ""
    tenants: list[TenantDef] = []
    departments: list[DepartmentDef] = []
    for path in files:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        city_code = data.get("city", {}).get("code", city_code)
        for t in data.get("tenants", []):
            if t["kind"] not in {k.value for k in TenantKind}:
                raise ConfigurationError(f"{path.name}: 租户 {t['code']} 的类型 {t['kind']} 无效",
                                         code="bad_tenant_kind")
            tenants.append(TenantDef(
                code=t["code"], name=t["name"], kind=t["kind"], parent=t.get("parent"),
                division_code=t.get("division_code"), short_name=t.get("short_name"),
                bureau=t["bureau"], note=t.get("note"),
                disabled_plugins=tuple(t.get("disabled_plugins", ())),
                plugin_settings=dict(t.get("plugin_settings", {})),
            ))
        for d in data.get("industry_departments", []):
            departments.append(DepartmentDef(d["code"], d["name"], d.get("short_name"),
                                             tuple(d.get("series", ()))))
    codes = [t.code for t in tenants]
    if len(codes) != len(set(codes)):
        raise ConfigurationError("租户编码重复", code="duplicate_tenant_code")
    return TenantFile(city_code, tuple(tenants), tuple(departments))


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _apply(obj: Any, values: dict[str, Any]) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def sync_tenants(session: Session, defs: TenantFile, *, actor: Actor | None = None,
                 enforcer: PlatformEnforcer | None = None) -> SyncReport:
    """Create or update tenants, their bureaus and the city's departments. Idempotent.

    ``actor`` defaults to the system actor (deployment); a change is stamped (R24)."""
    actor = actor or Actor.system("setup")
    city_code = next((t.code for t in defs.tenants if t.kind == TenantKind.CITY), defs.city_code)
    authorize(enforcer, actor, Action.TENANT_MANAGE, city_code)
    report = SyncReport()
    existing = {t.code: t for t in session.scalars(select(Tenant))}
    city: Tenant | None = None
    for d in defs.tenants:
        values = {
            "name": d.name, "kind": d.kind, "parent_code": d.parent,
            "division_code": d.division_code, "short_name": d.short_name, "code_note": d.note,
            "disabled_plugins": list(d.disabled_plugins), "plugin_settings": d.plugin_settings,
        }
        tenant = existing.get(d.code)
        if tenant is None:
            tenant = Tenant(code=d.code, **values)
            session.add(tenant)
            report.created.append(d.code)
        elif _apply(tenant, values):
            report.updated.append(d.code)
        else:
            report.unchanged.append(d.code)
        session.flush()
        if d.kind == TenantKind.CITY:
            city = tenant
        _upsert_org(session, tenant, OrgKind.BUREAU, f"BUREAU-{d.code}", d.bureau, [])
    if defs.departments and city is None:
        raise ConfigurationError("定义了行业主管部门但没有市级租户", code="no_city_tenant")
    for dept in defs.departments:
        assert city is not None
        _upsert_org(session, city, OrgKind.INDUSTRY_DEPARTMENT, dept.code, dept.name,
                    list(dept.series))
    if report.created or report.updated:
        from platform_core import audit  # audit depends on authz, which reads tenants

        audit.stamp(session, actor, "tenant.sync", tenant_code=defs.city_code or None, object_type="tenants",
                    object_id="all", after={"created": report.created, "updated": report.updated})
    return report


def _upsert_org(session: Session, tenant: Tenant, kind: str, code: str, name: str,
                series: list[str]) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.code == code))
    if org is None:
        org = Organisation(tenant_id=tenant.id, kind=kind, code=code, name=name, series=series)
        session.add(org)
    else:
        _apply(org, {"tenant_id": tenant.id, "kind": kind, "name": name, "series": series})
    return org


def list_tenants(session: Session) -> list[Tenant]:
    return list(session.scalars(select(Tenant).order_by(Tenant.id)))


def get_tenant(session: Session, code_or_name: str) -> Tenant:
    """A tenant by code, full name or short name."""
    text = code_or_name.strip()
    tenant = session.scalar(select(Tenant).where(
        (Tenant.code == text) | (Tenant.name == text) | (Tenant.short_name == text)))
    if tenant is None:
        raise NotFound(f"找不到租户「{text}」", code="tenant_not_found")
    return tenant


def tenant_info(tenant: Tenant, city_code: str = "340800") -> TenantInfo:
    return TenantInfo(
        code=tenant.code, kind=tenant.kind, name=tenant.name, city_code=city_code,
        plugin_settings=dict(tenant.plugin_settings or {}),
        disabled_plugins=tuple(tenant.disabled_plugins or ()),
    )


def departments(session: Session) -> list[DepartmentInfo]:
    rows = session.execute(
        select(Organisation, Tenant.code).join(Tenant, Tenant.id == Organisation.tenant_id)
        .where(Organisation.kind == OrgKind.INDUSTRY_DEPARTMENT).order_by(Organisation.id))
    return [DepartmentInfo(o.code or "", o.name, tuple(o.series or ()), code) for o, code in rows]


def tenant_code_of(session: Session, tenant_id: int) -> str:
    code = session.scalar(select(Tenant.code).where(Tenant.id == tenant_id))
    if code is None:
        raise NotFound(f"找不到租户 #{tenant_id}", code="tenant_not_found")
    return code
