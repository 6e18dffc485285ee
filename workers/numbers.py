"""Celery tasks for certificate numbers: thin adapters over `platform_core.numbering`.

``ceplat.numbers.allocate(application_id, user)`` numbers every row of an application (R18–R20).
It is idempotent (rows already numbered are skipped, never numbered twice), so it runs with
``acks_late`` and ``reject_on_worker_lost``: a killed worker's task comes back and finishes.
Refusals and unknown ids are answers, not failures: the task returns ``{"error": {...}}``
and is not retried; only transient database errors are retried, with backoff.
"""

from __future__ import annotations

import logging
import random
from typing import Any

from celery import Task, shared_task

from platform_core import users
from platform_core.authz.actors import Actor
from platform_core.errors import CeplatError
from platform_core.numbering import allocate_application, is_transient
from platform_core.runtime import Runtime
from workers.app import get_runtime

log = logging.getLogger(__name__)

ALLOCATE = "ceplat.numbers.allocate"
MAX_RETRIES = 6


def resolve_actor(runtime: Runtime, user: int | str | None) -> Actor:
    """The actor behind a user id or username; None is the system operator (shell, maintenance)."""
    if user is None:
        return Actor.system("worker")
    with runtime.read() as session:
        return users.resolve_actor(session, user)


def backoff(retries: int) -> float:
    return min(2.0 ** retries, 30.0) * (0.5 + random.random())


def run_allocation(runtime: Runtime, application_id: int, user: int | str | None) -> dict[str, Any]:
    """The task's body: ``{"result": …}``, or ``{"error": …}`` for a refusal or an unknown id.
    Transient errors propagate (the task retries them). The CLI calls this in-process when no
    broker is configured."""
    try:
        actor = resolve_actor(runtime, user)
        result = allocate_application(runtime, int(application_id), actor, enforcer=runtime.enforcer)
    except CeplatError as exc:
        if is_transient(exc):
            raise
        log.info("numbers.allocate refused", extra={"application_id": application_id, "code": exc.code})
        # The class travels by name: the CLI raises the same error (and exit code) again.
        return {"error": exc.as_dict(), "kind": type(exc).__name__}
    return {"result": result.as_dict()}


# The CLI waits for the answer, so this task keeps its result (the app ignores results by
# default). Allocation runs in batches of 1,000 numbers per transaction: 100,000 numbers take
# seconds, far inside the app's time limits and the broker's visibility timeout.
@shared_task(name=ALLOCATE, bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=False,
             max_retries=MAX_RETRIES)
def allocate(self: Task, application_id: int, user: int | str | None = None) -> dict[str, Any]:
    try:
        return run_allocation(get_runtime(), application_id, user)
    except Exception as exc:
        if not is_transient(exc) or self.request.is_eager:
            raise
        log.warning("numbers.allocate retried", extra={"application_id": application_id,
                                                      "retries": self.request.retries})
        raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc
