"""A policy change made in one process is enforced by another running process within seconds,
without a restart: by polling the policy version (SQLite and PostgreSQL), and by Redis pub/sub
with the poll slowed to a minute so only the announcement can explain the speed."""

from __future__ import annotations

import queue
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from platform_core import users
from platform_core.authz import adapter
from platform_core.authz.actors import Actor
from platform_core.runtime import Runtime

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/0"
GRANT = ("p", "county_reviewer", "county:*", "number.allocate")

WATCHER = textwrap.dedent("""
    import sys, time
    from platform_core.authz.enforcer import PlatformEnforcer
    from platform_core.authz.sync import PolicySync
    from platform_core.runtime import Runtime
    from platform_core.settings import Settings

    url, redis_url, interval = sys.argv[1], sys.argv[2] or None, float(sys.argv[3])
    rt = Runtime(settings=Settings(database_url=url, broker_url=redis_url))
    with rt.read() as session:
        enforcer = PlatformEnforcer.load(session)
    PolicySync(enforcer, rt.sessions, interval=interval, redis_url=redis_url).start()
    print("ready", flush=True)
    while True:
        allowed = enforcer.enforce("user:hn", "340822", "number.allocate")
        print(("allow" if allowed else "deny"), enforcer.version, flush=True)
        time.sleep(0.05)
""")


class Watcher:
    """The other process: prints its decision for (hn, 340822, number.allocate) every 50 ms."""

    def __init__(self, url: str, redis_url: str | None, interval: float):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WATCHER, url, redis_url or "", str(interval)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.strip())

    def wait_for(self, word: str, timeout: float) -> float:
        """Seconds until the process printed `word`."""
        start = time.monotonic()
        while True:
            left = timeout - (time.monotonic() - start)
            if left <= 0:
                err = self.proc.stderr.read() if self.proc.poll() is not None and self.proc.stderr else ""
                raise AssertionError(f"the other process did not say {word!r} within {timeout}s {err}")
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line.split()[0] == word:
                return time.monotonic() - start

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)


@pytest.fixture
def reviewer(city: Runtime) -> Runtime:
    with city.transaction() as s:
        adapter.sync_policy(s)
        users.add_user(s, None, Actor.system("test"), username="hn", role="county_reviewer",
                       tenant_code="340822")
    return city


@pytest.fixture
def watcher_factory() -> Iterator[list[Watcher]]:
    started: list[Watcher] = []
    yield started
    for w in started:
        w.stop()


def change(rt: Runtime, add: bool) -> None:
    with rt.transaction() as s:
        if add:
            adapter.add_rules(s, [GRANT])
        else:
            adapter.remove_rules(s, [GRANT])


def test_policy_change_reaches_another_process_by_polling(reviewer: Runtime,
                                                          watcher_factory: list[Watcher]) -> None:
    w = Watcher(reviewer.settings.database_url, None, interval=0.5)
    watcher_factory.append(w)
    w.wait_for("ready", 60)
    w.wait_for("deny", 10)
    change(reviewer, add=True)
    assert w.wait_for("allow", 5) < 5
    change(reviewer, add=False)
    assert w.wait_for("deny", 5) < 5
    with reviewer.transaction() as s:  # disabling the user is a policy change too
        adapter.add_rules(s, [GRANT])
    w.wait_for("allow", 5)
    with reviewer.transaction() as s:
        users.disable_user(s, None, Actor.system("test"), "hn")
    assert w.wait_for("deny", 5) < 5


@pytest.mark.redis
def test_policy_change_reaches_another_process_over_redis(sqlite_runtime: Runtime,
                                                          watcher_factory: list[Watcher]) -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        from tests.conftest import service_missing

        service_missing("Redis", exc)
    from platform_core.tenancy import load_tenant_files, sync_tenants

    rt = sqlite_runtime
    with rt.transaction() as s:
        sync_tenants(s, load_tenant_files(ROOT / "tenants"))
        adapter.sync_policy(s)
        users.add_user(s, None, Actor.system("test"), username="hn", role="county_reviewer",
                       tenant_code="340822")
    w = Watcher(rt.settings.database_url, REDIS_URL, interval=60)
    watcher_factory.append(w)
    w.wait_for("ready", 60)
    w.wait_for("deny", 10)
    time.sleep(0.5)  # let the subscriber settle on the channel
    announcing = Runtime(settings=replace(rt.settings, broker_url=REDIS_URL), plugin_host=rt.plugins)
    try:
        change(announcing, add=True)
        assert w.wait_for("allow", 3) < 3  # a 60 s poll cannot have done it
        change(announcing, add=False)
        assert w.wait_for("deny", 3) < 3
    finally:
        announcing.close()
