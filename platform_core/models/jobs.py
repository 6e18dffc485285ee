"""Background jobs, their chunks, and the annual statuses bulk verification records."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from platform_core.models.base import Base, TimestampMixin, utcnow


class Job(TimestampMixin, Base):
    """A unit of heavy work fanned out in chunks (e.g. the city's final verification, R16).

    Counters are updated in the same transaction as each chunk's results, so progress is
    exact: ``done_chunks`` counts chunks whose results are committed, never one twice.
    """

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # verification / numbering
    year: Mapped[int | None]
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending/running/done/failed
    total_chunks: Mapped[int] = mapped_column(default=0)
    done_chunks: Mapped[int] = mapped_column(default=0)
    failed_chunks: Mapped[int] = mapped_column(default=0)
    total_items: Mapped[int] = mapped_column(default=0)
    done_items: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class JobChunk(Base):
    """One slice of a job: a range of person ids within the job's scope, or an explicit list."""

    __tablename__ = "job_chunks"
    __table_args__ = (UniqueConstraint("job_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    seq: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending/done/failed
    first_id: Mapped[int]
    last_id: Mapped[int]
    # Only for jobs over an explicit list of persons; range chunks filter by the job's scope.
    item_ids: Mapped[list[int] | None] = mapped_column(JSON)
    items: Mapped[int] = mapped_column(default=0)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None]


class AnnualStatusRow(Base):
    """The recorded annual status of one person for one year (R2–R7, R12, R16, R23).

    Written in bulk by verification; the result columns are exactly what
    ``platform_core.evaluation.assess_year`` decides. A re-run that decides the same leaves
    the row untouched (``job_id``/``evaluated_at`` name the run that last changed it).
    """

    __tablename__ = "annual_statuses"
    __table_args__ = (Index("ix_annual_statuses_tenant_year", "tenant_id", "year"),)

    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    series: Mapped[str] = mapped_column(String(32))
    complete: Mapped[bool]
    public_unit: Mapped[str] = mapped_column(String(8))
    public_required: Mapped[Decimal]
    public_earned: Mapped[Decimal]
    public_missing: Mapped[Decimal]
    professional_unit: Mapped[str] = mapped_column(String(8))
    professional_required: Mapped[Decimal]
    professional_earned: Mapped[Decimal]
    professional_missing: Mapped[Decimal]
    # Canonical JSON text (sorted keys) of per-category minima and sums, or NULL; text, not
    # JSON, so "did it change" is a plain comparison on every backend.
    categories: Mapped[str | None] = mapped_column(Text)
    public_decided_by: Mapped[str] = mapped_column(String(64))
    professional_decided_by: Mapped[str] = mapped_column(String(64))
    refused: Mapped[int]  # records and passes refused, once per reason (as assess_year lists them)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    evaluated_at: Mapped[datetime] = mapped_column(default=utcnow)
