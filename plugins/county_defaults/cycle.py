"""R22: no cramming. A year counts toward a cycle only up to a cap (default 2 × requirement)."""

from __future__ import annotations

from decimal import Decimal

from platform_core.api import PartRequirement, TenantInfo, hookimpl, setting_decimal


@hookimpl(trylast=True)
def ceplat_resolve_cycle_cap(
    part: PartRequirement, series: str, year: int, tenant: TenantInfo
) -> Decimal:
    factor = setting_decimal(tenant.settings_for("county_defaults"), "cycle_cap_factor", Decimal(2))
    return part.minimum * factor
