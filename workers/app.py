"""The Celery app: built by a factory from Settings, never at import time.

Delivery is at least once (Redis broker). Every task here is idempotent, so the app acks
late and rejects (requeues) a task whose worker process died; see docs/workers.md.
With no broker configured (the embedded default) tasks run eagerly in the caller's process.

Tasks are declared with ``celery.shared_task`` in the modules of ``TASK_MODULES`` and so
belong to whichever app ``make_celery`` built. Each worker process builds its own Runtime
(engine + plugin host, the same plugin manager as the web and the CLI) once, after the fork.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery, current_app, signals

from platform_core.authz.sync import PolicySync
from platform_core.runtime import Runtime
from platform_core.settings import Settings, settings_from_env

log = logging.getLogger(__name__)

TASK_MODULES = ("workers.verification", "workers.numbers")

# Longest a chunk may run: soft limit raises in the task, hard limit kills the child.
SOFT_TIME_LIMIT = 240
TIME_LIMIT = 300
# Redis redelivers a task not acked after this long. It must exceed TIME_LIMIT, or a slow
# task would run twice at once (harmless here, chunks lock and skip when done, but wasteful).
# It is also how long a task of a SIGKILLed worker waits before it is delivered again.
VISIBILITY_TIMEOUT = 360


def make_celery(settings: Settings, *, visibility_timeout: int = VISIBILITY_TIMEOUT,
                **overrides: Any) -> Celery:
    """A Celery app for these settings. ``overrides`` are extra Celery settings (tests)."""
    app = Celery("ceplat", set_as_current=True)
    eager = settings.eager
    app.conf.update(
        broker_url=settings.broker_url or "memory://localhost/",
        result_backend=settings.result_backend if not eager else None,
        # Only ids, tenant codes and numbers travel: JSON, never pickle.
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        result_expires=3600,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_soft_time_limit=SOFT_TIME_LIMIT,
        task_time_limit=TIME_LIMIT,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": visibility_timeout,
            # kombu's defaults sweep for abandoned messages every ~100 s; every 2 s instead.
            "unacked_restore_interval": 2,
            "unacked_restore_throttle": 1,
        },
        result_backend_transport_options={"visibility_timeout": visibility_timeout},
        task_always_eager=eager,
        task_eager_propagates=True,
        worker_hijack_root_logger=False,
        include=list(TASK_MODULES),
        timezone="UTC",
        enable_utc=True,
    )
    app.conf.update(overrides)
    app.conf["ceplat_settings"] = settings
    for module in TASK_MODULES:
        __import__(module)
    return app


def celery_from_env() -> Celery:
    return make_celery(settings_from_env())


# -- one Runtime per process ----------------------------------------------------------------

_runtime: Runtime | None = None
_policy_sync: PolicySync | None = None


def bind_runtime(runtime: Runtime | None) -> None:
    """Make tasks in this process use ``runtime`` (eager mode: the caller's own runtime)."""
    global _runtime
    _runtime = runtime


def get_runtime() -> Runtime:
    """The process's Runtime, built on first use from the app's settings (or the environment)."""
    global _runtime
    if _runtime is None:
        settings = current_app.conf.get("ceplat_settings")
        _runtime = Runtime(settings=settings if isinstance(settings, Settings) else settings_from_env())
    return _runtime


@signals.worker_process_init.connect
def _build_runtime_after_fork(**_: Any) -> None:
    # A forked child must not share its parent's connections: drop any inherited runtime
    # (without disposing the parent's pool) and build this process's own, plugins included,
    # so a broken plugin fails the worker at start rather than the first task.
    global _runtime
    if _runtime is not None and "engine" in _runtime.__dict__:
        _runtime.engine.dispose(close=False)
    _runtime = None
    rt = get_runtime()
    rt.plugins  # noqa: B018
    # The policy is loaded once per worker process and kept fresh: a change made anywhere is
    # enforced here within a second (at once over Redis), without a restart.
    global _policy_sync
    _policy_sync = PolicySync(rt.enforcer, rt.sessions, redis_url=rt.settings.broker_url).start()


@signals.worker_process_shutdown.connect
def _close_runtime(**_: Any) -> None:
    if _policy_sync is not None:
        _policy_sync.stop()
    if _runtime is not None:
        _runtime.close()
