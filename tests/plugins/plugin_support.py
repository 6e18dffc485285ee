"""Helpers for plugin tests: tenants, hour records and the city's departments as plain values."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from platform_core.api import DepartmentInfo, HourFacts, SubjectKind, TenantInfo, Unit
from platform_core.tenancy import load_tenant_files
from tests.conftest import ROOT


def tenant(kind: str = "city", code: str = "340800", name: str = "安庆市",
           settings: Mapping[str, Mapping[str, Any]] | None = None,
           disabled: tuple[str, ...] = ()) -> TenantInfo:
    return TenantInfo(code=code, kind=kind, name=name, plugin_settings=dict(settings or {}),
                      disabled_plugins=disabled)


CITY = tenant()


def record(amount: str, *, unit: Unit = Unit.CREDITS, category: str | None = None, year: int = 2023,
           kind: SubjectKind = SubjectKind.PROFESSIONAL, record_id: int = 1) -> HourFacts:
    return HourFacts(record_id=record_id, year=year, kind=kind, amount=Decimal(amount), unit=unit,
                     category=category, project_name="测试项目", source="test")


def city_departments() -> list[DepartmentInfo]:
    """The city's industry departments exactly as tenants/anqing.toml declares them."""
    defs = load_tenant_files(ROOT / "tenants")
    return [DepartmentInfo(d.code, d.name, d.series, defs.city_code) for d in defs.departments]
