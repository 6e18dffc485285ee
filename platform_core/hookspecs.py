"""The plugin API: every hook ce-platform calls, documented like a public interface.

Naming says how a hook is called:

- ``ceplat_register_*`` are *collected*: every plugin may contribute, the core gets a list.
- ``ceplat_resolve_*`` are *first-result*: plugins are asked in precedence order and the
  first answer that is not ``None`` wins; ``None`` means "no opinion here".
- ``ceplat_validate_*`` are *collected* lists of refusals (an empty list means "fine").

Precedence for first-result hooks is explicit, never an accident of registration order:
industry overrides are ordinary implementations and answer only for the series (and years)
they govern; ``county_defaults`` marks every implementation ``trylast=True`` so it answers
only when no override did. Two plugins may not claim the same series (checked when the
plugin host is built). Tenant settings (``tenants/*.toml`` → ``plugin_settings``) override
the numbers a plugin uses, and ``disabled_plugins`` switches a plugin off for one tenant.

Every hook exists since 0.1.0. docs/hooks.md lists each signature; a test keeps them equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pluggy

from platform_core.requirements import (
    DepartmentInfo,
    HourFacts,
    PartRequirement,
    PersonFacts,
    PluginInfo,
    Refusal,
    ReviewAuthority,
    TenantInfo,
)

PROJECT = "ceplat"
hookspec = pluggy.HookspecMarker(PROJECT)


# -- describing plugins -------------------------------------------------------------------


@hookspec
def ceplat_register_plugin_info() -> PluginInfo:
    """Describe this plugin: name, version, title, the series it governs, its regulation.

    Called when the plugin host is built and by ``ceplat plugins list``. Collected: every
    plugin should implement it. The ``series`` listed are the series for which the plugin
    answers the requirement hooks; two plugins claiming one series is a configuration error.
    """


# -- requirements (R2, R3) ----------------------------------------------------------------


@hookspec(firstresult=True)
def ceplat_resolve_public_requirement(
    series: str, year: int, tenant: TenantInfo
) -> PartRequirement | None:
    """Return the public-subject (公需科目) requirement for ``series`` in ``year``.

    Called whenever a person's year is evaluated, for every year of a cycle report, and by
    ``ceplat requirement``. First result wins; return ``None`` for series or years this
    plugin does not govern. The default (R2: 30 hours) comes from ``county_defaults``.
    The returned value is judged by the rule in force for ``year`` (R3: effective-dated).
    """


@hookspec(firstresult=True)
def ceplat_resolve_professional_requirement(
    series: str, year: int, tenant: TenantInfo
) -> PartRequirement | None:
    """Return the professional-subject (专业科目) requirement for ``series`` in ``year``.

    Called like ``ceplat_resolve_public_requirement``. Industry overrides (R3) answer for
    their series and the years their regulation is in force; ``county_defaults`` answers
    60 hours (R2) for everything else. The plugin that answers is reported as ``decided_by``.
    """


# -- title applications (R21, R22) --------------------------------------------------------


@hookspec(firstresult=True)
def ceplat_resolve_cycle_cap(
    part: PartRequirement, series: str, year: int, tenant: TenantInfo
) -> Decimal | None:
    """Return how much of one year's earned amount may count toward a cycle (R22).

    Called once per year and subject kind of a cycle report, with that year's ``part``
    requirement. First result wins; ``None`` means no opinion. ``county_defaults`` answers
    2 × ``part.minimum``; an industry plugin may answer less (e.g. accountants' credits are
    valid only in the year earned, so their cap is 1 × the minimum).
    """


# -- records (R12 and industry rules) -----------------------------------------------------


@hookspec
def ceplat_validate_hour_record(
    record: HourFacts, part: PartRequirement, series: str, tenant: TenantInfo
) -> Sequence[Refusal]:
    """Return reasons why ``record`` must not count toward ``part`` (empty: no objection).

    Called for every record of the evaluated year after the core's own checks (R12: hours
    from trainings that were not approved; unit mismatch) have passed. Collected: every
    refusal from every plugin is reported; any refusal means the record does not count.
    Plugins should only object to records of the series they govern.
    """


# -- routing (R15) ------------------------------------------------------------------------


@hookspec(firstresult=True)
def ceplat_resolve_first_review_authority(
    person: PersonFacts, tenant: TenantInfo, departments: Sequence[DepartmentInfo]
) -> ReviewAuthority | None:
    """Return who does the first review (初审) of ``person``'s annual record (R15).

    Called when a person's record is routed for first review and by ``persons show``.
    ``departments`` are the city's industry departments. First result wins;
    ``county_defaults`` answers: county tenants → that county's bureau; city, districts and
    zones → the industry department governing the person's series (the city office when
    none does).
    """


# -- certificate numbers (R20) ------------------------------------------------------------


@hookspec(firstresult=True)
def ceplat_resolve_certificate_number_format(series: str, year: int) -> str | None:
    """Return the ``str.format`` template of new certificate numbers for ``series``/``year``.

    Called by number allocation (only the city allocates, R18). The template may use
    ``{city}`` (the city's division code), ``{series_code}`` (2 digits), ``{year}`` (int) and
    ``{seq}`` (int, gapless per series and year). ``county_defaults`` answers
    ``"{city}{series_code}{year:04d}{seq:06d}"``. First result wins.
    """
