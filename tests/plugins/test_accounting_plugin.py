"""accounting in isolation: 60 professional credits, no carry-over (cap 1×), in force from 2018."""

from __future__ import annotations

from decimal import Decimal

import pytest

from platform_core.api import Unit
from plugins.industry_overrides import accounting
from tests.plugins.plugin_support import CITY, record, tenant


@pytest.fixture
def host(host_with):
    return host_with(accounting)


def test_r03_accounting_professional_part_is_two_thirds_of_90_credits(host) -> None:
    req = host.requirement("会计", 2023, CITY)
    assert req.decided_by == "accounting"
    assert req.professional.unit is Unit.CREDITS
    assert req.professional.minimum == Decimal(60)
    assert str(req.professional.minimum) == "60"  # exact, not 60.000…001
    assert "财会〔2018〕10号" in req.professional.regulation
    assert req.professional.effective_from == 2018


def test_r03_accounting_public_part_stays_with_county_defaults(host) -> None:
    req = host.requirement("会计", 2023, CITY)
    assert req.public.decided_by == "county_defaults"
    assert (req.public.unit, req.public.minimum) == (Unit.HOURS, Decimal(30))


@pytest.mark.parametrize(("year", "decided_by", "unit", "minimum"), [
    (2017, "county_defaults", Unit.HOURS, Decimal(60)),  # before 财会〔2018〕10号
    (2018, "accounting", Unit.CREDITS, Decimal(60)),  # in force on 31 Dec 2018 → judges 2018
    (2030, "accounting", Unit.CREDITS, Decimal(60)),
])
def test_r03_accounting_rule_is_effective_dated(host, year, decided_by, unit, minimum) -> None:
    prof = host.requirement("会计", year, CITY).professional
    assert (prof.decided_by, prof.unit, prof.minimum) == (decided_by, unit, minimum)


def test_r03_accounting_has_no_opinion_on_other_series(host) -> None:
    assert accounting.ceplat_resolve_professional_requirement("审计", 2023, CITY) is None
    assert host.requirement("审计", 2023, CITY).decided_by == "county_defaults"


def test_r03_accounting_numbers_are_tenant_settings(host) -> None:
    total = tenant(settings={"accounting": {"annual_credits": "100"}})
    # 100 × 2/3 = 66.67: "不少于" 2/3 rounds up to whole credits.
    assert host.requirement("会计", 2023, total).professional.minimum == Decimal(67)
    direct = tenant(settings={"accounting": {"professional_credits": "72"}})
    assert host.requirement("会计", 2023, direct).professional.minimum == Decimal(72)


def test_r22_accounting_credits_cannot_be_carried_over_so_the_cap_is_one_year(host) -> None:
    req = host.requirement("会计", 2021, CITY)
    assert host.cycle_cap(req.professional, "会计", 2021, CITY) == (Decimal(60), "accounting")
    # The carry-over ban covers all of an accountant's continuing-education credits.
    assert host.cycle_cap(req.public, "会计", 2021, CITY) == (Decimal(30), "accounting")


def test_r22_other_series_and_earlier_years_keep_the_default_cap(host) -> None:
    eng = host.requirement("工程", 2021, CITY)
    assert host.cycle_cap(eng.professional, "工程", 2021, CITY) == (Decimal(120), "county_defaults")
    old = host.requirement("会计", 2017, CITY)
    assert host.cycle_cap(old.professional, "会计", 2017, CITY) == (Decimal(120), "county_defaults")


def test_r22_accounting_cap_factor_is_a_tenant_setting(host) -> None:
    t = tenant(settings={"accounting": {"cycle_cap_factor": 2}})
    req = host.requirement("会计", 2021, t)
    assert host.cycle_cap(req.professional, "会计", 2021, t) == (Decimal(120), "accounting")


def test_r22_accounting_disabled_for_a_tenant_restores_the_default_cap(host) -> None:
    t = tenant(disabled=("accounting",))
    req = host.requirement("会计", 2021, t)
    assert req.decided_by == "county_defaults"
    assert host.cycle_cap(req.professional, "会计", 2021, t) == (Decimal(120), "county_defaults")


def test_r03_accounting_adds_no_record_validation(host) -> None:
    part = host.requirement("会计", 2023, CITY).professional
    assert host.validate_hour_record(record("90"), part, "会计", CITY) == []
