"""Bulk verification (R16) on SQLite and PostgreSQL: the set-based SQL path agrees with the
reference assessment for every person, and jobs are idempotent and resumable."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select, update

from platform_core import jobs, verification
from platform_core.authz.actors import Actor
from platform_core.errors import NotFound, PermissionDenied, ValidationFailed
from platform_core.evaluation import assess_year, load_facts
from platform_core.models import AnnualStatusRow, HourRecord, Job, JobChunk, Person, Tenant, Training
from platform_core.runtime import Runtime
from platform_core.tenancy import get_tenant
from platform_core.verification import RESULT_COLUMNS, Selection, compute_statuses, row_from_status
from tests.integration.verification_population import build_population

SYSTEM = Actor.system("test")


def reference_rows(rt: Runtime, year: int, ids: list[int] | None = None) -> dict[int, dict]:
    """What ``assess_year`` (the per-person reference) decides, as rows."""
    with rt.read() as s:
        people = dict(s.execute(select(Person.id, Person.tenant_id)).all())
        wanted = sorted(people) if ids is None else ids
        facts = load_facts(s, wanted, [year])
        return {pid: row_from_status(assess_year(facts[pid], year, rt.plugins), people[pid])
                for pid in wanted}


def stored_rows(rt: Runtime, year: int) -> dict[int, dict]:
    with rt.read() as s:
        rows = s.execute(select(AnnualStatusRow.__table__).where(AnnualStatusRow.year == year)).mappings()
        return {r["person_id"]: dict(r) for r in rows}


def results_only(rows: dict[int, dict]) -> dict[int, dict]:
    return {pid: {c: r[c] for c in ("person_id", "year", *RESULT_COLUMNS)} for pid, r in rows.items()}


def run_job(rt: Runtime, year: int, **kwargs) -> Job:
    with rt.transaction() as s:
        job = verification.plan_verification(s, SYSTEM, year, **kwargs)
    verification.run_job_inline(rt.sessions, rt.plugins, job.id)
    with rt.read() as s:
        return s.get(Job, job.id)


@pytest.fixture
def population(city: Runtime) -> Runtime:
    with city.transaction() as s:
        build_population(s, 500, seed=11)
    return city


@pytest.mark.parametrize("year", [2023, 2022])
def test_sql_path_agrees_with_assess_year_for_every_person(population: Runtime, year: int) -> None:
    expected = reference_rows(population, year)
    with population.read() as s:
        got = {r["person_id"]: r for r in compute_statuses(s, population.plugins, year, Selection())}
    assert got.keys() == expected.keys()
    mismatched = [pid for pid in expected if got[pid] != expected[pid]]
    assert not mismatched, (mismatched[:3], [(got[p], expected[p]) for p in mismatched[:1]])
    # The population really exercises the branches the two paths could disagree on.
    rows = list(expected.values())
    assert any(r["complete"] for r in rows) and not all(r["complete"] for r in rows)
    assert sum(r["refused"] for r in rows) > 50
    assert {r["professional_decided_by"] for r in rows} >= {"health", "county_defaults", "accounting"}
    assert any(r["categories"] for r in rows)
    assert {r["professional_required"] for r in rows} >= {Decimal(60), Decimal(72), Decimal(25), Decimal(30)}


def test_r12_unapproved_training_hours_are_not_counted_in_bulk(city: Runtime) -> None:
    with city.transaction() as s:
        ids = build_population(s, 40, seed=3)
        tenant_id, person_id = s.execute(select(Person.tenant_id, Person.id).where(Person.id == ids[0])).one()
        filed = s.scalars(select(Training.id).where(Training.status == "filed",
                                                    Training.tenant_id == tenant_id)).first()
        s.execute(update(Person).where(Person.id == person_id).values(series="工程"))
        s.execute(HourRecord.__table__.delete().where(HourRecord.person_id == person_id))
        for n, training in enumerate((None, filed)):
            s.add(HourRecord(tenant_id=tenant_id, person_id=person_id, year=2023, kind="professional",
                             amount=Decimal(40), unit="hours", project_name="p", source="t",
                             training_id=training, dedupe_key=f"r12:{n}"))
    with city.read() as s:
        (row,) = compute_statuses(s, city.plugins, 2023, Selection(person_ids=[person_id]))
    assert row["professional_earned"] == Decimal(40)
    assert row["professional_missing"] == Decimal(20)
    assert row["refused"] >= 1


def test_r16_job_records_every_person_and_matches_the_reference(population: Runtime) -> None:
    job = run_job(population, 2023, chunk_size=97)
    assert job.status == jobs.DONE
    assert (job.done_chunks, job.total_chunks, job.done_items, job.total_items) == (6, 6, 500, 500)
    stored = stored_rows(population, 2023)
    assert results_only(stored) == reference_rows(population, 2023)
    assert {r["job_id"] for r in stored.values()} == {job.id}


def test_running_a_verification_twice_stores_identical_rows(population: Runtime) -> None:
    run_job(population, 2023, chunk_size=150)
    first = stored_rows(population, 2023)
    second_job = run_job(population, 2023, chunk_size=70)
    assert stored_rows(population, 2023) == first  # evaluated_at and job_id untouched too
    with population.read() as s:
        changed = [c.result["changed"] for c in s.scalars(select(JobChunk).where(
            JobChunk.job_id == second_job.id))]
        assert s.query(AnnualStatusRow).count() == 500
    assert changed and sum(changed) == 0


def test_a_changed_record_rewrites_only_that_persons_status(population: Runtime) -> None:
    run_job(population, 2023)
    before = stored_rows(population, 2023)
    with population.transaction() as s:
        person = s.scalars(select(Person).where(Person.series == "工程").order_by(Person.id)).first()
        s.add(HourRecord(tenant_id=person.tenant_id, person_id=person.id, year=2023, kind="professional",
                         amount=Decimal(100), unit="hours", project_name="补登", source="t",
                         dedupe_key="change:1"))
    job = run_job(population, 2023)
    after = stored_rows(population, 2023)
    changed = [pid for pid in after if after[pid] != before[pid]]
    assert changed == [person.id]
    assert after[person.id]["professional_earned"] == before[person.id]["professional_earned"] + 100
    assert after[person.id]["job_id"] == job.id


def test_a_done_chunk_delivered_again_writes_nothing(population: Runtime) -> None:
    with population.transaction() as s:
        job = verification.plan_verification(s, SYSTEM, 2023, chunk_size=200)
        first_chunk = jobs.pending_chunk_ids(s, job.id)[0]
    with population.transaction() as s:
        once = verification.run_chunk(s, population.plugins, first_chunk)
    with population.transaction() as s:
        again = verification.run_chunk(s, population.plugins, first_chunk)
        progress = jobs.progress(s, job.id)
    assert once is not None and not once.skipped and once.changed == 200
    assert again is not None and again.skipped and again.changed == 0
    assert (progress.done_chunks, progress.done_items, progress.status) == (1, 200, jobs.RUNNING)
    with population.transaction() as s:
        assert verification.run_chunk(s, population.plugins, 999_999) is None


def test_a_failed_chunk_fails_the_job_until_it_is_run_again(population: Runtime) -> None:
    with population.transaction() as s:
        job = verification.plan_verification(s, SYSTEM, 2023, chunk_size=250)
        a, b = jobs.pending_chunk_ids(s, job.id)
    with population.transaction() as s:
        assert jobs.fail_chunk(s, a, "RuntimeError: boom")
        assert not jobs.fail_chunk(s, a, "again")  # only a pending chunk can fail
    with population.transaction() as s:
        verification.run_chunk(s, population.plugins, b)
    with population.read() as s:
        failed = jobs.progress(s, job.id)
    assert failed.status == jobs.FAILED and failed.errors == ("RuntimeError: boom",)
    assert [c for c in verification.run_job_inline(population.sessions, population.plugins, job.id)
            if not c.skipped]
    with population.read() as s:
        healed = jobs.progress(s, job.id)
    assert (healed.status, healed.done_chunks, healed.failed_chunks) == (jobs.DONE, 2, 0)
    assert healed.fraction == 1.0
    assert healed.finished_at is not None


def test_r16_a_tenant_job_records_only_that_tenants_persons(population: Runtime) -> None:
    with population.read() as s:
        tenant = get_tenant(s, "340822")
        expected = set(s.scalars(select(Person.id).where(Person.tenant_id == tenant.id)))
    job = run_job(population, 2023, tenant_codes=["340822"], chunk_size=10)
    assert job.params["tenants"] == ["340822"] and job.total_items == len(expected)
    assert set(stored_rows(population, 2023)) == expected


def test_an_explicit_list_of_persons(population: Runtime) -> None:
    with population.read() as s:
        ids = list(s.scalars(select(Person.id).order_by(Person.id)))[::50]
    job = run_job(population, 2022, person_ids=ids, chunk_size=4)
    assert job.total_chunks == 3
    assert sorted(stored_rows(population, 2022)) == ids
    assert results_only(stored_rows(population, 2022)) == reference_rows(population, 2022, ids)
    with population.transaction() as s, pytest.raises(NotFound):
        verification.plan_verification(s, SYSTEM, 2022, person_ids=[*ids, 10**9])


def test_bad_requests_are_refused(city: Runtime) -> None:
    with city.transaction() as s:
        with pytest.raises(ValidationFailed):
            verification.plan_verification(s, SYSTEM, 1800)
        with pytest.raises(ValidationFailed):
            verification.plan_verification(s, SYSTEM, 2023, tenant_codes=["340822"], person_ids=[1])
        with pytest.raises(NotFound):
            verification.plan_verification(s, SYSTEM, 2023, tenant_codes=["999999"])
        empty = verification.plan_verification(s, SYSTEM, 2023)
        assert (empty.status, empty.total_chunks) == (jobs.DONE, 0)
        assert s.scalar(select(Tenant.id).limit(1)) is not None


def test_r16_only_the_city_verifier_may_run_final_verification(city: Runtime) -> None:
    from platform_core.authz import adapter
    from platform_core.authz.enforcer import PlatformEnforcer
    from platform_core.models import AuditStamp
    from platform_core.users import role_domains

    with city.read() as s:
        kinds = {t.code: t.kind for t in s.scalars(select(Tenant))}
    rules = list(adapter.default_rules())
    for user, role, code in (("cv", "city_verifier", "340800"), ("cr", "county_reviewer", "340822")):
        rules += [("g", f"user:{user}", role, d) for d in role_domains(role, kinds[code], code)]
    enforcer = PlatformEnforcer.from_rules(rules, kinds)
    reviewer = Actor(None, "cr", "county_reviewer", "340822")
    verifier = Actor(None, "cv", "city_verifier", "340800")
    with city.transaction() as s:
        build_population(s, 20, seed=5)
        with pytest.raises(PermissionDenied):
            verification.plan_verification(s, reviewer, 2023, enforcer=enforcer, tenant_codes=["340822"])
        job = verification.plan_verification(s, verifier, 2023, enforcer=enforcer)
        stamp = s.scalars(select(AuditStamp).where(AuditStamp.object_type == "job")).one()
    assert (stamp.actor, stamp.action, stamp.object_id) == ("cv", "batch.final_verify", str(job.id))
    assert job.created_by == "cv"


def test_r06_bulk_and_per_person_agree_on_a_pass_dated_before_its_window(city) -> None:
    from datetime import date

    from platform_core.authz import Actor
    from platform_core.evaluation import evaluate_person_year
    from platform_core.models.jobs import AnnualStatusRow
    from platform_core.verification import plan_verification, run_job_inline
    from tests import factories as f

    with city.transaction() as s:
        p = f.person(s)
        f.public_pass(s, p, 2023, date(2022, 12, 20))
        job = plan_verification(s, Actor.system("test"), 2022)
    run_job_inline(city.sessions, city.plugins, job.id)
    with city.read() as s:
        stored = s.get(AnnualStatusRow, (p.id, 2022))
        direct = evaluate_person_year(s, city.plugins, s.merge(p), 2022)
    assert stored is not None and stored.refused == len(direct.refused) == 1
    assert stored.public_earned == direct.public.earned == 0
