"""The plugins as installed: the full entry-point host, the CLI, and series claims."""

from __future__ import annotations

import json
import types
from decimal import Decimal

import pytest

from platform_core import cli
from platform_core.api import PluginInfo, hookimpl
from platform_core.errors import ConfigurationError
from platform_core.plugins import build_plugin_host
from platform_core.reference import series_catalogue
from plugins.industry_overrides import accounting, health, school_teachers
from tests.plugins.plugin_support import CITY, tenant

INDUSTRY = {"health": health, "accounting": accounting, "school_teachers": school_teachers}


@pytest.fixture(scope="module")
def installed():
    return build_plugin_host()


def test_r03_every_industry_plugin_is_found_through_the_ceplat_entry_point_group(installed) -> None:
    listings = {p.info.name: p for p in installed.listings()}
    assert set(listings) >= {"county_defaults", *INDUSTRY}
    for name, module in INDUSTRY.items():
        assert name == module.PLUGIN_NAME  # entry-point name = settings key = disabled_plugins name
        assert listings[name].info.version == module.__version__
        assert "ceplat_resolve_professional_requirement" in listings[name].hooks


def test_r03_plugins_claim_only_known_series(installed) -> None:
    catalogue = series_catalogue()
    for listing in installed.listings():
        for series in listing.info.series:
            found = catalogue.find(series)
            assert found is not None and found.key == series


@pytest.mark.parametrize(("series", "decided_by", "unit", "minimum"), [
    ("卫生", "health", "credits", Decimal(25)),
    ("会计", "accounting", "credits", Decimal(60)),
    ("中小学教师", "school_teachers", "hours", Decimal(72)),
    ("工程", "county_defaults", "hours", Decimal(60)),
])
def test_r03_installed_host_routes_each_series_to_its_plugin(installed, series, decided_by, unit,
                                                             minimum) -> None:
    prof = installed.requirement(series, 2023, CITY).professional
    assert (prof.decided_by, prof.unit.value, prof.minimum) == (decided_by, unit, minimum)


def test_r03_precedence_does_not_depend_on_registration_order() -> None:
    import plugins.county_defaults

    forwards = build_plugin_host(entry_points=False, plugins=[plugins.county_defaults, health])
    backwards = build_plugin_host(entry_points=False, plugins=[health, plugins.county_defaults])
    for host in (forwards, backwards):
        assert host.requirement("卫生", 2023, CITY).decided_by == "health"
        assert host.requirement("工程", 2023, CITY).decided_by == "county_defaults"


def test_r03_two_plugins_claiming_one_series_is_a_configuration_error() -> None:
    rival = types.ModuleType("rival_health")

    @hookimpl
    def ceplat_register_plugin_info() -> PluginInfo:
        return PluginInfo(name="rival_health", version="0.1", title="rival", series=("卫生",))

    rival.ceplat_register_plugin_info = ceplat_register_plugin_info  # type: ignore[attr-defined]
    with pytest.raises(ConfigurationError) as exc:
        build_plugin_host(entry_points=False, plugins=[health, rival])
    assert exc.value.code == "plugin_series_conflict"


def test_r03_a_tenant_can_disable_one_industry_plugin_and_keep_the_others(installed) -> None:
    t = tenant(disabled=("health",))
    assert installed.requirement("卫生", 2023, t).decided_by == "county_defaults"
    assert installed.requirement("会计", 2023, t).decided_by == "accounting"


# -- CLI ----------------------------------------------------------------------------------


def _run_json(capsys, *argv: str) -> tuple[int, dict]:
    capsys.readouterr()
    code = cli.main([*argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_r03_cli_requirement_names_the_plugin_that_decided(city, monkeypatch, capsys) -> None:
    monkeypatch.setenv("CEPLAT_DATABASE_URL", city.settings.database_url)
    code, doc = _run_json(capsys, "requirement", "--series", "卫生", "--year", "2023")
    assert code == 0
    assert doc["decided_by"] == "health"
    assert doc["professional"]["unit"] == "credits"
    assert doc["professional"]["minimum"] == "25"
    assert doc["professional"]["category_minima"] == {"I类": "5", "II类": "15"}
    assert doc["public"]["decided_by"] == "county_defaults"

    code, doc = _run_json(capsys, "requirement", "--series", "工程", "--year", "2023")
    assert code == 0
    assert doc["decided_by"] == "county_defaults"
    assert doc["professional"]["minimum"] == "60"


def test_r03_cli_requirement_reports_a_teachers_cycle(city, monkeypatch, capsys) -> None:
    monkeypatch.setenv("CEPLAT_DATABASE_URL", city.settings.database_url)
    code, doc = _run_json(capsys, "requirement", "--series", "中小学教师", "--year", "2023",
                          "--tenant", "340822")
    assert code == 0
    assert doc["tenant"] == "340822"
    assert doc["decided_by"] == "school_teachers"
    assert (doc["professional"]["cycle_years"], doc["professional"]["cycle_total"]) == (5, "360")


def test_cli_plugins_list_shows_versions_series_and_hooks(city, monkeypatch, capsys) -> None:
    monkeypatch.setenv("CEPLAT_DATABASE_URL", city.settings.database_url)
    code, doc = _run_json(capsys, "plugins", "list")
    assert code == 0
    by_name = {p["name"]: p for p in doc["plugins"]}
    assert by_name["health"]["series"] == ["卫生"]
    assert by_name["accounting"]["series"] == ["会计"]
    assert by_name["school_teachers"]["series"] == ["中小学教师"]
    assert by_name["county_defaults"]["series"] == []
    assert "ceplat_validate_hour_record" in by_name["health"]["hooks"]
    assert "ceplat_resolve_cycle_cap" in by_name["accounting"]["hooks"]
    for name, module in INDUSTRY.items():
        assert by_name[name]["version"] == module.__version__
        assert by_name[name]["regulation"]
