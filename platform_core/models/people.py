"""Persons (Attachment 3 fields) and their CE certificates."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from platform_core.models.base import Base, TimestampMixin, utcnow


class Person(TimestampMixin, Base):
    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    # Unique city-wide: one person, one record, whatever tenant they work in.
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    gender: Mapped[str] = mapped_column(String(1))  # 男 / 女, derived from the ID number
    birth_date: Mapped[date]
    education: Mapped[str | None] = mapped_column(String(16))
    major: Mapped[str | None] = mapped_column(String(64))
    series: Mapped[str] = mapped_column(String(32), index=True)
    qualification: Mapped[str | None] = mapped_column(String(32))
    qualification_date: Mapped[date | None]
    mobile: Mapped[str | None] = mapped_column(String(11))
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CECertificate(TimestampMixin, Base):
    """A person's CE certificate (booklet). The number is allocated only by the city (R18)."""

    __tablename__ = "ce_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), unique=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    # Nullable until allocated; unique forever (R20: never reused, never given twice).
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    series: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(32), default="allocated")
    allocated_at: Mapped[datetime | None]
