"""Verification tasks: thin adapters over ``platform_core.verification``.

They take ids only, run one chunk per task in one transaction, retry with backoff only on
transient database/broker errors, and treat a missing chunk as a logged no-op. Every task
is idempotent: a redelivered chunk finds itself done and writes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from celery import Celery, Task, shared_task, signals
from kombu.exceptions import OperationalError as BrokerOperationalError
from sqlalchemy.exc import OperationalError

from platform_core import jobs, verification
from workers.app import get_runtime

log = logging.getLogger(__name__)

RUN_CHUNK = "ceplat.verification.run_chunk"
START_JOB = "ceplat.verification.start_job"
RESUME = "ceplat.verification.resume"

# Lost connections, a database restarting, SQLite "database is locked": worth another try.
TRANSIENT: tuple[type[BaseException], ...] = (OperationalError, ConnectionError, BrokerOperationalError)
MAX_RETRIES = 5


def backoff(retries: int) -> int:
    """Seconds before retry ``retries + 1``: 2, 4, 8, 16, 32 (capped at 60)."""
    return int(min(60, 2 ** (retries + 1)))


def _fail_chunk(chunk_id: int, exc: BaseException) -> None:
    rt = get_runtime()
    try:
        with rt.transaction() as session:
            jobs.fail_chunk(session, chunk_id, f"{type(exc).__name__}: {exc}")
    except Exception:  # noqa: BLE001 - the database may be what failed; the log keeps the cause
        log.exception("could not mark verification chunk %s failed", chunk_id)


# Results are not stored: progress lives in the jobs tables.
@shared_task(name=RUN_CHUNK, bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES,
             ignore_result=True)
def run_chunk(self: Task, chunk_id: int) -> dict[str, Any] | None:
    rt = get_runtime()
    try:
        with rt.transaction() as session:
            outcome = verification.run_chunk(session, rt.plugins, chunk_id, city_code=rt.settings.city_code)
    except TRANSIENT as exc:
        if self.request.is_eager or self.request.retries >= MAX_RETRIES:
            _fail_chunk(chunk_id, exc)
            raise
        log.warning("verification chunk %s: transient error, retrying: %s", chunk_id, exc)
        raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc
    except Exception as exc:
        _fail_chunk(chunk_id, exc)
        raise
    if outcome is None:
        log.warning("verification chunk %s does not exist; nothing to do", chunk_id)
        return None
    if outcome.skipped:
        log.info("verification chunk %s was already done (redelivery); nothing written", chunk_id)
    return outcome.as_dict()


@shared_task(name=START_JOB, bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES,
             autoretry_for=TRANSIENT, retry_backoff=2, retry_backoff_max=60, ignore_result=True)
def start_job(self: Task, job_id: int) -> int:
    """Fan a job's unfinished chunks out to the workers (safe to repeat: done chunks skip)."""
    rt = get_runtime()
    with rt.transaction() as session:
        jobs.mark_running(session, job_id)
        pending = jobs.pending_chunk_ids(session, job_id)
    for chunk_id in pending:
        run_chunk.apply_async((chunk_id,))
    return len(pending)


@shared_task(name=RESUME, bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES,
             autoretry_for=TRANSIENT, retry_backoff=2, retry_backoff_max=60, ignore_result=True)
def resume(self: Task) -> dict[str, int]:
    """Send again the unfinished chunks of every unfinished verification job.

    Redis delivery has a gap: a worker killed between taking a message off the queue and
    recording it as unacknowledged loses it for good. Each worker sends this task when it
    starts, so a restart after a crash finishes every job; chunks still queued arrive twice
    and the second copy finds its chunk done and writes nothing.
    """
    rt = get_runtime()
    with rt.transaction() as session:
        pending = {job_id: jobs.pending_chunk_ids(session, job_id)
                   for job_id in jobs.unfinished_job_ids(session, verification.VERIFICATION)}
    for chunk_ids in pending.values():
        for chunk_id in chunk_ids:
            run_chunk.apply_async((chunk_id,))
    if pending:
        log.info("resumed %d verification job(s): %s", len(pending),
                 {job: len(chunks) for job, chunks in pending.items()})
    return {str(job): len(chunks) for job, chunks in pending.items()}


@signals.worker_ready.connect
def _resume_on_start(sender: Any = None, **_: Any) -> None:
    app = getattr(sender, "app", None)
    if app is not None and not app.conf.task_always_eager:
        app.send_task(RESUME)


def enqueue_chunks(app: Celery, chunk_ids: Sequence[int]) -> None:
    """Send one task per chunk (in eager mode: run them here, in order)."""
    task = app.tasks[RUN_CHUNK]
    for chunk_id in chunk_ids:
        task.apply_async((chunk_id,))
