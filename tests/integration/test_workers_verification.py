"""Bulk verification through REAL ``celery worker`` processes on Redis and PostgreSQL.

Not eager mode: each test starts ``ceplat worker`` as a subprocess (its own process group),
sends the job's chunks through Redis and compares the recorded statuses with an in-process
run on the same data. One test kills the whole worker with SIGKILL mid-job and restarts it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text

from platform_core import jobs, migrate, verification
from platform_core.authz.actors import Actor
from platform_core.db import make_engine
from platform_core.models import AnnualStatusRow, JobChunk
from platform_core.runtime import Runtime
from platform_core.settings import Settings
from platform_core.tenancy import load_tenant_files, sync_tenants
from platform_core.topics import load_topics, sync_topics
from tests.conftest import PG_ADMIN_URL, ROOT, service_missing
from tests.integration.verification_population import build_population

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.redis,
              pytest.mark.xdist_group("celery_workers")]

PERSONS = 3000
YEAR = 2023
SYSTEM = Actor.system("test")
SUFFIX = os.environ.get("PYTEST_XDIST_WORKER", "main")
# A Redis database of our own, flushed before each test (the numbering tests use others).
REDIS_DB = 10 + (int(SUFFIX[2:]) if SUFFIX.startswith("gw") and SUFFIX[2:].isdigit() else 0) % 4
BROKER = f"redis://127.0.0.1:6379/{REDIS_DB}"
VISIBILITY = 3  # seconds: a killed worker's tasks come back after this


def _redis():
    import redis

    client = redis.Redis.from_url(BROKER)
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "missing"
        service_missing("Redis", exc)
    return client


@pytest.fixture(scope="module")
def worker_db() -> Iterator[str]:
    """A PostgreSQL database of this module's own, with the synthetic population."""
    import psycopg

    name = f"ceplat_workers_{SUFFIX}"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # noqa: BLE001
        service_missing("PostgreSQL", exc)
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    rt = Runtime(settings=Settings(database_url=url, tenants_dir=ROOT / "tenants"))
    with rt.transaction() as session:
        sync_tenants(session, load_tenant_files(ROOT / "tenants"))
        sync_topics(session, load_topics())
        build_population(session, PERSONS, seed=23)
    rt.close()
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def reference(worker_db: str) -> dict[int, tuple]:
    """The statuses an in-process run records (no Celery at all)."""
    rt = Runtime(settings=Settings(database_url=worker_db, tenants_dir=ROOT / "tenants"))
    with rt.transaction() as session:
        job = verification.plan_verification(session, SYSTEM, YEAR, chunk_size=700)
    verification.run_job_inline(rt.sessions, rt.plugins, job.id)
    out = _results(rt)
    rt.close()
    assert len(out) == PERSONS
    return out


@pytest.fixture
def rt(worker_db: str, reference: dict[int, tuple]) -> Iterator[Runtime]:
    """A broker-configured runtime on an empty annual_statuses table and an empty queue."""
    _redis().flushdb()
    runtime = Runtime(settings=Settings(database_url=worker_db, broker_url=BROKER, result_backend=BROKER,
                                        tenants_dir=ROOT / "tenants"))
    with runtime.transaction() as session:
        session.execute(delete(AnnualStatusRow))
    yield runtime
    runtime.close()


def _results(rt: Runtime) -> dict[int, tuple]:
    cols = [AnnualStatusRow.__table__.c[c] for c in ("person_id", "year", *verification.RESULT_COLUMNS)]
    with rt.read() as session:
        rows = session.execute(select(*cols).where(AnnualStatusRow.year == YEAR))
        return {row[0]: tuple(row) for row in rows}


class Worker:
    """``ceplat worker`` as a real subprocess in its own process group."""

    def __init__(self, rt: Runtime, log: Path, concurrency: int = 2):
        self.rt, self.log, self.concurrency = rt, log, concurrency
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> Worker:
        from workers.app import make_celery

        env = {**os.environ, "CEPLAT_DATABASE_URL": self.rt.settings.database_url,
               "CEPLAT_BROKER_URL": BROKER}
        code = "from platform_core.cli import main; raise SystemExit(main())"
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code, "worker", "--concurrency", str(self.concurrency),
             "--visibility-timeout", str(VISIBILITY), "--loglevel", "INFO",
             "--hostname", f"test-{SUFFIX}-{time.monotonic_ns()}@%h"],
            env=env, cwd=ROOT, stdout=self.log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
        app = make_celery(self.rt.settings)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            if app.control.ping(timeout=0.5):
                return self
        pytest.fail(f"worker did not start:\n{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the whole worker: main process and pool children, no goodbye."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


@pytest.fixture
def worker(rt: Runtime, tmp_path: Path) -> Iterator[Worker]:
    w = Worker(rt, tmp_path / "worker.log")
    yield w
    w.stop()


def _enqueue(rt: Runtime, chunk_size: int) -> int:
    from workers.app import make_celery
    from workers.verification import enqueue_chunks

    with rt.transaction() as session:
        job = verification.plan_verification(session, SYSTEM, YEAR, chunk_size=chunk_size)
        jobs.mark_running(session, job.id)
        chunk_ids = jobs.pending_chunk_ids(session, job.id)
    enqueue_chunks(make_celery(rt.settings), chunk_ids)
    return job.id


def _progress(rt: Runtime, job_id: int) -> jobs.JobProgress:
    with rt.read() as session:
        return jobs.progress(session, job_id)


def _wait(rt: Runtime, job_id: int, worker: Worker, timeout: float = 90) -> jobs.JobProgress:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = _progress(rt, job_id)
        if state.finished:
            return state
        time.sleep(0.1)
    broker = _redis()
    with rt.read() as session:
        activity = session.execute(text(
            "SELECT pid, state, wait_event_type, left(query, 80) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")).all()
    pytest.fail(f"job {job_id} not finished: {_progress(rt, job_id)}\n"
                f"queue {broker.llen('celery')}, unacked {broker.hlen('unacked')}, db {activity}\n"
                f"log {worker.log}:\n{worker.log.read_text()[-3000:]}")


def test_r16_a_job_run_by_real_workers_records_what_an_in_process_run_records(
        rt: Runtime, worker: Worker, reference: dict[int, tuple]) -> None:
    worker.start()
    job_id = _enqueue(rt, chunk_size=250)
    state = _wait(rt, job_id, worker)
    assert state.status == jobs.DONE
    assert (state.done_chunks, state.total_chunks, state.done_items) == (12, 12, PERSONS)
    assert _results(rt) == reference
    log = worker.log.read_text()
    assert "ceplat.verification.run_chunk" in log and "ForkPoolWorker" in log  # really a worker


def test_a_worker_killed_mid_job_and_restarted_leaves_identical_results(
        rt: Runtime, worker: Worker, reference: dict[int, tuple]) -> None:
    broker = _redis()
    worker.start()
    job_id = _enqueue(rt, chunk_size=25)  # 120 small chunks: the kill lands mid-job
    deadline = time.monotonic() + 60
    while (done := _progress(rt, job_id).done_chunks) < 12:
        assert time.monotonic() < deadline, worker.log.read_text()[-3000:]
        time.sleep(0.01)
    worker.kill()
    at_kill = _progress(rt, job_id)
    in_flight = broker.hlen("unacked")
    assert not at_kill.finished and done <= at_kill.done_chunks < at_kill.total_chunks
    assert in_flight >= 1  # tasks were delivered and never acknowledged: they must come back

    worker.start()
    state = _wait(rt, job_id, worker)
    assert state.status == jobs.DONE
    # Every chunk counted exactly once: a double write would push these past the totals.
    assert (state.done_chunks, state.done_items, state.failed_chunks) == (120, PERSONS, 0)
    with rt.read() as session:
        statuses = set(session.scalars(select(JobChunk.status).where(JobChunk.job_id == job_id)))
        rows = session.scalar(text("SELECT count(*) FROM annual_statuses"))
    assert statuses == {jobs.DONE} and rows == PERSONS
    assert _results(rt) == reference
