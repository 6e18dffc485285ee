"""The annual and cycle rules, each test named after the rule it proves (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from platform_core.evaluation import evaluate_person_cycle, evaluate_person_year
from tests import factories as f


def _year(rt, p, year):
    with rt.read() as s:
        return evaluate_person_year(s, rt.plugins, s.merge(p), year)


def test_r02_ninety_hours_thirty_public_sixty_professional(city) -> None:
    with city.transaction() as s:
        done = f.person(s)
        f.hours(s, done, 2023, "public", 30)
        f.hours(s, done, 2023, "professional", 60)
        short = f.person(s)
        f.hours(s, short, 2023, "public", 30)
        f.hours(s, short, 2023, "professional", "59.5")
    ok = _year(city, done, 2023)
    assert ok.complete and ok.decided_by == "county_defaults"
    assert (ok.public.required, ok.professional.required) == (Decimal(30), Decimal(60))
    bad = _year(city, short, 2023)
    assert not bad.complete
    assert bad.public.complete
    assert bad.professional.missing == Decimal("0.5")


def test_r02_public_hours_do_not_fill_the_professional_part(city) -> None:
    with city.transaction() as s:
        p = f.person(s)
        f.hours(s, p, 2023, "public", 90)
    status = _year(city, p, 2023)
    assert status.public.earned == Decimal(90)
    assert status.professional.missing == Decimal(60)
    assert not status.complete


def test_r03_industry_override_decides_for_health_series(city) -> None:
    with city.transaction() as s:
        doctor = f.person(s, "340881", "卫生", qualification="主治医师")
    status = _year(city, doctor, 2023)
    assert status.decided_by == "health"
    assert status.professional.unit.value == "credits"
    assert status.public.decided_by == "county_defaults"


def test_r05_one_passed_topic_meets_the_public_requirement(city) -> None:
    with city.transaction() as s:
        p = f.person(s)
        f.public_pass(s, p, 2023, date(2023, 9, 1), "习近平法治思想")
        f.hours(s, p, 2023, "professional", 60)
    status = _year(city, p, 2023)
    assert status.public.earned == Decimal(30)
    assert status.complete
    assert [o.source for o in status.counted].count("public_pass") == 1


def test_r06_pass_dated_on_the_window_end_counts_for_2023(city) -> None:
    with city.transaction() as s:
        p = f.person(s)
        f.public_pass(s, p, 2023, date(2024, 3, 31))
    status = _year(city, p, 2023)
    assert status.public.complete
    assert status.refused == ()


def test_r06_pass_dated_after_the_window_does_not_count(city) -> None:
    with city.transaction() as s:
        p = f.person(s)
        f.public_pass(s, p, 2023, date(2024, 4, 1))
    status = _year(city, p, 2023)
    assert not status.public.complete
    assert [o.refusal.code for o in status.refused] == ["public_pass_outside_window"]
    assert "2024-03-31" in status.refused[0].refusal.message


def test_r07_2022_topic_passed_on_or_after_2023_04_01_is_rejected(city) -> None:
    with city.transaction() as s:
        p = f.person(s)
        f.public_pass(s, p, 2022, date(2023, 4, 1))
        q = f.person(s)
        f.public_pass(s, q, 2022, date(2023, 3, 31))
    late = _year(city, p, 2023)
    assert [o.refusal.code for o in late.refused] == ["public_topic_expired"]
    assert late.refused[0].refusal.rule == "R7"
    assert not late.public.complete
    # In its own year the late pass is outside the 2022 window too.
    assert not _year(city, p, 2022).public.complete
    # A pass on 2023-03-31 still counts, for 2022 (its topic's year), not for 2023.
    assert _year(city, q, 2022).public.complete
    early_2023 = _year(city, q, 2023)
    assert not early_2023.public.complete
    assert early_2023.refused == ()
    assert early_2023.noted[0].refusal.code == "public_pass_counts_for_topic_year"


def test_r12_hours_from_a_training_not_approved_do_not_count(city) -> None:
    with city.transaction() as s:
        p = f.person(s)
        approved = f.training(s, "approved")
        unfiled = f.training(s, "filed")
        rejected = f.training(s, "rejected")
        f.hours(s, p, 2023, "professional", 40, training=approved)
        f.hours(s, p, 2023, "professional", 20, training=unfiled)
        f.hours(s, p, 2023, "professional", 20, training=rejected)
        f.hours(s, p, 2023, "professional", 20)  # imported history: counts
    status = _year(city, p, 2023)
    assert status.professional.earned == Decimal(60)
    codes = [o.refusal.code for o in status.refused]
    assert codes == ["training_not_approved", "training_not_approved"]
    assert all(o.refusal.rule == "R12" for o in status.refused)


def test_r03_unit_mismatch_is_refused_with_a_reason(city) -> None:
    with city.transaction() as s:
        p = f.person(s, "340822", "会计", qualification="会计师")
        f.hours(s, p, 2023, "professional", 60, unit="hours")
    status = _year(city, p, 2023)
    assert status.professional.earned == 0
    assert status.refused[0].refusal.code == "unit_mismatch"


def test_r15_first_review_routing_county_vs_district_by_industry(city) -> None:
    from platform_core.profiles import person_view

    with city.transaction() as s:
        county = f.person(s, "340822", "卫生")
        district = f.person(s, "340802", "卫生")
        zone = f.person(s, "AQGX", "会计")
        city_unit = f.person(s, "340800", "经济")
    with city.read() as s:
        views = {
            k: person_view(s, city.plugins, s.merge(p), "340800")["first_review"]
            for k, p in {"county": county, "district": district, "zone": zone, "city": city_unit}.items()
        }
    assert views["county"]["kind"] == "county_bureau" and views["county"]["tenant"] == "340822"
    assert views["district"]["org_code"] == "AQ-WJW"
    assert views["zone"]["org_code"] == "AQ-CZJ"
    assert views["city"]["org_code"] == "AQ-TJJ"
    assert {v["decided_by"] for v in views.values()} == {"county_defaults"}


def test_r21_average_over_the_cycle_reaches_the_annual_requirement(city) -> None:
    with city.transaction() as s:
        p = f.person(s)
        for year, prof in zip(range(2019, 2024), (40, 80, 60, 70, 50), strict=True):
            f.hours(s, p, year, "public", 30)
            f.hours(s, p, year, "professional", prof)
    with city.read() as s:
        cycle = evaluate_person_cycle(s, city.plugins, s.merge(p), 2019, 2023)
    assert cycle.complete  # 300 professional over 5 years = 60 a year on average
    assert cycle.professional.required == Decimal(300)
    assert cycle.professional.average == Decimal("60.00")
    assert not cycle.years[0].annual.complete  # 2019 alone was short; the cycle still passes
    assert cycle.capped_years == []


def test_r22_hours_crammed_into_one_year_are_capped(city) -> None:
    with city.transaction() as s:
        p = f.person(s)
        for year in range(2019, 2024):
            f.hours(s, p, year, "public", 30)
        f.hours(s, p, 2023, "professional", 300)  # the whole cycle in one year
    with city.read() as s:
        cycle = evaluate_person_cycle(s, city.plugins, s.merge(p), 2019, 2023)
    last = cycle.years[-1]
    assert last.professional.cap == Decimal(120)
    assert last.professional.credited == Decimal(120)
    assert last.capped and cycle.capped_years == [2023]
    assert not cycle.complete
    assert cycle.professional.missing == Decimal(180)


def test_r06_a_pass_dated_before_its_topics_window_counts_nowhere(city) -> None:
    with city.transaction() as s:
        p = f.person(s)
        f.public_pass(s, p, 2023, date(2022, 12, 20))  # a 2023 topic "passed" before 2023 began
    early = _year(city, p, 2022)
    assert [o.refusal.code for o in early.refused] == ["public_pass_outside_window"]
    assert early.noted == () and not early.public.complete
    assert not _year(city, p, 2023).public.complete
