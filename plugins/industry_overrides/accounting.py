"""accounting: continuing education of accountants (会计专业技术人员) for the 会计 series (R3).

Regulation: 财政部 人力资源社会保障部《会计专业技术人员继续教育规定》(财会〔2018〕10号, issued
2018-05-19, in force from 2018-07-01):

- 第十二条: credit system (学分制管理); at least 90 credits a year, of which professional subjects
  (专业科目) generally at least two thirds; credits are valid nationwide in the year earned only
  and may not be carried over to later years (当年度有效，不得结转以后年度).
  (Some summaries cite the 90-credit rule as 第十一条; the copies read here put the annual
  minimum and the carry-over ban together in 第十二条 and the credit conversions — exam
  subject 90, conference 10/day, degree course 90, research 90/60, paper 30/10, book 90/60 — in
  第十三条. Check the article number against the official MOF text before quoting it.)
- The regulation took effect on 2018-07-01 and replaced 《会计人员继续教育规定》(财会〔2013〕18号,
  24 credits a year, not modelled here).

Decisions (documented in README.md):
- Professional part: 90 × 2/3 = 60 credits (学分). The public part (公需科目) stays with
  ``county_defaults``: in Anhui public subjects are the province-wide HRSS online topics with
  their pass certificates (R4–R7) for every series, and 90 − 60 = 30 matches them.
- Year 2018: a year is judged by the rule in force on its last day, so 2018 is judged by this
  regulation (90 credits), though it took effect mid-year. Years before 2018 get no answer from
  this plugin and fall back to ``county_defaults``.
- R22 cycle cap: credits cannot be carried over, so a year counts toward a title cycle only up
  to 1 × that year's minimum, for both parts of an accountant's year.

Tenant settings (``plugin_settings.accounting``): ``annual_credits`` (90, 第十二条),
``professional_credits`` (default ``annual_credits`` × 2/3, 第十二条), ``cycle_cap_factor``
(1, 第十二条 不得结转).
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

PLUGIN_NAME = "accounting"
__version__ = "1.0.0"
SERIES = "会计"
REGULATION = "财政部 人力资源社会保障部《会计专业技术人员继续教育规定》（财会〔2018〕10号）"


@dataclass(frozen=True)
class AccountingRule:
    effective_from: int | None
    effective_to: int | None
    annual_credits: Decimal  # 每年不少于90学分
    # 专业科目一般不少于总学分的三分之二: kept as a fraction so 90 × 2/3 is exactly 60.
    professional_share: tuple[int, int]
    cycle_cap_factor: Decimal  # 当年度有效，不得结转以后年度
    regulation: str


RULES: tuple[AccountingRule, ...] = (
    AccountingRule(2018, None, Decimal(90), (2, 3), Decimal(1),
                   f"{REGULATION}第十二条：每年≥90学分，专业科目不少于2/3，学分当年度有效、不得结转"),
)


def rule_for(year: int) -> AccountingRule | None:
    return in_force(RULES, year)


@hookimpl
def ceplat_register_plugin_info() -> PluginInfo:
    return PluginInfo(
        name=PLUGIN_NAME,
        version=__version__,
        title="会计专业技术人员继续教育：学分制，专业科目不少于2/3，学分不得结转",
        series=(SERIES,),
        regulation=REGULATION,
    )


@hookimpl
def ceplat_resolve_professional_requirement(
    series: str, year: int, tenant: TenantInfo
) -> PartRequirement | None:
    rule = rule_for(year)
    if series != SERIES or rule is None:
        return None
    settings = tenant.settings_for(PLUGIN_NAME)
    total = setting_decimal(settings, "annual_credits", rule.annual_credits)
    num, den = rule.professional_share
    # "不少于" 2/3: round up to whole credits (a tenant total of 100 asks 67, never 66).
    default_professional = (total * num / den).quantize(Decimal(1), rounding=ROUND_CEILING)
    return PartRequirement(
        SubjectKind.PROFESSIONAL,
        Unit.CREDITS,
        setting_decimal(settings, "professional_credits", default_professional),
        regulation=rule.regulation,
        effective_from=rule.effective_from,
        effective_to=rule.effective_to,
    )


@hookimpl
def ceplat_resolve_cycle_cap(
    part: PartRequirement, series: str, year: int, tenant: TenantInfo
) -> Decimal | None:
    rule = rule_for(year)
    if series != SERIES or rule is None:
        return None
    factor = setting_decimal(tenant.settings_for(PLUGIN_NAME), "cycle_cap_factor", rule.cycle_cap_factor)
    return part.minimum * factor
