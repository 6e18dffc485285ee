"""Policy changes reach every running process without a restart.

Two paths, both ending in `PolicySync.check()`, which compares the database's policy version
(and tenant count) with the loaded snapshot and, if they differ, loads a new snapshot off to
the side and swaps it in:
- polling: a daemon thread reads the one-row `policy_version` every `interval` seconds —
  works on SQLite and PostgreSQL with nothing else running;
- Redis pub/sub (when a redis:// URL is configured): a committed change is published on
  `ceplat:policy` and subscribers check at once, so the poll can be slow.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from platform_core.authz.enforcer import PlatformEnforcer, load_snapshot, policy_state

CHANNEL = "ceplat:policy"
log = logging.getLogger(__name__)


def is_redis_url(url: str | None) -> bool:
    return bool(url) and str(url).startswith(("redis://", "rediss://", "unix://"))


def announce(redis_url: str, version: int) -> None:
    """Tell subscribers that policy `version` is committed. Best effort: polling is the net."""
    import redis

    try:
        client = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
        try:
            client.publish(CHANNEL, str(version))
        finally:
            client.close()
    except redis.RedisError as exc:
        log.warning("policy version %s not announced on Redis: %s", version, exc)


def announcer(redis_url: str | None) -> Callable[[int], None] | None:
    """What a Runtime's sessions call after committing a policy change (None: polling only)."""
    if not is_redis_url(redis_url):
        return None
    assert redis_url is not None

    def _announce(version: int) -> None:
        announce(redis_url, version)

    return _announce


class PolicySync:
    def __init__(self, enforcer: PlatformEnforcer, sessions: sessionmaker[Session], *,
                 interval: float = 1.0, redis_url: str | None = None):
        self.enforcer = enforcer
        self.sessions = sessions
        self.interval = interval
        self.redis_url = redis_url if is_redis_url(redis_url) else None
        self.reloads = 0
        self._stop = threading.Event()
        self._check_lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def check(self) -> bool:
        """Reload if the database moved on; True when a new snapshot was swapped in."""
        with self._check_lock:
            with self.sessions() as session:
                snap = self.enforcer.snapshot
                if policy_state(session) == snap.state:
                    return False
                new = load_snapshot(session)
            self.enforcer.swap(new)
            self.reloads += 1
            log.info("policy reloaded: version %s -> %s", snap.version, new.version)
            return True

    def _safe_check(self) -> None:
        try:
            self.check()
        except Exception:  # noqa: BLE001 - a bad moment must not kill the watcher thread
            log.exception("policy check failed; will retry")

    def _poll(self) -> None:
        while not self._stop.wait(self.interval):
            self._safe_check()

    def _listen(self) -> None:
        import redis

        assert self.redis_url is not None
        while not self._stop.is_set():
            try:
                client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=2)
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(CHANNEL)
                # A change may have been published while we were not subscribed.
                self._safe_check()
                while not self._stop.is_set():
                    if pubsub.get_message(timeout=1.0):
                        self._safe_check()
                pubsub.close()
                client.close()
            except redis.RedisError as exc:
                log.warning("policy channel unavailable (%s); polling continues", exc)
                self._stop.wait(2.0)

    def start(self) -> PolicySync:
        targets = [self._poll] + ([self._listen] if self.redis_url else [])
        for target in targets:
            t = threading.Thread(target=target, name=f"ceplat-policy-{target.__name__}", daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=3)
        self._threads.clear()
