"""school_teachers: in-service training of primary and secondary school teachers (中小学教师) (R3).

Teachers' professional requirement is a multi-year cycle, not only an annual minimum: a cycle
total plus an annual floor, expressed as ``PartRequirement(cycle_years=5, cycle_total=…,
minimum=<annual floor>)``. The annual status checks the floor; the cycle report (R21) asks
for the cycle total.

Rule versions (effective-dated, R3):

1. 1999–2010 — 教育部《中小学教师继续教育规定》(教育部令第7号, 1999-09-13): 第七条 continuing
   education runs in five-year cycles (原则上每五年为一个培训周期); 第九条 在职教师岗位培训
   每五年累计不少于240学时. Verified from copies of the text. Annual floor 240 / 5 = 48 hours.
2. 2011 onward — 教育部《关于大力加强中小学教师培训工作的意见》(教师〔2011〕1号, January 2011):
   every teacher takes at least 360 hours of training in each five-year cycle (每五年一周期不少于
   360学时的全员培训). NOT verified in this session (no copy of the text was found through
   the search tool); 360 is the figure cited by secondary sources and kept as a setting.
   Annual floor 360 / 5 = 72 hours; Anhui's own floor (some provinces set 48 or 72) was not
   found, so the floor is a setting too.

Not modelled: the 30 hours of class-teacher (班主任) training per cycle and the 120 hours of
probation training for new teachers (令第7号 第九条), which need facts the plugin API does not
carry. R22's cap stays with ``county_defaults`` (2 × the annual floor).

Tenant settings (``plugin_settings.school_teachers``): ``cycle_total_hours`` (240 before
2011 per 令第7号 第九条; 360 from 2011 per 教师〔2011〕1号),
``annual_floor_hours`` (default ``cycle_total_hours`` / 5, rounded up to whole hours).
The cycle length (5 years, 令第7号 第七条) is the shape of the rule, not a tunable number: a
different length is a new rule version in ``RULES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from platform_core.api import (
    PartRequirement,
    PluginInfo,
    SubjectKind,
    TenantInfo,
    Unit,
    hookimpl,
    in_force,
    setting_decimal,
)

PLUGIN_NAME = "school_teachers"
__version__ = "1.0.0"
SERIES = "中小学教师"
REG_1999 = "教育部《中小学教师继续教育规定》（教育部令第7号）"
REG_2011 = "教育部《关于大力加强中小学教师培训工作的意见》（教师〔2011〕1号）"


@dataclass(frozen=True)
class TeacherRule:
    effective_from: int | None
    effective_to: int | None
    cycle_years: int
    cycle_total_hours: Decimal
    regulation: str


RULES: tuple[TeacherRule, ...] = (
    TeacherRule(1999, 2010, 5, Decimal(240),
                f"{REG_1999}第七条、第九条：每五年为一个培训周期，岗位培训累计不少于240学时"),
    TeacherRule(2011, None, 5, Decimal(360),
                f"{REG_2011}：每五年一周期，全员培训不少于360学时"),
)


def rule_for(year: int) -> TeacherRule | None:
    return in_force(RULES, year)


@hookimpl
def ceplat_register_plugin_info() -> PluginInfo:
    return PluginInfo(
        name=PLUGIN_NAME,
        version=__version__,
        title="中小学教师培训：五年一周期的周期总学时，另设年度最低学时",
        series=(SERIES,),
        regulation=f"{REG_1999}；{REG_2011}",
    )


@hookimpl
def ceplat_resolve_professional_requirement(
    series: str, year: int, tenant: TenantInfo
) -> PartRequirement | None:
    rule = rule_for(year)
    if series != SERIES or rule is None:
        return None
    settings = tenant.settings_for(PLUGIN_NAME)
    total = setting_decimal(settings, "cycle_total_hours", rule.cycle_total_hours)
    # The floor is the even share of the cycle, rounded up to whole hours (360 / 5 = 72 exactly).
    even_share = (total / rule.cycle_years).quantize(Decimal(1), rounding=ROUND_CEILING)
    return PartRequirement(
        SubjectKind.PROFESSIONAL,
        Unit.HOURS,
        setting_decimal(settings, "annual_floor_hours", even_share),
        cycle_years=rule.cycle_years,
        cycle_total=total,
        regulation=rule.regulation,
        effective_from=rule.effective_from,
        effective_to=rule.effective_to,
    )
