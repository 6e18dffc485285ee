"""What a year asks of a person: the values plugins return and the core evaluates against.

These are the public types of the plugin API (re-exported by `platform_core.api`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any


class SubjectKind(enum.StrEnum):
    PUBLIC = "public"  # 公需科目
    PROFESSIONAL = "professional"  # 专业科目

    @property
    def label(self) -> str:
        return "公需科目" if self is SubjectKind.PUBLIC else "专业科目"


class Unit(enum.StrEnum):
    HOURS = "hours"  # 学时
    CREDITS = "credits"  # 学分

    @property
    def label(self) -> str:
        return "学时" if self is Unit.HOURS else "学分"


@dataclass(frozen=True)
class PartRequirement:
    """The requirement for one subject kind in one year.

    `minimum` is the annual minimum. `category_minima` are minima per category that cannot
    substitute for each other (e.g. CME I类/II类). A part may also belong to a fixed multi-year
    cycle (`cycle_years`, `cycle_total`), as for school teachers; the cycle report then asks
    for `cycle_total` over the cycle instead of the sum of annual minima.
    """

    kind: SubjectKind
    unit: Unit
    minimum: Decimal
    category_minima: Mapping[str, Decimal] = field(default_factory=dict)
    cycle_years: int | None = None
    cycle_total: Decimal | None = None
    regulation: str = ""
    effective_from: int | None = None
    effective_to: int | None = None
    # Filled by the plugin host: who decided, and which version of it.
    decided_by: str = ""
    plugin_version: str = ""

    def stamped(self, plugin: str, version: str) -> PartRequirement:
        return replace(self, decided_by=plugin, plugin_version=version)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind.value,
            "unit": self.unit.value,
            "minimum": str(self.minimum),
            "decided_by": self.decided_by,
            "plugin_version": self.plugin_version,
            "regulation": self.regulation,
            "effective_from": self.effective_from,
            "effective_to": self.effective_to,
        }
        if self.category_minima:
            out["category_minima"] = {k: str(v) for k, v in self.category_minima.items()}
        if self.cycle_years:
            out["cycle_years"] = self.cycle_years
            out["cycle_total"] = str(self.cycle_total)
        return out


@dataclass(frozen=True)
class Requirement:
    """Both parts for one series, year and tenant."""

    series: str
    year: int
    tenant_code: str
    public: PartRequirement
    professional: PartRequirement

    @property
    def decided_by(self) -> str:
        """The plugin that decided the professional part: where industries differ."""
        return self.professional.decided_by

    def part(self, kind: SubjectKind) -> PartRequirement:
        return self.public if kind is SubjectKind.PUBLIC else self.professional

    def as_dict(self) -> dict[str, Any]:
        return {
            "series": self.series,
            "year": self.year,
            "tenant": self.tenant_code,
            "decided_by": self.decided_by,
            "public": self.public.as_dict(),
            "professional": self.professional.as_dict(),
        }


@dataclass(frozen=True)
class TenantInfo:
    """What a plugin may know of a tenant."""

    code: str
    kind: str  # city / county / district / zone
    name: str = ""
    city_code: str = "340800"
    plugin_settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    disabled_plugins: tuple[str, ...] = ()

    def settings_for(self, plugin: str) -> Mapping[str, Any]:
        return self.plugin_settings.get(plugin, {})


@dataclass(frozen=True)
class DepartmentInfo:
    """A city industry department and the series it governs."""

    code: str
    name: str
    series: tuple[str, ...]
    tenant_code: str


@dataclass(frozen=True)
class PersonFacts:
    """What a plugin may know of a person (no ID number: plugins do not need it)."""

    person_id: int
    series: str
    qualification: str | None
    tenant_code: str
    tenant_kind: str


@dataclass(frozen=True)
class HourFacts:
    """One hour record as the evaluation sees it."""

    record_id: int
    year: int
    kind: SubjectKind
    amount: Decimal
    unit: Unit
    category: str | None = None
    project_name: str = ""
    source: str = ""
    training_id: int | None = None
    training_status: str | None = None


@dataclass(frozen=True)
class Refusal:
    """Why a record does not count: a stable code, a Chinese message, the rule it applies."""

    code: str
    message: str
    rule: str = ""
    decided_by: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "rule": self.rule,
                "decided_by": self.decided_by}


@dataclass(frozen=True)
class ReviewAuthority:
    """Who does the first review (初审) of a person's record (R15)."""

    kind: str  # county_bureau / industry_department / city_office
    tenant_code: str
    org_code: str | None
    name: str
    decided_by: str = ""


@dataclass(frozen=True)
class PluginInfo:
    """A plugin's self-description for `ceplat plugins list`."""

    name: str
    version: str
    title: str
    series: tuple[str, ...] = ()
    regulation: str = ""
