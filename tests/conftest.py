"""Shared fixtures: a migrated database on SQLite and on the machine's PostgreSQL.

PostgreSQL is reached over a real connection. Where it is missing, tests that need it are
skipped on a developer machine and *fail* under CI=true (a missing service is never a skip
there).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, text
from sqlalchemy import exc as sa_exc

from platform_core import migrate
from platform_core.db import make_engine
from platform_core.models import Base
from platform_core.plugins import build_plugin_host
from platform_core.runtime import Runtime
from platform_core.settings import Settings
from platform_core.tenancy import load_tenant_files, sync_tenants
from platform_core.topics import load_topics, sync_topics

# SQLite stores Numeric as REAL; our amounts have two decimals, so round-tripping is exact.
warnings.filterwarnings("ignore", category=sa_exc.SAWarning, message=".*Decimal objects natively.*")

PG_ADMIN_URL = os.environ.get("CEPLAT_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI") == "true"
ROOT = Path(__file__).resolve().parent.parent


def service_missing(what: str, why: object) -> None:
    msg = f"{what} is not reachable: {why}"
    if IN_CI:
        pytest.fail(f"CI=true: {msg}", pytrace=False)
    pytest.skip(msg)


def _worker_suffix() -> str:
    # Unique per process: several test runs (and xdist workers) may share one server.
    return f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test worker."""
    name = f"ceplat_test_{_worker_suffix()}"
    try:
        admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any connection failure means "missing"
        service_missing("PostgreSQL", exc)
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("db") / "ceplat.sqlite3"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


def wipe(engine: Engine) -> None:
    """Delete every row but the Alembic version, children first."""
    meta = MetaData()
    meta.reflect(engine)
    tables = [t for t in reversed(meta.sorted_tables) if t.name != "alembic_version"]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            if names:
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                conn.execute(t.delete())


@pytest.fixture(scope="session")
def plugin_host():
    return build_plugin_host()


def _runtime(url: str, plugin_host, tmp_path: Path) -> Iterator[Runtime]:
    rt = Runtime(settings=Settings(database_url=url, tenants_dir=ROOT / "tenants"),
                 plugin_host=plugin_host)
    wipe(rt.engine)
    try:
        yield rt
    finally:
        rt.close()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("pg_url" if backend == "postgres" else "sqlite_url")


@pytest.fixture
def runtime(db_url: str, plugin_host, tmp_path: Path) -> Iterator[Runtime]:
    """A Runtime on an empty, migrated database — once on SQLite, once on PostgreSQL."""
    yield from _runtime(db_url, plugin_host, tmp_path)


@pytest.fixture
def sqlite_runtime(sqlite_url: str, plugin_host, tmp_path: Path) -> Iterator[Runtime]:
    yield from _runtime(sqlite_url, plugin_host, tmp_path)


@pytest.fixture
def pg_runtime(pg_url: str, plugin_host, tmp_path: Path) -> Iterator[Runtime]:
    yield from _runtime(pg_url, plugin_host, tmp_path)


@pytest.fixture
def city(runtime: Runtime) -> Runtime:
    """The runtime with Anqing's tenants synced."""
    with runtime.transaction() as session:
        sync_tenants(session, load_tenant_files(ROOT / "tenants"))
        sync_topics(session, load_topics())
    return runtime


assert Base.metadata.tables  # the models are imported before any fixture runs
