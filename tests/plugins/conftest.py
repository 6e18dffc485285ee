"""Fixture for testing one plugin in isolation: a host with county_defaults plus that plugin only."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import plugins.county_defaults
from platform_core.plugins import PluginHost, build_plugin_host

HostFactory = Callable[..., PluginHost]


@pytest.fixture
def host_with() -> HostFactory:
    """``host_with(module, ...)``: no entry points, county_defaults first, then the given plugins."""

    def build(*extra: object) -> PluginHost:
        return build_plugin_host(entry_points=False, plugins=[plugins.county_defaults, *extra])

    return build
