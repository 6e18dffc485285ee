"""R17/R23: compliance by tenant from the recorded statuses, on screen, as JSON and on paper."""

from __future__ import annotations

import openpyxl
import pytest

from platform_core import users
from platform_core.authz import Actor, PlatformEnforcer
from platform_core.authz.adapter import sync_policy
from platform_core.compliance import compliance_report, write_xlsx
from platform_core.errors import PermissionDenied
from platform_core.users import resolve_actor
from platform_core.verification import plan_verification, run_job_inline
from tests import factories as f

SYSTEM = Actor.system("test")


@pytest.fixture
def verified(city):
    with city.transaction() as s:
        sync_policy(s)
        done = f.person(s, "340822")
        f.hours(s, done, 2023, "public", 30)
        f.hours(s, done, 2023, "professional", 60)
        f.person(s, "340822")  # nothing recorded
        short = f.person(s, "340881")
        f.hours(s, short, 2023, "public", 30)
        users.add_user(s, None, SYSTEM, username="hn", role="county_reviewer", tenant_code="340822",
                       org_code="BUREAU-340822")
        users.add_user(s, None, SYSTEM, username="wjw", role="industry_reviewer", tenant_code="340800",
                       org_code="AQ-WJW")
        f.person(s, "340802", "卫生")
        f.person(s, "340802", "工程")
        job = plan_verification(s, SYSTEM, 2023)
    run_job_inline(city.sessions, city.plugins, job.id)
    return city


def test_r23_counts_by_tenant_come_from_the_verified_statuses(verified, tmp_path) -> None:
    with verified.read() as s:
        report = compliance_report(s, None, SYSTEM, 2023)
    by_code = {t.code: t for t in report.tenants}
    assert len(report.tenants) == 14
    hn, tc = by_code["340822"], by_code["340881"]
    assert (hn.persons, hn.complete, hn.public_short, hn.professional_short) == (2, 1, 1, 1)
    assert (tc.persons, tc.complete, tc.public_short, tc.professional_short) == (1, 0, 0, 1)
    assert str(hn.completion_rate) == "50.0"
    assert (report.total.persons, report.total.complete) == (5, 1)
    path = write_xlsx(report, tmp_path / "c.xlsx")
    ws = openpyxl.load_workbook(path).active
    assert ws["A1"].value.startswith("安庆市专业技术人员继续教育 2023")
    assert [c.value for c in ws[2]][:3] == ["租户", "人数", "已完成"]
    assert ws.cell(ws.max_row, 1).value == "合计" and ws.cell(ws.max_row, 2).value == 5
    assert ws.page_setup.orientation == "landscape"


def test_r17_a_county_bureau_reports_only_its_own_county(verified) -> None:
    with verified.read() as s:
        hn = resolve_actor(s, "hn")
        enforcer = PlatformEnforcer.load(s)
        own = compliance_report(s, enforcer, hn, 2023, ["340822"])
        assert [t.code for t in own.tenants] == ["340822"]
        with pytest.raises(PermissionDenied):
            compliance_report(s, enforcer, hn, 2023, ["340881"])
        with pytest.raises(PermissionDenied):
            compliance_report(s, enforcer, hn, 2023)


def test_r15_an_industry_department_counts_only_its_own_series(verified) -> None:
    with verified.read() as s:
        wjw = resolve_actor(s, "wjw")
        report = compliance_report(s, PlatformEnforcer.load(s), wjw, 2023, ["340802"])
    assert [(t.code, t.persons) for t in report.tenants] == [("340802", 1)]  # the nurse, not the engineer


def test_r17_an_employer_is_told_which_of_its_own_staff_have_not_completed(city) -> None:
    from platform_core.compliance import incomplete_persons
    from platform_core.models import Organisation

    with city.transaction() as s:
        sync_policy(s)
        hospital = Organisation(tenant_id=f.tenant(s, "340822").id, kind="employer", code="EMP-HN-1",
                                name="怀宁县人民医院")
        s.add(hospital)
        s.flush()
        mine_short, mine_done, other_short = (f.person(s, "340822", "卫生") for _ in range(3))
        mine_short.employer_id = mine_done.employer_id = hospital.id
        f.hours(s, mine_done, 2023, "public", 30)
        f.hours(s, mine_done, 2023, "professional", 10, unit="credits", category="I类")
        f.hours(s, mine_done, 2023, "professional", 15, unit="credits", category="II类")
        users.add_user(s, None, SYSTEM, username="hr", role="employer_hr", tenant_code="340822",
                       org_code="EMP-HN-1")
        job = plan_verification(s, SYSTEM, 2023)
    run_job_inline(city.sessions, city.plugins, job.id)
    with city.read() as s:
        hr = resolve_actor(s, "hr")
        listed = incomplete_persons(s, PlatformEnforcer.load(s), hr, 2023)
        everyone = incomplete_persons(s, PlatformEnforcer.load(s), SYSTEM, 2023)
    masked = mine_short.id_number[:6] + "********" + mine_short.id_number[14:]
    assert [p.id_number for p in listed] == [masked]
    assert listed[0].employer == "怀宁县人民医院" and listed[0].public_missing == 30
    assert len(everyone) == 2  # the city office sees the other employer's nurse as well
    assert other_short.id_number not in {p.id_number for p in listed}
