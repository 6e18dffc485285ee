"""health: continuing medical education (继续医学教育, CME) for the 卫生 series (R3).

Regulation: 卫生部《继续医学教育学分授予与管理办法》(卫科教发〔2006〕11号), 学分要求 and 学分授予:

- CME is counted in credits (学分), not hours.
- Each year at least 25 credits, of which category I (I类) 5–10 and category II (II类) 15–20;
  the two categories cannot substitute for each other (两类学分不可互相替代).
  We read the ranges' lower bounds as the category minima (I类 ≥ 5, II类 ≥ 15); the other
  5 credits may come from either category.
- I类 credit award: national projects 3 hours = 1 credit (speakers 2 per hour), provincial
  projects 6 hours = 1 credit (speakers 1 per hour); "上述每个项目所授学分数，最多不超过25学分"
  — one project yields at most 25 credits. We refuse an I类 record above that cap.

Verified (search, 2024 copies of the text quoting the 办法): 25 credits, I类 5–10, II类 15–20,
no substitution, 25 credits per project. Not verified: the article numbers inside the 办法 and
its exact date of effect — we treat it as in force from 2007 (first full year after issue),
so earlier years fall back to ``county_defaults``. The 5-year rule for provincial units and
tertiary hospitals (10 national credits per 5 years) is not modelled (no facility level in
``PersonFacts``).

Decisions (documented in README.md):
- Only the professional part (专业科目) is overridden. Public subjects (公需科目, 30 hours a year)
  are Anhui's rule for all professional technical personnel and stay with ``county_defaults``.
- Units: a record in hours against this credit requirement is refused by the core
  (``unit_mismatch``); this plugin does not duplicate that check.
- Category spelling: ``I类`` / ``II类`` exactly (ASCII capitals), as the evaluation sums by the
  category string; anything else is refused with ``cme_category_unknown``.

Tenant settings (``plugin_settings.health``), every one a number from the 办法:
``annual_credits`` (25), ``category_i_min`` (5), ``category_ii_min`` (15),
``project_credit_cap`` (25).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from platform_core.api import (
    HourFacts,
    PartRequirement,
    PluginInfo,
    Refusal,
    SubjectKind,
    TenantInfo,
    Unit,
    hookimpl,
    in_force,
    setting_decimal,
)

PLUGIN_NAME = "health"
__version__ = "1.0.0"
SERIES = "卫生"
CATEGORY_I = "I类"
CATEGORY_II = "II类"
REGULATION = "卫生部《继续医学教育学分授予与管理办法》（卫科教发〔2006〕11号）"


@dataclass(frozen=True)
class CmeRule:
    """One version of the CME rule; numbers are defaults a tenant setting may override."""

    effective_from: int | None
    effective_to: int | None
    annual_credits: Decimal  # 每年不低于25学分
    category_i_min: Decimal  # I类 5–10 学分
    category_ii_min: Decimal  # II类 15–20 学分
    project_credit_cap: Decimal  # 每个项目所授学分数最多不超过25学分
    regulation: str


RULES: tuple[CmeRule, ...] = (
    CmeRule(2007, None, Decimal(25), Decimal(5), Decimal(15), Decimal(25),
            f"{REGULATION}：每年≥25学分，I类5–10、II类15–20，两类不可互相替代"),
)


def rule_for(year: int) -> CmeRule | None:
    return in_force(RULES, year)


@hookimpl
def ceplat_register_plugin_info() -> PluginInfo:
    return PluginInfo(
        name=PLUGIN_NAME,
        version=__version__,
        title="卫生技术人员继续医学教育：学分制，I类/II类学分最低要求",
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
    return PartRequirement(
        SubjectKind.PROFESSIONAL,
        Unit.CREDITS,
        setting_decimal(settings, "annual_credits", rule.annual_credits),
        category_minima={
            CATEGORY_I: setting_decimal(settings, "category_i_min", rule.category_i_min),
            CATEGORY_II: setting_decimal(settings, "category_ii_min", rule.category_ii_min),
        },
        regulation=rule.regulation,
        effective_from=rule.effective_from,
        effective_to=rule.effective_to,
    )


@hookimpl
def ceplat_validate_hour_record(
    record: HourFacts, part: PartRequirement, series: str, tenant: TenantInfo
) -> Sequence[Refusal]:
    rule = rule_for(record.year)
    # Only CME credits are ours to judge; hours against credits are the core's unit_mismatch.
    if (series != SERIES or rule is None or record.kind is not SubjectKind.PROFESSIONAL
            or record.unit is not Unit.CREDITS):
        return []
    category = (record.category or "").strip()
    if not category:
        return [Refusal("cme_category_missing",
                        "继续医学教育学分须注明类别（I类或II类），两类学分不可互相替代",
                        REGULATION, PLUGIN_NAME)]
    if category not in (CATEGORY_I, CATEGORY_II):
        return [Refusal("cme_category_unknown",
                        f"继续医学教育学分类别「{category}」无法识别，应为「I类」或「II类」",
                        REGULATION, PLUGIN_NAME)]
    cap = setting_decimal(tenant.settings_for(PLUGIN_NAME), "project_credit_cap",
                          rule.project_credit_cap)
    if category == CATEGORY_I and record.amount > cap:
        return [Refusal("cme_project_credits_over_cap",
                        f"单个I类继续医学教育项目授予学分不超过{cap}学分，本记录为{record.amount}学分",
                        REGULATION, PLUGIN_NAME)]
    return []
