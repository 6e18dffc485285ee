"""The synthetic city: coverage, validity, the rule edge cases, determinism and speed."""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from platform_core import migrate
from platform_core.db import make_engine
from platform_core.errors import ValidationFailed
from platform_core.evaluation import evaluate_person_cycle, evaluate_persons
from platform_core.models import (
    CECertificate,
    HourRecord,
    Organisation,
    Person,
    PublicSubjectPass,
    PublicTopic,
    Tenant,
    Training,
)
from platform_core.people import get_person
from platform_core.plugins import build_plugin_host
from platform_core.reference import series_catalogue
from platform_core.runtime import Runtime
from platform_core.settings import Settings
from platform_core.synthetic import Profile, SyntheticSummary, generate_city
from platform_core.synthetic.reset import wipe_rows
from platform_core.validation import idnumber

PERSONS = 300
PG_ADMIN_URL = os.environ.get("CEPLAT_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
ROOT = Path(__file__).resolve().parents[2]
NAMED_SERIES = {"卫生", "中小学教师", "会计", "工程", "农业", "经济", "艺术"}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[Runtime, SyntheticSummary]]:
    """One synthetic city per backend for this module's read-only tests, in a database of
    its own (seeding once instead of once per test keeps the module fast)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('synthetic') / 'city.sqlite3'}"
        drop = None
    else:
        name = f"ceplat_synthetic_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
        try:
            admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:  # noqa: BLE001 - any connection failure means "missing"
            if os.environ.get("CI") == "true":
                pytest.fail(f"CI=true: PostgreSQL is not reachable: {exc}", pytrace=False)
            pytest.skip(f"PostgreSQL is not reachable: {exc}")
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    rt = Runtime(settings=Settings(database_url=url, tenants_dir=ROOT / "tenants"),
                 plugin_host=build_plugin_host())
    migrate.upgrade(rt.engine)
    summary = generate_city(rt.engine, PERSONS, seed=7, host=rt.plugins)
    yield rt, summary
    rt.close()
    if drop:
        with admin.connect() as conn:
            conn.execute(text(drop))
        admin.dispose()


def _person(session: Session, summary: SyntheticSummary, profile: Profile) -> Person:
    return get_person(session, summary.examples[profile.value])


def test_covers_all_tenants_and_series(seeded: tuple[Runtime, SyntheticSummary]) -> None:
    rt, summary = seeded
    with rt.read() as s:
        tenants = {t.id: t for t in s.scalars(select(Tenant))}
        persons = list(s.scalars(select(Person)))
        employers = Counter(s.scalars(select(Organisation.tenant_id).where(Organisation.kind == "employer")))
        bases = Counter(s.scalars(select(Organisation.tenant_id).where(Organisation.kind == "training_base")))
        employer_tenant = {i: t for i, t in s.execute(select(Organisation.id, Organisation.tenant_id))}
    assert len(persons) == summary.persons == PERSONS
    assert len(tenants) == 14
    assert {p.tenant_id for p in persons} == set(tenants)
    assert set(employers) == set(tenants) and set(bases) == set(tenants)
    assert all(employer_tenant[p.employer_id] == p.tenant_id for p in persons)
    series = Counter(p.series for p in persons)
    assert set(series) >= NAMED_SERIES and len(series) >= 5
    # Population-weighted: a county has more persons than the smallest zone.
    by_code = Counter(tenants[p.tenant_id].code for p in persons)
    assert by_code["340822"] > by_code["AQZM"] > 0
    catalogue = series_catalogue()
    assert all(p.qualification and catalogue.knows_qualification(p.series, p.qualification)
               for p in persons)


def test_id_numbers_valid_unique_and_from_many_places(seeded: tuple[Runtime, SyntheticSummary]) -> None:
    rt, _ = seeded
    with rt.read() as s:
        rows = s.execute(select(Person.id_number, Person.gender, Person.birth_date, Person.mobile,
                                Tenant.code).join(Tenant, Tenant.id == Person.tenant_id)).all()
    numbers = [r.id_number for r in rows]
    assert len(set(numbers)) == len(numbers)
    for r in rows:
        parsed = idnumber.parse(r.id_number)
        assert isinstance(parsed, idnumber.IdNumber), parsed
        assert (parsed.gender, parsed.birth_date) == (r.gender, r.birth_date)
        assert re.fullmatch(r"1[3-9]\d{9}", r.mobile)
    counties = [r for r in rows if r.code in {"340822", "340825", "340826", "340827", "340828", "340881"}]
    own = sum(r.id_number.startswith(r.code) for r in counties)
    assert own > len(counties) // 2  # mostly the tenant's own division code
    assert any(not n.startswith("34") for n in numbers)  # born in other provinces
    assert any(n.startswith("340824") for n in numbers)  # the old 潜山县 code


def test_records_follow_the_requirements(seeded: tuple[Runtime, SyntheticSummary]) -> None:
    rt, summary = seeded
    with rt.read() as s:
        rows = s.execute(select(Person.series, HourRecord.kind, HourRecord.unit, HourRecord.category,
                                HourRecord.year, HourRecord.dedupe_key)
                         .join(Person, Person.id == HourRecord.person_id)).all()
        numbers = list(s.scalars(select(CECertificate.number)))
    assert len(rows) == summary.hour_records > PERSONS * 5
    assert {r.year for r in rows} == set(range(2019, 2024))
    assert {r.kind for r in rows} == {"public", "professional"}
    health = {(r.unit, r.category) for r in rows if r.series == "卫生" and r.kind == "professional"}
    assert health == {("credits", "I类"), ("credits", "II类")}
    assert {r.unit for r in rows if r.series == "会计" and r.kind == "professional"} == {"credits"}
    assert {r.unit for r in rows if r.series == "工程"} == {"hours"}
    assert all(r.dedupe_key.startswith("synthetic:7:") for r in rows)
    assert numbers and all(re.fullmatch(r"340800\d{2}20(1[2-9]|2[0-2])\d{6}", n) for n in numbers)


def test_r06_window_edge_cases(seeded: tuple[Runtime, SyntheticSummary]) -> None:
    rt, summary = seeded
    with rt.read() as s:
        dates = set(s.scalars(select(PublicSubjectPass.passed_on).join(
            PublicTopic, PublicTopic.id == PublicSubjectPass.topic_id).where(PublicTopic.year == 2023)))
        assert {date(2024, 3, 31), date(2024, 4, 1)} <= dates
        on_time = _person(s, summary, Profile.R6_LAST_DAY)
        late = _person(s, summary, Profile.R6_LATE)
        a, b = evaluate_persons(s, rt.plugins, [on_time.id, late.id], 2023)
    assert a.public.missing == 0
    assert b.public.missing > 0
    assert "public_pass_outside_window" in {o.refusal.code for o in b.refused if o.refusal}


def test_r07_previous_year_topic_cutoff(seeded: tuple[Runtime, SyntheticSummary]) -> None:
    rt, summary = seeded
    with rt.read() as s:
        dates = list(s.scalars(select(PublicSubjectPass.passed_on).join(
            PublicTopic, PublicTopic.id == PublicSubjectPass.topic_id).where(PublicTopic.year == 2022)))
        assert date(2023, 3, 15) in dates
        assert any(d >= date(2023, 4, 1) for d in dates)
        expired = _person(s, summary, Profile.R7_EXPIRED)
        before = _person(s, summary, Profile.R7_BEFORE_CUTOFF)
        [late] = evaluate_persons(s, rt.plugins, [expired.id], 2023)
        [in_time] = evaluate_persons(s, rt.plugins, [before.id], 2022)
    assert late.public.missing > 0
    assert "public_topic_expired" in {o.refusal.code for o in late.refused if o.refusal}
    assert in_time.public.missing == 0


def test_r12_records_from_unapproved_trainings(seeded: tuple[Runtime, SyntheticSummary]) -> None:
    rt, summary = seeded
    with rt.read() as s:
        statuses = Counter(s.scalars(select(Training.status)))
        unapproved_records = s.scalar(select(func.count()).select_from(HourRecord).join(
            Training, Training.id == HourRecord.training_id).where(Training.status != "approved"))
        short = _person(s, summary, Profile.R12_SHORT)
        extra = _person(s, summary, Profile.R12_EXTRA)
        a, b = evaluate_persons(s, rt.plugins, [short.id, extra.id], 2023)
    assert statuses["approved"] > 0 and statuses["rejected"] + statuses["filed"] > 0
    assert unapproved_records and unapproved_records >= 2
    for status in (a, b):
        assert "training_not_approved" in {o.refusal.code for o in status.refused if o.refusal}
    assert a.professional.missing > 0  # the refused hours were needed
    assert b.complete  # refused hours on top of a complete year


def test_r22_crammed_person_has_a_capped_year(seeded: tuple[Runtime, SyntheticSummary]) -> None:
    rt, summary = seeded
    with rt.read() as s:
        person = _person(s, summary, Profile.CRAMMED)
        cycle = evaluate_person_cycle(s, rt.plugins, person, 2019, 2023)
    assert len(cycle.capped_years) == 1
    assert cycle.capped_years[0] < 2023


def test_profiles_show_in_2023_statuses(seeded: tuple[Runtime, SyntheticSummary]) -> None:
    rt, summary = seeded
    with rt.read() as s:
        ids = list(s.scalars(select(Person.id)))
        statuses = evaluate_persons(s, rt.plugins, ids, 2023)
    complete = sum(st.complete for st in statuses)
    assert 0.6 * PERSONS < complete < 0.95 * PERSONS  # mostly complete, never all
    assert any(st.public.missing > 0 for st in statuses)
    assert any(st.professional.missing > 0 and st.public.missing == 0 for st in statuses)


def test_deterministic_for_a_seed(sqlite_runtime: Runtime) -> None:
    def fingerprint(seed: int) -> tuple[object, ...]:
        wipe_rows(sqlite_runtime.engine)
        generate_city(sqlite_runtime.engine, 120, seed=seed)
        with sqlite_runtime.read() as s:
            persons = s.execute(select(Person.id_number, Person.name, Person.series)
                                .order_by(Person.id)).all()
            records = s.execute(select(HourRecord.year, HourRecord.kind, HourRecord.amount,
                                       HourRecord.dedupe_key).order_by(HourRecord.id)).all()
        return tuple(persons), tuple(records)

    first = fingerprint(11)
    assert fingerprint(11) == first
    assert fingerprint(12)[0] != first[0]


def test_refuses_a_database_that_has_persons(sqlite_runtime: Runtime) -> None:
    generate_city(sqlite_runtime.engine, 20)
    with pytest.raises(ValidationFailed) as err:
        generate_city(sqlite_runtime.engine, 20)
    assert err.value.code == "synthetic_target_not_empty"


def test_two_thousand_persons_on_sqlite_in_seconds(sqlite_runtime: Runtime) -> None:
    seen: list[tuple[str, int, int]] = []
    summary = generate_city(sqlite_runtime.engine, 2000, host=sqlite_runtime.plugins,
                            progress=lambda phase, done, total: seen.append((phase, done, total)))
    assert summary.persons == 2000 and len(summary.persons_by_tenant) == 14
    assert len(summary.persons_by_series) >= 5
    assert seen[0] == ("persons", 0, 2000) and seen[-1] == ("persons", 2000, 2000)
    assert summary.seconds < 20  # ~1 s on the development machine
    with sqlite_runtime.read() as s:
        assert s.scalar(select(func.count()).select_from(Person)) == 2000
