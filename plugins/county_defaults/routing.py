"""R15: who does the first review (初审) of a person's annual record."""

from __future__ import annotations

from collections.abc import Sequence

from platform_core.api import DepartmentInfo, PersonFacts, ReviewAuthority, TenantInfo, hookimpl


@hookimpl(trylast=True)
def ceplat_resolve_first_review_authority(
    person: PersonFacts, tenant: TenantInfo, departments: Sequence[DepartmentInfo]
) -> ReviewAuthority:
    if tenant.kind == "county":
        return ReviewAuthority("county_bureau", tenant.code, None, f"{tenant.name}人社局")
    for dept in departments:
        if person.series in dept.series:
            return ReviewAuthority("industry_department", dept.tenant_code, dept.code, dept.name)
    # No department governs the series: the city office reviews it itself.
    return ReviewAuthority("city_office", tenant.city_code, None, "市人社局专业技术人员管理办公室")
