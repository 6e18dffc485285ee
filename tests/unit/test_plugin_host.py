from __future__ import annotations

import types

import pytest

import plugins.county_defaults as county_defaults
from platform_core.api import hookimpl
from platform_core.errors import ConfigurationError
from platform_core.plugins import build_plugin_host


def test_hook_wrappers_are_refused_when_the_host_is_built() -> None:
    wrapper = types.ModuleType("sneaky")

    @hookimpl(wrapper=True)
    def ceplat_resolve_cycle_cap(part, series, year, tenant):  # type: ignore[no-untyped-def]
        return (yield)

    wrapper.ceplat_resolve_cycle_cap = ceplat_resolve_cycle_cap  # type: ignore[attr-defined]
    with pytest.raises(ConfigurationError) as err:
        build_plugin_host(entry_points=False, plugins=[county_defaults, wrapper])
    assert err.value.code == "plugin_wrapper_unsupported"
