"""Tenants and the organisations that live in them."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from platform_core.models.base import Base, TimestampMixin


class TenantKind(enum.StrEnum):
    CITY = "city"
    COUNTY = "county"
    DISTRICT = "district"
    ZONE = "zone"


class OrgKind(enum.StrEnum):
    EMPLOYER = "employer"
    TRAINING_BASE = "training_base"
    INDUSTRY_DEPARTMENT = "industry_department"
    BUREAU = "bureau"


class Tenant(TimestampMixin, Base):
    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    short_name: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    parent_code: Mapped[str | None] = mapped_column(String(16))
    # Official GB/T 2260 code where one exists; None for zones that have none.
    division_code: Mapped[str | None] = mapped_column(String(6))
    code_note: Mapped[str | None] = mapped_column(String(500))
    # Plugin names switched off for this tenant, and per-plugin settings.
    disabled_plugins: Mapped[list[str]] = mapped_column(JSON, default=list)
    plugin_settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    @property
    def display_name(self) -> str:
        return f"{self.name}（{self.short_name}）" if self.short_name else self.name


class Organisation(TimestampMixin, Base):
    __tablename__ = "organisations"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    # For industry departments: the title series they govern (e.g. ["卫生"]).
    series: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Training bases can have their qualification revoked (R12); they then file nothing.
    status: Mapped[str] = mapped_column(String(16), default="active")
