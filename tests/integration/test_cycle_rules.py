"""R3 + R21: a cycle that spans a rule change asks each year by the rule in force that year."""

from __future__ import annotations

from decimal import Decimal

from platform_core.evaluation import evaluate_person_cycle
from tests import factories as f


def test_r03_r21_teachers_cycle_across_the_2011_rule_change(city) -> None:
    with city.transaction() as s:
        teacher = f.person(s, "340822", "中小学教师", qualification="一级教师")
        for year in range(2009, 2014):
            f.hours(s, teacher, year, "professional", 60)
    with city.read() as s:
        cycle = evaluate_person_cycle(s, city.plugins, s.merge(teacher), 2009, 2013)
    # 2009–2010 under 教育部令第7号 (240 h / 5 years), 2011–2013 under 360 h / 5 years.
    assert cycle.professional.required == Decimal(48 * 2 + 72 * 3)
    assert cycle.professional.credited == Decimal(300)
    assert not cycle.complete and cycle.professional.missing == Decimal(12)
