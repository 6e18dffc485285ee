"""The Celery implementation of `platform_core.queue.TaskQueue` (entry point ``ceplat.queue``)."""

from __future__ import annotations

from typing import Any

from celery import Celery

from platform_core.runtime import Runtime
from workers.app import VISIBILITY_TIMEOUT, bind_runtime, make_celery
from workers.numbers import allocate
from workers.verification import enqueue_chunks


class CeleryQueue:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self._app: Celery | None = None

    @property
    def app(self) -> Celery:
        """One Celery app per queue (per Runtime), built on first use."""
        if self._app is None:
            self._app = make_celery(self.runtime.settings)
        return self._app

    def enqueue_verification(self, chunk_ids: list[int]) -> None:
        app = self.app
        if not self.runtime.settings.eager:
            enqueue_chunks(app, chunk_ids)
            return
        bind_runtime(self.runtime)  # the in-process tasks use the caller's runtime
        try:
            enqueue_chunks(app, chunk_ids)
        finally:
            bind_runtime(None)

    def allocate_numbers(self, application_id: int, user: int | str | None, timeout: float) -> dict[str, Any]:
        self.app  # noqa: B018 - the task binds to the app built for these settings
        eager = self.runtime.settings.eager
        if eager:
            bind_runtime(self.runtime)
        try:
            answer: dict[str, Any] = allocate.apply_async(args=[application_id, user]).get(timeout=timeout)
        finally:
            if eager:
                bind_runtime(None)
        return answer

    def run_worker(self, *, concurrency: int, loglevel: str, visibility_timeout: int | None,
                   hostname: str) -> None:
        app = make_celery(self.runtime.settings, visibility_timeout=visibility_timeout or VISIBILITY_TIMEOUT)
        app.worker_main(["worker", f"--concurrency={concurrency}", f"--loglevel={loglevel}",
                         f"--hostname={hostname}", "--pool=prefork", "--without-gossip", "--without-mingle"])
