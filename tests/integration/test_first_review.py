"""R15: the first review is stamped by the authority the routing hook names, and only by it."""

from __future__ import annotations

import json
import types

import pytest
from sqlalchemy import select

import plugins.county_defaults as county_defaults
from platform_core import users
from platform_core.api import ReviewAuthority, hookimpl
from platform_core.authz import Actor, PlatformEnforcer
from platform_core.authz.adapter import sync_policy
from platform_core.cli import main
from platform_core.errors import PermissionDenied, ValidationFailed
from platform_core.models import AuditStamp
from platform_core.plugins import build_plugin_host
from platform_core.review import first_review
from platform_core.users import resolve_actor
from tests import factories as f

SYSTEM = Actor.system("test")


@pytest.fixture
def world(city):
    with city.transaction() as s:
        sync_policy(s)
        people = {
            "hn_nurse": f.person(s, "340822", "卫生"),
            "yj_nurse": f.person(s, "340802", "卫生"),
            "yj_teacher": f.person(s, "340802", "中小学教师"),
        }
        users.add_user(
            s,
            None,
            SYSTEM,
            username="hn",
            role="county_reviewer",
            tenant_code="340822",
            org_code="BUREAU-340822",
        )
        users.add_user(
            s,
            None,
            SYSTEM,
            username="tc",
            role="county_reviewer",
            tenant_code="340881",
            org_code="BUREAU-340881",
        )
        users.add_user(
            s, None, SYSTEM, username="wjw", role="industry_reviewer", tenant_code="340800", org_code="AQ-WJW"
        )
    with city.read() as s:
        actors = {name: resolve_actor(s, name) for name in ("hn", "tc", "wjw")}
        return people, actors, PlatformEnforcer.load(s)


def review(city, host, who, person, decision="approved", comment=""):
    with city.transaction() as s:
        return first_review(
            s,
            host,
            world_enforcer(city),
            who,
            s.merge(person),
            2023,
            decision,
            city_code="340800",
            comment=comment,
        )


def world_enforcer(city) -> PlatformEnforcer:
    with city.read() as s:
        return PlatformEnforcer.load(s)


def test_r15_a_county_person_is_first_reviewed_by_its_county_bureau(city, world) -> None:
    people, actors, _ = world
    done = review(city, city.plugins, actors["hn"], people["hn_nurse"])
    assert done.authority.kind == "county_bureau" and done.decision == "approved"
    with city.read() as s:
        stamp = s.get(AuditStamp, done.stamp_id)
    assert (stamp.action, stamp.actor, stamp.tenant_code) == ("batch.first_review", "hn", "340822")
    for other in ("tc", "wjw"):
        with pytest.raises(PermissionDenied):
            review(city, city.plugins, actors[other], people["hn_nurse"])


def test_r15_a_district_person_is_first_reviewed_by_the_department_of_its_industry(city, world) -> None:
    people, actors, _ = world
    assert review(city, city.plugins, actors["wjw"], people["yj_nurse"]).authority.org_code == "AQ-WJW"
    with pytest.raises(PermissionDenied):
        review(city, city.plugins, actors["wjw"], people["yj_teacher"])  # 市教育局's, not 市卫健委's
    with pytest.raises(PermissionDenied):
        review(city, city.plugins, actors["hn"], people["yj_nurse"])


def test_r15_routing_is_decided_once_a_plugin_that_reroutes_moves_the_right_too(city, world) -> None:
    people, actors, _ = world
    reroute = types.ModuleType("reroute_health")

    @hookimpl
    def ceplat_resolve_first_review_authority(person, tenant, departments):  # type: ignore[no-untyped-def]
        if person.series == "卫生" and tenant.kind == "district":
            return ReviewAuthority("city_office", "340800", None, "市人社局专业技术人员管理办公室")
        return None

    reroute.ceplat_resolve_first_review_authority = ceplat_resolve_first_review_authority  # type: ignore[attr-defined]
    host = build_plugin_host(entry_points=False, plugins=[county_defaults, reroute])
    with pytest.raises(PermissionDenied) as err:
        review(city, host, actors["wjw"], people["yj_nurse"])
    assert err.value.code == "not_first_reviewer"


def test_r15_returning_a_record_needs_a_reason(city, world) -> None:
    people, actors, _ = world
    with pytest.raises(ValidationFailed):
        review(city, city.plugins, actors["hn"], people["hn_nurse"], decision="returned")
    returned = review(city, city.plugins, actors["hn"], people["hn_nurse"], "returned", "公需学时证明缺失")
    assert returned.decision == "returned"


def test_r15_cli_review_first(city, world, monkeypatch, capsys) -> None:
    people, _, _ = world
    monkeypatch.setenv("CEPLAT_DATABASE_URL", city.settings.database_url)
    code = main(
        [
            "--as",
            "hn",
            "review",
            "first",
            "--id-number",
            people["hn_nurse"].id_number,
            "--year",
            "2023",
            "--decision",
            "approved",
            "--json",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["label"] == "初审通过"
    code = main(
        [
            "--as",
            "hn",
            "review",
            "first",
            "--id-number",
            people["yj_nurse"].id_number,
            "--year",
            "2023",
            "--decision",
            "approved",
            "--json",
        ]
    )
    assert code == 1  # another tenant's person is not even found
    with city.read() as s:
        assert len(s.scalars(select(AuditStamp).where(AuditStamp.action == "batch.first_review")).all()) == 1
