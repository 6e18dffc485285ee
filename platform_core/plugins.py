"""The plugin host: builds the pluggy manager and is the only caller of its hooks.

Core code asks the typed methods here and never calls ``pm.hook.x`` itself, so precedence,
per-tenant enablement and "who decided" are handled in one place.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pluggy

from platform_core import hookspecs
from platform_core.errors import ConfigurationError
from platform_core.requirements import (
    DepartmentInfo,
    HourFacts,
    PartRequirement,
    PersonFacts,
    PluginInfo,
    Refusal,
    Requirement,
    ReviewAuthority,
    TenantInfo,
)

ENTRY_POINT_GROUP = hookspecs.PROJECT
hookimpl = pluggy.HookimplMarker(hookspecs.PROJECT)


@dataclass(frozen=True)
class PluginListing:
    info: PluginInfo
    hooks: tuple[str, ...]


class PluginHost:
    """Typed facade over a pluggy manager."""

    def __init__(self, pm: pluggy.PluginManager):
        self._pm = pm
        # The host calls implementations itself (to know who decided), so wrappers would be
        # called as if they were answers: refuse them rather than misbehave.
        for caller in pm.hook.__dict__.values():
            for impl in getattr(caller, "get_hookimpls", list)():
                if impl.hookwrapper or impl.wrapper:
                    raise ConfigurationError(
                        f"插件 {impl.plugin_name} 的 {caller.name} 是包装器，本平台不支持",
                        code="plugin_wrapper_unsupported")
        self._infos: dict[str, PluginInfo] = {}
        for plugin in pm.get_plugins():
            name = pm.get_name(plugin) or ""
            impl = getattr(plugin, "ceplat_register_plugin_info", None)
            info = impl() if impl else PluginInfo(name=name, version="?", title=name)
            self._infos[name] = info
        self._check_series_claims()

    @property
    def manager(self) -> pluggy.PluginManager:
        return self._pm

    def _check_series_claims(self) -> None:
        owners: dict[str, str] = {}
        for name, info in self._infos.items():
            for series in info.series:
                if series in owners:
                    raise ConfigurationError(
                        f"插件 {owners[series]} 与 {name} 同时声明管理系列「{series}」",
                        code="plugin_series_conflict",
                    )
                owners[series] = name

    # -- introspection -------------------------------------------------------------------

    def listings(self) -> list[PluginListing]:
        out = []
        for plugin in self._pm.get_plugins():
            name = self._pm.get_name(plugin) or ""
            hooks = tuple(
                sorted(
                    caller.name
                    for caller in self._pm.get_hookcallers(plugin) or []
                    if caller.name != "ceplat_register_plugin_info"
                )
            )
            out.append(PluginListing(self._infos[name], hooks))
        return sorted(out, key=lambda p: p.info.name)

    def version_of(self, name: str) -> str:
        info = self._infos.get(name)
        return info.version if info else "?"

    # -- first-result calls with "who decided" --------------------------------------------

    def _first(self, hook_name: str, scope: TenantInfo | None, **kwargs: Any) -> tuple[Any, str]:
        """Ask implementations in pluggy's call order; return (answer, plugin name)."""
        caller = getattr(self._pm.hook, hook_name)
        disabled = set(_disabled(scope))
        for impl in reversed(caller.get_hookimpls()):
            if impl.plugin_name in disabled:
                continue
            args = {k: kwargs[k] for k in impl.argnames}
            result = impl.function(**args)
            if result is not None:
                return result, impl.plugin_name
        return None, ""

    def _collect(self, hook_name: str, scope: TenantInfo | None, **kwargs: Any) -> list[tuple[Any, str]]:
        caller = getattr(self._pm.hook, hook_name)
        disabled = set(_disabled(scope))
        out = []
        for impl in reversed(caller.get_hookimpls()):
            if impl.plugin_name in disabled:
                continue
            result = impl.function(**{k: kwargs[k] for k in impl.argnames})
            if result is not None:
                out.append((result, impl.plugin_name))
        return out

    def requirement(self, series: str, year: int, tenant: TenantInfo) -> Requirement:
        parts = []
        for hook in ("ceplat_resolve_public_requirement", "ceplat_resolve_professional_requirement"):
            part, name = self._first(hook, tenant, series=series, year=year, tenant=tenant)
            if part is None:
                raise ConfigurationError(
                    f"没有插件给出「{series}」系列 {year} 年度的学时要求（{hook}）",
                    code="no_requirement",
                )
            parts.append(part.stamped(name, self.version_of(name)))
        return Requirement(series=series, year=year, tenant_code=tenant.code,
                           public=parts[0], professional=parts[1])

    def cycle_cap(self, part: PartRequirement, series: str, year: int,
                  tenant: TenantInfo) -> tuple[Decimal, str]:
        cap, name = self._first("ceplat_resolve_cycle_cap", tenant, part=part, series=series,
                                year=year, tenant=tenant)
        if cap is None:
            raise ConfigurationError("没有插件给出周期上限（R22）", code="no_cycle_cap")
        return Decimal(cap), name

    def validate_hour_record(self, record: HourFacts, part: PartRequirement, series: str,
                             tenant: TenantInfo) -> list[Refusal]:
        refusals: list[Refusal] = []
        for found, name in self._collect("ceplat_validate_hour_record", tenant, record=record,
                                         part=part, series=series, tenant=tenant):
            for refusal in found:
                refusals.append(refusal if refusal.decided_by else
                                Refusal(refusal.code, refusal.message, refusal.rule, name))
        return refusals

    def first_review_authority(self, person: PersonFacts, tenant: TenantInfo,
                               departments: Sequence[DepartmentInfo]) -> ReviewAuthority:
        answer, name = self._first("ceplat_resolve_first_review_authority", tenant,
                                   person=person, tenant=tenant, departments=departments)
        if answer is None:
            raise ConfigurationError("没有插件给出初审单位（R15）", code="no_review_authority")
        return ReviewAuthority(answer.kind, answer.tenant_code, answer.org_code, answer.name,
                               answer.decided_by or name)

    def certificate_number_format(self, series: str, year: int) -> tuple[str, str]:
        fmt, name = self._first("ceplat_resolve_certificate_number_format", None,
                                series=series, year=year)
        if fmt is None:
            raise ConfigurationError("没有插件给出证书编号格式（R20）", code="no_number_format")
        return fmt, name


def _disabled(tenant: TenantInfo | None) -> Iterable[str]:
    if tenant is None:
        return ()
    return tenant.disabled_plugins


def build_plugin_host(*, entry_points: bool = True, plugins: Sequence[object] = (),
                      block: Sequence[str] = ()) -> PluginHost:
    """Build a fresh plugin manager. No import-time global: call this at start-up.

    ``entry_points`` loads every plugin of the ``ceplat`` entry-point group (the default
    plugins included); ``plugins`` registers extra ones (tests); ``block`` skips names.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for blocked in block:
        pm.set_blocked(blocked)
    if entry_points:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    for plugin in plugins:
        name = getattr(plugin, "PLUGIN_NAME", None) or (
            plugin.__name__ if inspect.ismodule(plugin) else None)
        pm.register(plugin, name=name)
    pm.check_pending()
    return PluginHost(pm)
