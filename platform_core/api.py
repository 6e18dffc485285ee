"""The public API for plugins. Plugins import from here and from nothing else in the core."""

from platform_core.plugins import hookimpl
from platform_core.requirements import (
    DepartmentInfo,
    HourFacts,
    PartRequirement,
    PersonFacts,
    PluginInfo,
    Refusal,
    Requirement,
    ReviewAuthority,
    SubjectKind,
    TenantInfo,
    Unit,
)
from platform_core.rules import in_force, setting_decimal

__all__ = [
    "DepartmentInfo",
    "HourFacts",
    "PartRequirement",
    "PersonFacts",
    "PluginInfo",
    "Refusal",
    "Requirement",
    "ReviewAuthority",
    "SubjectKind",
    "TenantInfo",
    "Unit",
    "hookimpl",
    "in_force",
    "setting_decimal",
]
