"""Certificate numbers: Number Applications (Attachment 3) and the gapless counters (R18–R20)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from platform_core.models.base import Base, TimestampMixin, utcnow


class NumberCounter(Base):
    """The last sequence given for a (series, year). Locked FOR UPDATE by every allocation batch,
    in the same transaction that writes the numbers: a rolled-back batch gives its sequences
    back, so numbers stay gapless (a SEQUENCE would not)."""

    __tablename__ = "number_counters"

    series: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class NumberApplication(TimestampMixin, Base):
    """One Attachment 3 sheet filed by a base for one series (R19)."""

    __tablename__ = "number_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    base_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    series: Mapped[str] = mapped_column(String(32))
    # Engineering adds its specialty to the title (建设工程, 水利水电工程 …).
    specialty: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200), default="")
    filing_unit: Mapped[str] = mapped_column(String(128), default="")
    contact: Mapped[str] = mapped_column(String(64), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    filed_on: Mapped[date | None]
    source_file: Mapped[str] = mapped_column(String(255), default="")
    created_by: Mapped[str] = mapped_column(String(64), default="")
    # pending -> allocated. The year of the numbers is fixed when allocation starts, so a
    # job running across New Year's midnight does not mix two counters.
    status: Mapped[str] = mapped_column(String(16), default="pending")
    number_year: Mapped[int | None]
    allocated_by: Mapped[str | None] = mapped_column(String(64))
    allocated_at: Mapped[datetime | None]


class NumberApplicationRow(Base):
    """One person on an application; ``certificate_number`` is filled by allocation, once."""

    __tablename__ = "number_application_rows"
    __table_args__ = (
        UniqueConstraint("application_id", "person_id"),
        Index("ix_number_application_rows_application_id_row_no", "application_id", "row_no"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("number_applications.id"))
    row_no: Mapped[int]  # the row number in the filed sheet, as Excel shows it
    seq_label: Mapped[str] = mapped_column(String(16), default="")  # 序号 as written
    employer_name: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(64))
    gender: Mapped[str] = mapped_column(String(1))
    id_number: Mapped[str] = mapped_column(String(18))
    education: Mapped[str] = mapped_column(String(16))
    major: Mapped[str] = mapped_column(String(64))
    qualification: Mapped[str] = mapped_column(String(32))
    qualification_date: Mapped[date]
    mobile: Mapped[str] = mapped_column(String(11))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    certificate_number: Mapped[str | None] = mapped_column(String(32))
    outcome: Mapped[str | None] = mapped_column(String(16))  # allocated / kept
    numbered_at: Mapped[datetime | None]
