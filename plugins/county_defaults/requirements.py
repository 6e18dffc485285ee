"""R2: the annual minimum, 30 public + 60 professional hours."""

from __future__ import annotations

from decimal import Decimal

from platform_core.api import (
    PartRequirement,
    SubjectKind,
    TenantInfo,
    Unit,
    hookimpl,
    setting_decimal,
)

NAME = "county_defaults"
REGULATION = "人社部令第25号第八条；宜人社秘〔2023〕43号 三(一)：每年不少于90学时（公需30、专业60）"


@hookimpl(trylast=True)
def ceplat_resolve_public_requirement(series: str, year: int, tenant: TenantInfo) -> PartRequirement:
    hours = setting_decimal(tenant.settings_for(NAME), "public_hours", Decimal(30))
    return PartRequirement(SubjectKind.PUBLIC, Unit.HOURS, hours, regulation=REGULATION)


@hookimpl(trylast=True)
def ceplat_resolve_professional_requirement(
    series: str, year: int, tenant: TenantInfo
) -> PartRequirement:
    hours = setting_decimal(tenant.settings_for(NAME), "professional_hours", Decimal(60))
    return PartRequirement(SubjectKind.PROFESSIONAL, Unit.HOURS, hours, regulation=REGULATION)
