"""The industry plugins seen through the core's pure evaluation (assess_year / assess_cycle).

Each test uses a host with county_defaults and one industry plugin only, and no database.
"""

from __future__ import annotations

from decimal import Decimal

from platform_core.api import HourFacts, SubjectKind, Unit
from platform_core.evaluation import PersonFacts, assess_cycle, assess_year
from plugins.industry_overrides import accounting, health, school_teachers
from tests.plugins.plugin_support import CITY, record


def public(year: int = 2023) -> HourFacts:
    return record("30", unit=Unit.HOURS, kind=SubjectKind.PUBLIC, year=year)


def person(series: str, records: list[HourFacts]) -> PersonFacts:
    numbered = [HourFacts(i, r.year, r.kind, r.amount, r.unit, r.category, r.project_name, r.source)
                for i, r in enumerate(records, start=1)]
    return PersonFacts(person_id=1, id_number="340803199001010000", name="测试", series=series,
                       tenant=CITY, records=numbered)


def test_r03_cme_categories_cannot_substitute_for_each_other(host_with) -> None:
    host = host_with(health)
    only_ii = person("卫生", [public(), record("25", category="II类")])
    status = assess_year(only_ii, 2023, host)
    assert status.decided_by == "health"
    assert status.professional.earned == Decimal(25)  # the annual total is met …
    assert status.professional.categories["I类"].missing == Decimal(5)  # … but not I类
    assert not status.complete

    mixed = person("卫生", [public(), record("5", category="I类"),
                            record("20", category="II类")])
    assert assess_year(mixed, 2023, host).complete


def test_r03_cme_records_are_refused_with_reasons(host_with) -> None:
    host = host_with(health)
    p = person("卫生", [record("10"), record("8", unit=Unit.HOURS), record("26", category="I类"),
                        record("15", category="II类")])
    status = assess_year(p, 2023, host)
    codes = sorted((o.refusal.code, o.refusal.decided_by) for o in status.refused if o.refusal)
    assert codes == [("cme_category_missing", "health"), ("cme_project_credits_over_cap", "health"),
                     ("unit_mismatch", "core")]
    assert status.professional.earned == Decimal(15)


def test_r22_accountants_get_no_credit_for_a_year_above_the_minimum(host_with) -> None:
    host = host_with(accounting)
    years = range(2019, 2024)
    records = [public(y) for y in years]
    records += [record("120", year=2019)] + [record("60", year=y) for y in (2020, 2021, 2022)]
    cycle = assess_cycle(person("会计", records), 2019, 2023, host)
    # 2019's extra 60 credits cannot make up for 2023's empty year (不得结转).
    assert cycle.capped_years == [2019]
    assert cycle.years[0].professional.credited == Decimal(60)
    assert cycle.professional.required == Decimal(300)
    assert cycle.professional.credited == Decimal(240)
    assert not cycle.complete


def test_r21_teachers_are_judged_on_the_five_year_cycle_total(host_with) -> None:
    host = host_with(school_teachers)
    years = range(2019, 2024)
    passes = [public(y) for y in years]
    steady = [record("72", unit=Unit.HOURS, year=y) for y in years]
    cycle = assess_cycle(person("中小学教师", passes + steady), 2019, 2023, host)
    assert cycle.professional.required == Decimal(360)
    assert cycle.complete
    assert cycle.decided_by == "school_teachers"

    crammed = [record("180", unit=Unit.HOURS, year=y) for y in (2022, 2023)]
    cycle = assess_cycle(person("中小学教师", passes + crammed), 2019, 2023, host)
    assert cycle.capped_years == [2022, 2023]  # 2 × the 72-hour floor
    assert cycle.professional.credited == Decimal(288)
    assert not cycle.complete
