"""health in isolation: CME credits, I类/II类 minima, validation of categories (R3)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from platform_core.api import SubjectKind, Unit
from plugins.industry_overrides import health
from tests.plugins.plugin_support import CITY, record, tenant


@pytest.fixture
def host(host_with):
    return host_with(health)


def test_r03_health_requires_25_cme_credits_with_category_minima(host) -> None:
    req = host.requirement("卫生", 2023, CITY)
    prof = req.professional
    assert req.decided_by == "health"
    assert prof.unit is Unit.CREDITS
    assert prof.minimum == Decimal(25)
    assert dict(prof.category_minima) == {"I类": Decimal(5), "II类": Decimal(15)}
    assert prof.effective_from == 2007 and prof.effective_to is None
    assert "卫科教发〔2006〕11号" in prof.regulation
    assert prof.plugin_version == health.__version__


def test_r03_health_leaves_the_public_part_to_county_defaults(host) -> None:
    req = host.requirement("卫生", 2023, CITY)
    assert req.public.decided_by == "county_defaults"
    assert (req.public.unit, req.public.minimum) == (Unit.HOURS, Decimal(30))


@pytest.mark.parametrize("series", ["工程", "会计", "中小学教师"])
def test_r03_health_has_no_opinion_on_other_series(host, series: str) -> None:
    assert health.ceplat_resolve_professional_requirement(series, 2023, CITY) is None
    assert host.requirement(series, 2023, CITY).decided_by == "county_defaults"


def test_r03_years_before_the_rule_fall_back_to_the_defaults(host) -> None:
    assert host.requirement("卫生", 2006, CITY).decided_by == "county_defaults"
    assert host.requirement("卫生", 2007, CITY).decided_by == "health"


def test_r03_health_numbers_are_tenant_settings(host) -> None:
    t = tenant(settings={"health": {"annual_credits": 30, "category_i_min": "10",
                                    "category_ii_min": "20"}})
    prof = host.requirement("卫生", 2023, t).professional
    assert prof.minimum == Decimal(30)
    assert dict(prof.category_minima) == {"I类": Decimal(10), "II类": Decimal(20)}


def test_r03_health_disabled_for_a_tenant_gives_the_series_back_to_the_defaults(host) -> None:
    t = tenant("county", "340825", "太湖县", disabled=("health",))
    req = host.requirement("卫生", 2023, t)
    assert req.decided_by == "county_defaults"
    assert req.professional.unit is Unit.HOURS
    # A disabled plugin does not validate either.
    assert host.validate_hour_record(record("5"), req.professional, "卫生", t) == []


# -- validation ----------------------------------------------------------------------------


def _refusal_codes(host, rec, series: str = "卫生", t=CITY) -> list[str]:
    part = host.requirement(series, rec.year, t).professional
    return [r.code for r in host.validate_hour_record(rec, part, series, t)]


@pytest.mark.parametrize(("category", "amount", "codes"), [
    ("I类", "10", []),
    ("II类", "20", []),
    ("II类", "30", []),  # the per-project cap is a rule for I类 projects only
    ("I类", "25", []),
    ("I类", "25.5", ["cme_project_credits_over_cap"]),
    (None, "5", ["cme_category_missing"]),
    ("  ", "5", ["cme_category_missing"]),
    ("Ⅰ类", "5", ["cme_category_unknown"]),  # Roman-numeral character, not the letter I
    ("III类", "5", ["cme_category_unknown"]),
])
def test_r03_cme_record_categories(host, category, amount: str, codes: list[str]) -> None:
    assert _refusal_codes(host, record(amount, category=category)) == codes


def test_r03_refusals_carry_a_chinese_message_and_name_the_plugin(host) -> None:
    part = host.requirement("卫生", 2023, CITY).professional
    [refusal] = host.validate_hour_record(record("5"), part, "卫生", CITY)
    assert refusal.decided_by == "health"
    assert "I类" in refusal.message and "II类" in refusal.message
    assert "卫科教发〔2006〕11号" in refusal.rule


def test_r03_project_cap_is_a_tenant_setting(host) -> None:
    t = tenant(settings={"health": {"project_credit_cap": "10"}})
    assert _refusal_codes(host, record("12", category="I类"), t=t) == ["cme_project_credits_over_cap"]
    assert _refusal_codes(host, record("12", category="I类")) == []


def test_r03_hours_against_credits_are_left_to_the_core(host) -> None:
    # Unit mismatch is the core's refusal (unit_mismatch); the plugin must not report it twice.
    assert _refusal_codes(host, record("8", unit=Unit.HOURS)) == []


def test_r03_health_does_not_judge_other_series_or_public_records(host) -> None:
    assert _refusal_codes(host, record("60", unit=Unit.HOURS), series="工程") == []
    assert _refusal_codes(host, record("5", unit=Unit.CREDITS), series="会计") == []
    public = record("30", unit=Unit.HOURS, kind=SubjectKind.PUBLIC)
    part = host.requirement("卫生", 2023, CITY).public
    assert host.validate_hour_record(public, part, "卫生", CITY) == []


def test_r03_health_does_not_judge_years_before_its_rule(host) -> None:
    assert _refusal_codes(host, record("5", year=2005)) == []
