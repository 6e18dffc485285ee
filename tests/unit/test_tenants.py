from __future__ import annotations

from sqlalchemy import func, select

from platform_core.models import Organisation, Tenant
from platform_core.tenancy import get_tenant, list_tenants, load_tenant_files, sync_tenants
from tests.conftest import ROOT


def test_tenant_file_lists_the_fourteen_anqing_tenants() -> None:
    defs = load_tenant_files(ROOT / "tenants")
    kinds = [t.kind for t in defs.tenants]
    assert len(defs.tenants) == 14
    assert kinds.count("city") == 1
    assert kinds.count("county") == 7
    assert kinds.count("district") == 3
    assert kinds.count("zone") == 3
    shorts = {t.short_name for t in defs.tenants if t.kind == "zone"}
    assert shorts == {"经开区", "高新区", "筑梦新区"}


def test_official_division_codes_match_the_reference_table() -> None:
    import csv

    with (ROOT.parent / "shared" / "reference" / "anqing_divisions.csv").open(encoding="utf-8") as fh:
        official = {r["name"]: r["code"] for r in csv.DictReader(fh) if r["code"]}
    defs = load_tenant_files(ROOT / "tenants")
    for t in defs.tenants:
        if t.division_code:
            assert official[t.name] == t.division_code


def test_sync_is_idempotent(city) -> None:
    with city.transaction() as session:
        report = sync_tenants(session, load_tenant_files(ROOT / "tenants"))
    assert report.created == [] and report.updated == []
    with city.read() as session:
        assert session.scalar(select(func.count()).select_from(Tenant)) == 14
        orgs = session.scalar(select(func.count()).select_from(Organisation))
        assert orgs == 14 + len(load_tenant_files(ROOT / "tenants").departments)
        assert [t.code for t in list_tenants(session)][0] == "340800"
        assert get_tenant(session, "高新区").code == "AQGX"
        assert get_tenant(session, "桐城市").kind == "county"
