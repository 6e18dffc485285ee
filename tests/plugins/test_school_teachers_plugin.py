"""school_teachers in isolation: a five-year cycle total with an annual floor, effective-dated."""

from __future__ import annotations

from decimal import Decimal

import pytest

from platform_core.api import Unit
from plugins.industry_overrides import school_teachers
from tests.plugins.plugin_support import CITY, tenant


@pytest.fixture
def host(host_with):
    return host_with(school_teachers)


def test_r03_teachers_need_360_hours_per_five_year_cycle_with_a_72_hour_floor(host) -> None:
    req = host.requirement("中小学教师", 2023, CITY)
    prof = req.professional
    assert req.decided_by == "school_teachers"
    assert prof.unit is Unit.HOURS
    assert (prof.cycle_years, prof.cycle_total, prof.minimum) == (5, Decimal(360), Decimal(72))
    assert "教师〔2011〕1号" in prof.regulation
    assert req.public.decided_by == "county_defaults"


@pytest.mark.parametrize(("year", "total", "floor", "regulation"), [
    (1999, Decimal(240), Decimal(48), "教育部令第7号"),
    (2010, Decimal(240), Decimal(48), "教育部令第7号"),
    (2011, Decimal(360), Decimal(72), "教师〔2011〕1号"),
    (2025, Decimal(360), Decimal(72), "教师〔2011〕1号"),
])
def test_r03_each_year_is_judged_by_the_teacher_rule_in_force(host, year, total, floor, regulation) -> None:
    prof = host.requirement("中小学教师", year, CITY).professional
    assert (prof.cycle_total, prof.minimum, prof.cycle_years) == (total, floor, 5)
    assert regulation in prof.regulation


def test_r03_before_1999_the_defaults_decide(host) -> None:
    req = host.requirement("中小学教师", 1998, CITY)
    assert req.decided_by == "county_defaults"
    assert req.professional.cycle_years is None


def test_r03_teachers_plugin_has_no_opinion_on_other_teachers(host) -> None:
    for series in ("中等职业学校教师", "高等学校教师"):
        assert school_teachers.ceplat_resolve_professional_requirement(series, 2023, CITY) is None
        assert host.requirement(series, 2023, CITY).decided_by == "county_defaults"


def test_r03_teacher_numbers_are_tenant_settings(host) -> None:
    floor = tenant(settings={"school_teachers": {"annual_floor_hours": "48"}})
    prof = host.requirement("中小学教师", 2023, floor).professional
    assert (prof.cycle_total, prof.minimum) == (Decimal(360), Decimal(48))
    total = tenant(settings={"school_teachers": {"cycle_total_hours": "301"}})
    prof = host.requirement("中小学教师", 2023, total).professional
    # 301 / 5 = 60.2: the even share rounds up to whole hours.
    assert (prof.cycle_total, prof.minimum) == (Decimal(301), Decimal(61))


def test_r22_teachers_keep_the_default_cap_on_their_annual_floor(host) -> None:
    part = host.requirement("中小学教师", 2023, CITY).professional
    assert host.cycle_cap(part, "中小学教师", 2023, CITY) == (Decimal(144), "county_defaults")


def test_r03_teachers_plugin_disabled_for_a_tenant(host) -> None:
    t = tenant("zone", "AQZM", "筑梦新区", disabled=("school_teachers",))
    prof = host.requirement("中小学教师", 2023, t).professional
    assert prof.decided_by == "county_defaults" and prof.cycle_years is None
