"""county_defaults on its own: R2, R15, R22's default cap, R20's format, tenant settings."""

from __future__ import annotations

from decimal import Decimal

import pytest

from platform_core.api import PersonFacts, SubjectKind, Unit
from platform_core.errors import ConfigurationError
from tests.plugins.plugin_support import CITY, city_departments, tenant

COUNTY = tenant("county", "340822", "怀宁县")
DISTRICT = tenant("district", "340803", "大观区")
ZONE = tenant("zone", "AQGX", "高新区")


def person(series: str, t=CITY) -> PersonFacts:
    return PersonFacts(person_id=1, series=series, qualification=None, tenant_code=t.code,
                       tenant_kind=t.kind)


def test_r02_annual_minimum_is_30_public_plus_60_professional_hours(host_with) -> None:
    req = host_with().requirement("工程", 2023, CITY)
    assert (req.public.kind, req.public.unit, req.public.minimum) == (
        SubjectKind.PUBLIC, Unit.HOURS, Decimal(30))
    assert (req.professional.kind, req.professional.unit, req.professional.minimum) == (
        SubjectKind.PROFESSIONAL, Unit.HOURS, Decimal(60))
    assert req.public.minimum + req.professional.minimum == Decimal(90)
    assert req.decided_by == "county_defaults"
    assert req.public.decided_by == "county_defaults"
    assert req.professional.plugin_version == "1.0.0"
    assert "人社部令第25号" in req.professional.regulation


@pytest.mark.parametrize("series", ["卫生", "会计", "中小学教师", "艺术"])
def test_r02_without_overrides_every_series_gets_the_default(host_with, series: str) -> None:
    req = host_with().requirement(series, 2023, CITY)
    assert req.professional.minimum == Decimal(60) and req.professional.unit is Unit.HOURS
    assert req.decided_by == "county_defaults"


def test_r02_tenant_settings_override_the_default_hours(host_with) -> None:
    t = tenant(settings={"county_defaults": {"professional_hours": "72", "public_hours": 24}})
    req = host_with().requirement("工程", 2023, t)
    assert req.professional.minimum == Decimal(72)
    assert req.public.minimum == Decimal(24)
    # Another tenant without the setting keeps the defaults: settings never leak across tenants.
    assert host_with().requirement("工程", 2023, COUNTY).professional.minimum == Decimal(60)


def test_r02_a_setting_that_is_not_a_number_is_a_configuration_error(host_with) -> None:
    t = tenant(settings={"county_defaults": {"professional_hours": "六十"}})
    with pytest.raises(ConfigurationError) as exc:
        host_with().requirement("工程", 2023, t)
    assert exc.value.code == "bad_plugin_setting"


def test_county_defaults_disabled_for_a_tenant_leaves_no_answer(host_with) -> None:
    t = tenant(disabled=("county_defaults",))
    with pytest.raises(ConfigurationError) as exc:
        host_with().requirement("工程", 2023, t)
    assert exc.value.code == "no_requirement"
    # Disabling is per tenant: the city still gets its answer from the same host.
    assert host_with().requirement("工程", 2023, CITY).decided_by == "county_defaults"


# -- R15 routing -------------------------------------------------------------------------


def test_r15_county_persons_are_first_reviewed_by_their_county_bureau(host_with) -> None:
    authority = host_with().first_review_authority(person("卫生", COUNTY), COUNTY, city_departments())
    assert authority.kind == "county_bureau"
    assert authority.tenant_code == "340822"
    assert authority.name == "怀宁县人社局"
    assert authority.decided_by == "county_defaults"


@pytest.mark.parametrize("t", [CITY, DISTRICT, ZONE], ids=["city", "district", "zone"])
@pytest.mark.parametrize(("series", "dept"), [("卫生", "AQ-WJW"), ("中小学教师", "AQ-JYJ"),
                                               ("会计", "AQ-CZJ"), ("工程", "AQ-ZJJ")])
def test_r15_city_district_and_zone_persons_go_to_the_city_industry_department(
        host_with, t, series: str, dept: str) -> None:
    authority = host_with().first_review_authority(person(series, t), t, city_departments())
    assert authority.kind == "industry_department"
    assert authority.org_code == dept
    assert authority.tenant_code == "340800"  # the department is the city's, not the district's


@pytest.mark.parametrize("t", [CITY, DISTRICT, ZONE], ids=["city", "district", "zone"])
def test_r15_without_a_department_for_the_series_the_city_office_reviews(host_with, t) -> None:
    # 翻译 has no industry department in tenants/anqing.toml.
    assert not any("翻译" in d.series for d in city_departments())
    authority = host_with().first_review_authority(person("翻译", t), t, city_departments())
    assert authority.kind == "city_office"
    assert authority.tenant_code == "340800"
    assert authority.org_code is None


def test_r15_county_persons_never_go_to_a_city_department(host_with) -> None:
    for series in ("卫生", "翻译", "会计"):
        authority = host_with().first_review_authority(person(series, COUNTY), COUNTY,
                                                       city_departments())
        assert authority.kind == "county_bureau"


# -- R22 cap and R20 format -----------------------------------------------------------------


def test_r22_default_cap_is_twice_the_years_requirement_per_subject_kind(host_with) -> None:
    host = host_with()
    req = host.requirement("工程", 2021, CITY)
    assert host.cycle_cap(req.professional, "工程", 2021, CITY) == (Decimal(120), "county_defaults")
    assert host.cycle_cap(req.public, "工程", 2021, CITY) == (Decimal(60), "county_defaults")


def test_r22_cap_factor_is_a_tenant_setting(host_with) -> None:
    host = host_with()
    t = tenant(settings={"county_defaults": {"cycle_cap_factor": "1.5"}})
    req = host.requirement("工程", 2021, t)
    cap, _ = host.cycle_cap(req.professional, "工程", 2021, t)
    assert cap == Decimal("90.0")


def test_r20_default_certificate_number_format(host_with) -> None:
    fmt, decided_by = host_with().certificate_number_format("工程", 2023)
    assert fmt == "{city}{series_code}{year:04d}{seq:06d}"
    assert decided_by == "county_defaults"
    number = fmt.format(city="340800", series_code="05", year=2023, seq=42)
    assert number == "340800052023000042"
    assert len(number) == 18
