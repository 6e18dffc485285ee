"""The seam between the core and the task queue.

The core never imports ``workers``: the queue implementation registers itself under the
entry-point group ``ceplat.queue`` (ce-platform ships ``celery = "workers.queue:CeleryQueue"``)
and the CLI and web ask for it here. With no broker configured the implementation runs the
tasks eagerly, in the calling process, on the caller's Runtime.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any, Protocol

from platform_core.errors import ConfigurationError
from platform_core.runtime import Runtime

ENTRY_POINT_GROUP = "ceplat.queue"


class TaskQueue(Protocol):
    def enqueue_verification(self, chunk_ids: list[int]) -> None:
        """Hand verification chunks to the workers (eagerly: run them now)."""

    def allocate_numbers(self, application_id: int, user: int | str | None, timeout: float) -> dict[str, Any]:
        """Run number allocation as a task and wait: ``{"result": …}`` or ``{"error": …}``."""

    def run_worker(self, *, concurrency: int, loglevel: str, visibility_timeout: int | None,
                   hostname: str) -> None:
        """Run a worker in this process until it is stopped."""


def task_queue(runtime: Runtime, name: str = "celery") -> TaskQueue:
    found = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    if name not in found:
        raise ConfigurationError(f"未安装任务队列「{name}」（入口点组 {ENTRY_POINT_GROUP}）",
                                 code="no_task_queue")
    factory = found[name].load()
    queue: TaskQueue = factory(runtime)
    return queue
