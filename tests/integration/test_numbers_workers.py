"""Certificate numbers through REAL Celery worker processes on Redis and PostgreSQL (R18, R20).

Four separate ``celery worker`` processes take allocation tasks for several applications at
once; the numbers must come out with no duplicate and no gap per (series, year), and a
task delivered twice must number nothing twice. Not eager mode: eager is no test of a worker.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery
from sqlalchemy import func, select, text

from bench.numbers import start_workers, stop_workers, wait_ready
from platform_core.models import CECertificate
from platform_core.models.numbering import NumberApplicationRow, NumberCounter
from platform_core.runtime import Runtime
from platform_core.settings import Settings
from platform_core.tenancy import load_tenant_files, sync_tenants
from tests.conftest import ROOT, service_missing
from tests.integration.numbers_support import applicant_rows, file_sheet, setup_actors, write_application

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.redis,
              pytest.mark.xdist_group("numbers_workers")]

WORKERS = 4
WAIT = 60


def _redis_url() -> str:
    # A database of our own per xdist worker; flushed before use.
    index = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    return f"redis://127.0.0.1:6379/{12 + index}"


@pytest.fixture(scope="module")
def broker() -> str:
    import redis

    url = _redis_url()
    try:
        redis.Redis.from_url(url).flushdb()
    except Exception as exc:  # noqa: BLE001 - any failure means the service is missing
        service_missing("Redis", exc)
    return url


@pytest.fixture(scope="module")
def celery(pg_url: str, broker: str) -> Iterator[Celery]:
    """Four worker processes (one child each) and the client app that sends them tasks."""
    from workers.app import make_celery

    procs = start_workers(pg_url, broker, WORKERS, name="numbers")
    try:
        app = make_celery(Settings(database_url=pg_url, broker_url=broker, result_backend=broker))
        try:
            wait_ready(app, procs, WORKERS, timeout=WAIT)
        except RuntimeError as exc:
            pytest.fail(str(exc))
        yield app
    finally:
        stop_workers(procs)


@pytest.fixture
def city_pg(pg_runtime: Runtime) -> Runtime:
    with pg_runtime.transaction() as session:
        sync_tenants(session, load_tenant_files(ROOT / "tenants"))
    return pg_runtime


def _file(rt: Runtime, tmp_path: Path, name: str, n: int, start: int, series: str) -> int:
    path = write_application(tmp_path / name, applicant_rows(n, start=start, series=series), series=series,
                             styled=False)
    report = file_sheet(rt, path, series)
    assert report.written, report.errors[:3]
    assert report.application_id is not None
    return report.application_id


def _assert_gapless_and_unique(rt: Runtime) -> dict[str, int]:
    with rt.read() as session:
        dupes = session.execute(text(
            "SELECT number FROM ce_certificates WHERE number IS NOT NULL GROUP BY number HAVING count(*) > 1"
        )).all()
        assert dupes == []
        per_person = session.execute(text(
            "SELECT person_id FROM ce_certificates GROUP BY person_id HAVING count(*) > 1")).all()
        assert per_person == []
        counters = {s: n for s, n in session.execute(select(NumberCounter.series, NumberCounter.last_seq))}
        for series, last in counters.items():
            seqs = sorted(int(n[-6:]) for n in session.scalars(
                select(CECertificate.number).where(CECertificate.series == series)))
            assert seqs == list(range(1, last + 1)), f"gap or duplicate in {series}"
        unnumbered = session.scalar(select(func.count()).select_from(NumberApplicationRow)
                                    .where(NumberApplicationRow.certificate_number.is_(None)))
        assert unnumbered == 0
    return counters


def test_r20_four_workers_allocating_at_once_leave_no_duplicate_and_no_gap(celery, city_pg, tmp_path) -> None:
    from workers.numbers import allocate

    with city_pg.transaction() as session:
        admin = setup_actors(session)["admin"]
    # Three engineering and three health sheets of 1,500 (two batches each); the third health
    # sheet repeats 50 engineers, so two series' allocators race for the same persons.
    apps = [_file(city_pg, tmp_path, f"e{i}.xlsx", 1500, 1500 * i, "工程") for i in range(3)]
    apps += [_file(city_pg, tmp_path, f"h{i}.xlsx", 1500, 4500 + 1500 * i - (50 if i == 2 else 0), "卫生")
             for i in range(3)]
    started = time.monotonic()
    results = [allocate.apply_async(args=[a, admin.user_id]) for a in apps]
    answers = [r.get(timeout=WAIT) for r in results]
    assert time.monotonic() - started < WAIT
    assert all("result" in a for a in answers), answers
    counters = _assert_gapless_and_unique(city_pg)
    persons = 9000 - 50
    assert sum(a["result"]["allocated"] for a in answers) == persons == sum(counters.values())
    assert sum(a["result"]["kept"] for a in answers) == 50
    with city_pg.read() as session:
        assert session.scalar(select(func.count()).select_from(CECertificate)) == persons


def test_r20_a_redelivered_allocation_task_numbers_nothing_twice(celery, city_pg, tmp_path) -> None:
    from workers.numbers import allocate

    with city_pg.transaction() as session:
        actors = setup_actors(session)
    application = _file(city_pg, tmp_path, "a.xlsx", 2500, 0, "卫生")
    # The same task delivered twice at once, then the very same message (same task id) again.
    first = allocate.apply_async(args=[application, actors["admin"].user_id], task_id="alloc-redelivered")
    second = allocate.apply_async(args=[application, actors["admin"].user_id])
    answers = [first.get(timeout=WAIT), second.get(timeout=WAIT)]
    first.forget()  # so that waiting on the id waits for the re-sent message's own run
    again = allocate.apply_async(args=[application, actors["admin"].user_id], task_id="alloc-redelivered")
    answers.append(again.get(timeout=WAIT))
    assert all("result" in a for a in answers), answers
    allocated = [a["result"]["allocated"] for a in answers]
    assert sum(allocated) == 2500 and allocated[2] == 0
    assert answers[2]["result"]["already_done"] == 2500
    assert _assert_gapless_and_unique(city_pg) == {"卫生": 2500}


@pytest.mark.parametrize("who", ["county", "base"])
def test_r18_a_worker_refuses_allocation_for_anyone_but_the_city_office(celery, city_pg, tmp_path,
                                                                       who: str) -> None:
    from workers.numbers import allocate

    with city_pg.transaction() as session:
        actors = setup_actors(session)
    application = _file(city_pg, tmp_path, "a.xlsx", 3, 0, "卫生")
    answer = allocate.apply_async(args=[application, actors[who].user_id]).get(timeout=WAIT)
    assert answer["kind"] == "PermissionDenied", answer
    with city_pg.read() as session:
        assert session.scalar(select(func.count()).select_from(CECertificate)) == 0
