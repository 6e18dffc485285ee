"""Cross-tenant leakage: every read path through a scoped session returns only what the actor
may see — on SQLite and PostgreSQL, with users, role links and policy from the database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from platform_core import people, users
from platform_core.authz.actors import Actor
from platform_core.authz.adapter import sync_policy
from platform_core.authz.enforcer import PlatformEnforcer
from platform_core.authz.scoping import scoped, scoped_session
from platform_core.errors import NotFound, PermissionDenied
from platform_core.models import (
    Base,
    CECertificate,
    HourRecord,
    Organisation,
    Person,
    PublicSubjectPass,
    Tenant,
    Training,
    User,
)
from platform_core.runtime import Runtime
from tests import factories as f

SYSTEM = Actor.system("test")


@dataclass
class World:
    ids: dict[str, int]  # tenant code -> id
    persons: dict[str, Person]  # label -> person
    base_hn: Organisation
    base_tc: Organisation
    employer_hn: Organisation
    trainings: dict[str, Training]


def _employer(session: Session, tenant: Tenant, name: str) -> Organisation:
    org = Organisation(tenant_id=tenant.id, kind="employer", code=f"EMP-{tenant.code}-{name}", name=name)
    session.add(org)
    session.flush()
    return org


def _certificate(session: Session, p: Person) -> None:
    session.add(CECertificate(person_id=p.id, tenant_id=p.tenant_id, series=p.series, source="test"))


@pytest.fixture
def world(city: Runtime) -> Iterator[World]:
    with city.transaction() as s:
        sync_policy(s)
        ids = {t.code: t.id for t in s.scalars(select(Tenant))}
        employer_hn = _employer(s, f.tenant(s, "340822"), "怀宁县人民医院")
        persons = {
            "hn_engineer": f.person(s, "340822", "工程"),
            "hn_nurse": f.person(s, "340822", "卫生"),
            "tc_engineer": f.person(s, "340881", "工程"),
            "tc_nurse": f.person(s, "340881", "卫生"),
            "yj_nurse": f.person(s, "340802", "卫生"),
            "yj_teacher": f.person(s, "340802", "中小学教师"),
            "city_nurse": f.person(s, "340800", "卫生"),
        }
        persons["hn_nurse"].employer_id = employer_hn.id
        trainings = {"hn": f.training(s, tenant_code="340822"), "tc": f.training(s, tenant_code="340881")}
        base_hn = s.get(Organisation, trainings["hn"].base_id)
        base_tc = s.get(Organisation, trainings["tc"].base_id)
        for p in persons.values():
            f.hours(s, p, 2023, "professional", 60)
            f.public_pass(s, p, 2023, date(2023, 9, 1))
            _certificate(s, p)
        for name, role, tenant, org in [
            ("hn_reviewer", "county_reviewer", "340822", None),
            ("tc_reviewer", "county_reviewer", "340881", None),
            ("health", "industry_reviewer", "340800", "AQ-WJW"),
            ("edu", "industry_reviewer", "340800", "AQ-JYJ"),
            ("base_hn", "base_operator", "340822", base_hn.code),
            ("hr_hn", "employer_hr", "340822", employer_hn.code),
            ("admin", "city_admin", "340800", None),
            ("auditor", "auditor", "340800", None),
        ]:
            users.add_user(s, None, SYSTEM, username=name, role=role, tenant_code=tenant, org_code=org)
        s.flush()
        made = World(ids, persons, base_hn, base_tc, employer_hn, trainings)
    yield made


def actor(rt: Runtime, username: str) -> tuple[PlatformEnforcer, Actor]:
    with rt.read() as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        return PlatformEnforcer.load(s), users.actor_for(s, user)


def tenant_owned_models() -> list[type]:
    return [m.class_ for m in Base.registry.mappers if "tenant_id" in m.columns]


def test_r15_huaining_reviewer_cannot_list_tongcheng_persons(city: Runtime, world: World) -> None:
    enforcer, hn = actor(city, "hn_reviewer")
    with scoped_session(city.sessions, enforcer, hn) as s:
        listed = list(s.scalars(select(Person)))
        assert listed and {p.tenant_id for p in listed} == {world.ids["340822"]}
        assert not list(s.scalars(select(Person).where(Person.tenant_id == world.ids["340881"])))
        tc = world.persons["tc_engineer"]
        assert s.get(Person, tc.id) is None
        with pytest.raises(NotFound):
            people.get_person(s, tc.id_number)
        assert people.get_person(s, world.persons["hn_engineer"].id_number).tenant_id == world.ids["340822"]
        # Column selects, counts, joins and bulk lookups are filtered too.
        assert s.scalar(select(func.count(Person.id))) == 2
        assert s.scalar(select(func.count()).select_from(Person)) == 2
        assert people.persons_by_id_number(s, [tc.id_number]) == {}
        stmt = select(HourRecord.id, Person.id_number).join(Person, Person.id == HourRecord.person_id)
        joined = s.execute(stmt)
        assert {row.id_number for row in joined} == {world.persons["hn_engineer"].id_number,
                                                     world.persons["hn_nurse"].id_number}


@pytest.mark.parametrize("username, visible", [
    ("hn_reviewer", {"340822"}),
    ("tc_reviewer", {"340881"}),
    ("base_hn", {"340822"}),
    ("hr_hn", {"340822"}),
    ("health", {"340800", "340802", "340803", "340811", "340871", "AQGX", "AQZM"}),
])
def test_no_tenant_owned_row_leaks(city: Runtime, world: World, username: str, visible: set[str]) -> None:
    """Every model with a tenant_id — persons, hour records, passes, certificates, organisations,
    trainings, users and whatever is added later — returns only rows of visible tenants."""
    enforcer, who = actor(city, username)
    allowed_ids = {world.ids[c] for c in visible}
    with scoped_session(city.sessions, enforcer, who) as s:
        for model in tenant_owned_models():
            rows = s.execute(select(model.tenant_id)).scalars().all()
            assert set(rows) <= allowed_ids, f"{username} sees {model.__name__} of other tenants"
        # Not vacuous: each actor does see its own people.
        assert s.execute(select(Person.id)).scalars().first() is not None, f"{username} sees no person"
    with city.read() as s:  # the unscoped truth: other tenants do have rows
        for model in (Person, HourRecord, PublicSubjectPass, CECertificate, Organisation, Training):
            assert set(s.execute(select(model.tenant_id)).scalars()) - allowed_ids, model.__name__


def test_r15_industry_reviewer_sees_only_its_series_outside_counties(city: Runtime, world: World) -> None:
    enforcer, health = actor(city, "health")
    with scoped_session(city.sessions, enforcer, health) as s:
        seen = {p.id for p in s.scalars(select(Person))}
        assert seen == {world.persons[k].id for k in ("yj_nurse", "city_nurse")}
        hours_of = set(s.scalars(select(HourRecord.person_id)))
        assert hours_of == seen
        assert set(s.scalars(select(PublicSubjectPass.person_id))) == seen
        assert set(s.scalars(select(CECertificate.person_id))) == seen
    enforcer, edu = actor(city, "edu")
    with scoped_session(city.sessions, enforcer, edu) as s:
        assert [p.id for p in s.scalars(select(Person))] == [world.persons["yj_teacher"].id]


def test_r17_employer_sees_only_its_own_staff(city: Runtime, world: World) -> None:
    enforcer, hr = actor(city, "hr_hn")
    with scoped_session(city.sessions, enforcer, hr) as s:
        assert [p.id for p in s.scalars(select(Person))] == [world.persons["hn_nurse"].id]
        assert set(s.scalars(select(HourRecord.person_id))) == {world.persons["hn_nurse"].id}
        assert s.get(Person, world.persons["hn_engineer"].id) is None


def test_base_sees_only_its_own_trainings(city: Runtime, world: World) -> None:
    with city.transaction() as s:  # a second base's training in the same county
        other = f.training(s, tenant_code="340822")
    enforcer, base = actor(city, "base_hn")
    with scoped_session(city.sessions, enforcer, base) as s:
        assert [t.id for t in s.scalars(select(Training))] == [world.trainings["hn"].id]
        assert s.get(Training, other.id) is None


def test_city_roles_and_auditor_see_every_tenant(city: Runtime, world: World) -> None:
    with city.read() as s:
        total = s.scalar(select(func.count(Person.id)))
    for username in ("admin", "auditor"):
        enforcer, who = actor(city, username)
        with scoped_session(city.sessions, enforcer, who) as s:
            assert s.scalar(select(func.count(Person.id))) == total == 7


def test_scoped_bulk_update_cannot_touch_other_tenants(city: Runtime, world: World) -> None:
    enforcer, hn = actor(city, "hn_reviewer")
    with city.transaction() as s:
        scoped(s, enforcer, hn)
        s.execute(update(Person).values(major="改过"))
    with city.read() as s:
        changed = {p.tenant_id for p in s.scalars(select(Person).where(Person.major == "改过"))}
    assert changed == {world.ids["340822"]}


def test_a_disabled_user_sees_nothing(city: Runtime, world: World) -> None:
    with city.transaction() as s:
        users.disable_user(s, None, SYSTEM, "hn_reviewer")
    enforcer, hn = actor(city, "hn_reviewer")
    with scoped_session(city.sessions, enforcer, hn) as s:
        assert list(s.scalars(select(Person))) == []


def test_core_statements_on_tenant_tables_are_refused_not_leaked(city: Runtime, world: World) -> None:
    enforcer, hn = actor(city, "hn_reviewer")
    with scoped_session(city.sessions, enforcer, hn) as s:
        for stmt in (select(Person.__table__), select(Person.__table__.c.id),
                     update(Person.__table__).values(major="x")):
            with pytest.raises(PermissionDenied) as err:
                s.execute(stmt)
            assert err.value.code == "unscoped_statement"
        assert len(s.execute(select(Person.id)).all()) == 2
        assert s.execute(select(Tenant.__table__.c.code)).all()  # not tenant-owned: allowed
