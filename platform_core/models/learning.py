"""What a person learns: public topics and passes, trainings, hour records."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from platform_core.models.base import Base, TimestampMixin, utcnow


class PublicTopic(TimestampMixin, Base):
    """A province-fixed public topic of a year and the window its passes count in (R4, R6, R7)."""

    __tablename__ = "public_topics"
    __table_args__ = (UniqueConstraint("year", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    name: Mapped[str] = mapped_column(String(128))
    hours: Mapped[Decimal] = mapped_column(default=Decimal(30))
    window_start: Mapped[date]
    window_end: Mapped[date]  # inclusive: a pass dated this day still counts


class PublicSubjectPass(TimestampMixin, Base):
    __tablename__ = "public_subject_passes"
    __table_args__ = (UniqueConstraint("person_id", "topic_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("public_topics.id"))
    passed_on: Mapped[date]
    certificate_no: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(128), default="")


class Training(TimestampMixin, Base):
    """A training filed by a base (R9). Only approved trainings yield hours (R12)."""

    __tablename__ = "trainings"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    base_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    series: Mapped[str | None] = mapped_column(String(32))
    start_date: Mapped[date]
    end_date: Mapped[date]
    hours: Mapped[Decimal]
    registered_hours: Mapped[Decimal]
    filed_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft/filed/approved/rejected
    approved_at: Mapped[datetime | None]


class HourRecord(TimestampMixin, Base):
    __tablename__ = "hour_records"
    __table_args__ = (
        Index("ix_hour_records_person_year", "person_id", "year"),
        Index("ix_hour_records_tenant_year", "tenant_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    year: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))  # public / professional
    amount: Mapped[Decimal]
    unit: Mapped[str] = mapped_column(String(8))  # hours / credits
    category: Mapped[str | None] = mapped_column(String(16))  # e.g. I类 / II类
    project_name: Mapped[str] = mapped_column(String(200), default="")
    occurred_on: Mapped[date | None]
    source: Mapped[str] = mapped_column(String(128), default="")
    # Set when the hours come from a training inside the platform (R12 applies then).
    training_id: Mapped[int | None] = mapped_column(ForeignKey("trainings.id"), index=True)
    registered_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    registered_by: Mapped[str] = mapped_column(String(64), default="")
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Content hash of the record's identifying fields: re-importing a file changes nothing.
    dedupe_key: Mapped[str] = mapped_column(String(64), unique=True)
