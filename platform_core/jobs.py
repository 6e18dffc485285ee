"""Job and chunk bookkeeping: create a job with its chunks, finish or fail a chunk, progress.

A chunk is finished in the same transaction as its results (the caller's session), and the
job's counters move by one atomic ``UPDATE``, so progress counts committed chunks exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, insert, literal, select, update
from sqlalchemy.orm import Session

from platform_core.authz import Action, Actor, PlatformEnforcer, authorize
from platform_core.errors import NotFound
from platform_core.models import Job, JobChunk, utcnow

PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"
FINAL = frozenset({DONE, FAILED})


@dataclass(frozen=True)
class ChunkSpec:
    """What a chunk covers: ids from ``first_id`` to ``last_id`` (inclusive) within the job's
    scope, or exactly ``item_ids`` when given."""

    first_id: int
    last_id: int
    items: int
    item_ids: Sequence[int] | None = None


@dataclass(frozen=True)
class JobProgress:
    id: int
    kind: str
    year: int | None
    status: str
    params: dict[str, Any]
    total_chunks: int
    done_chunks: int
    failed_chunks: int
    total_items: int
    done_items: int
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    errors: tuple[str, ...] = ()

    @property
    def fraction(self) -> float:
        return self.done_chunks / self.total_chunks if self.total_chunks else 1.0

    @property
    def finished(self) -> bool:
        return self.status in FINAL

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "year": self.year, "status": self.status,
            "params": self.params, "progress": round(self.fraction, 4),
            "chunks": {"total": self.total_chunks, "done": self.done_chunks,
                       "failed": self.failed_chunks},
            "items": {"total": self.total_items, "done": self.done_items},
            "created_by": self.created_by, "created_at": self.created_at,
            "started_at": self.started_at, "finished_at": self.finished_at,
            "errors": list(self.errors),
        }


def create_job(session: Session, kind: str, chunks: Sequence[ChunkSpec], *, year: int | None = None,
               params: dict[str, Any] | None = None, created_by: str = "") -> Job:
    """A pending job and its chunks (flushed, not committed: enqueue only after commit)."""
    job = Job(kind=kind, year=year, params=dict(params or {}), status=PENDING,
              total_chunks=len(chunks), done_chunks=0, failed_chunks=0,
              total_items=sum(c.items for c in chunks), done_items=0, created_by=created_by)
    session.add(job)
    session.flush()
    if chunks:
        session.execute(insert(JobChunk), [
            {"job_id": job.id, "seq": i, "status": PENDING, "first_id": c.first_id,
             "last_id": c.last_id, "items": c.items,
             "item_ids": list(c.item_ids) if c.item_ids is not None else None}
            for i, c in enumerate(chunks)])
    else:
        job.status, job.finished_at = DONE, utcnow()
    return job


def mark_running(session: Session, job_id: int) -> None:
    """The job was handed to the workers (or is about to run in-process)."""
    session.execute(update(Job).where(Job.id == job_id, Job.status == PENDING)
                    .values(status=RUNNING, started_at=utcnow()))


def pending_chunk_ids(session: Session, job_id: int) -> list[int]:
    """Chunks without committed results (pending or failed), in order: what to (re)enqueue."""
    return list(session.scalars(select(JobChunk.id).where(
        JobChunk.job_id == job_id, JobChunk.status != DONE).order_by(JobChunk.seq)))


def unfinished_job_ids(session: Session, kind: str) -> list[int]:
    """Jobs of ``kind`` still pending or running (what a restarted worker resumes)."""
    return list(session.scalars(select(Job.id).where(Job.kind == kind, Job.status.in_((PENDING, RUNNING)))
                                .order_by(Job.id)))


def lock_chunk(session: Session, chunk_id: int) -> JobChunk | None:
    """The chunk, locked until the caller's transaction ends (PostgreSQL ``FOR UPDATE``).

    A redelivered copy of a running chunk waits here and then sees it done; SQLite has one
    writer at a time anyway.
    """
    return session.scalar(select(JobChunk).where(JobChunk.id == chunk_id).with_for_update())


def _status_after(done: Any, failed: Any) -> Any:
    return case((done + failed < Job.total_chunks, RUNNING), (failed > 0, FAILED), else_=DONE)


def _finished_at_after(done: Any, failed: Any) -> Any:
    now = literal(utcnow(), Job.finished_at.type)
    return case((done + failed < Job.total_chunks, None), else_=func.coalesce(Job.finished_at, now))


def finish_chunk(session: Session, chunk: JobChunk, items: int, result: dict[str, Any]) -> None:
    """Record a chunk's success in the caller's transaction (the one holding its results)."""
    was_failed = chunk.status == FAILED
    chunk.status, chunk.result, chunk.error, chunk.finished_at = DONE, result, None, utcnow()
    session.flush()
    done = Job.done_chunks + 1
    failed = Job.failed_chunks - (1 if was_failed else 0)
    # One statement: concurrent chunks serialise on the job row, each sees the other's +1.
    session.execute(update(Job).where(Job.id == chunk.job_id).values(
        done_chunks=done, failed_chunks=failed, done_items=Job.done_items + items,
        status=_status_after(done, failed), finished_at=_finished_at_after(done, failed)))


def fail_chunk(session: Session, chunk_id: int, error: str) -> bool:
    """Mark a pending chunk failed (its results were rolled back). False if not pending."""
    chunk = lock_chunk(session, chunk_id)
    if chunk is None or chunk.status != PENDING:
        return False
    chunk.status, chunk.error, chunk.finished_at = FAILED, error[:2000], utcnow()
    session.flush()
    done, failed = Job.done_chunks, Job.failed_chunks + 1
    session.execute(update(Job).where(Job.id == chunk.job_id).values(
        failed_chunks=failed, status=_status_after(done, failed),
        finished_at=_finished_at_after(done, failed)))
    return True


def progress(session: Session, job_id: int) -> JobProgress:
    job = session.get(Job, job_id, populate_existing=True)
    if job is None:
        raise NotFound(f"找不到任务 {job_id}", code="job_not_found")
    errors: tuple[str, ...] = ()
    if job.failed_chunks:
        errors = tuple(e for e in session.scalars(
            select(JobChunk.error).where(JobChunk.job_id == job_id, JobChunk.status == FAILED)
            .order_by(JobChunk.seq).limit(5)) if e)
    return JobProgress(job.id, job.kind, job.year, job.status, dict(job.params or {}),
                       job.total_chunks, job.done_chunks, job.failed_chunks, job.total_items,
                       job.done_items, job.created_by, job.created_at, job.started_at,
                       job.finished_at, errors)


def read_progress(session: Session, enforcer: PlatformEnforcer | None, reader: Actor, job_id: int, *,
                  city_code: str) -> JobProgress:
    """A job's progress, for those who run city-wide jobs (the city office, R16)."""
    authorize(enforcer, reader, Action.BATCH_FINAL_VERIFY, city_code)
    return progress(session, job_id)
