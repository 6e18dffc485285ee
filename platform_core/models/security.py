"""Users, API tokens, the Casbin policy table, its version counter and the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from platform_core.models.base import Base, TimestampMixin, utcnow


class User(TimestampMixin, Base):
    """A person who signs in. Bound to one tenant and (except city-office staff) one organisation."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    # argon2id (argon2-cffi); None for accounts that only use API tokens.
    password_hash: Mapped[str | None] = mapped_column(String(256))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    disabled: Mapped[bool] = mapped_column(default=False)
    disabled_at: Mapped[datetime | None]


class ApiToken(TimestampMixin, Base):
    """A bearer token for bulk submitters. Only a SHA-256 of the secret is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The public part of the token, for lookup and for naming it in revocations and stamps.
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(64), default="")
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class CasbinRule(Base):
    """One Casbin policy line (`p, sub, dom, act` or `g, user, role, dom`)."""

    __tablename__ = "casbin_rule"
    __table_args__ = (Index("ix_casbin_rule_ptype_v0", "ptype", "v0"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ptype: Mapped[str] = mapped_column(String(8))
    v0: Mapped[str] = mapped_column(String(128), default="")
    v1: Mapped[str] = mapped_column(String(128), default="")
    v2: Mapped[str] = mapped_column(String(128), default="")
    v3: Mapped[str] = mapped_column(String(128), default="")
    v4: Mapped[str] = mapped_column(String(128), default="")
    v5: Mapped[str] = mapped_column(String(128), default="")

    def values(self) -> list[str]:
        vals = [self.v0, self.v1, self.v2, self.v3, self.v4, self.v5]
        while vals and vals[-1] == "":
            vals.pop()
        return vals


class PolicyVersion(Base):
    """One row: bumped in the transaction of every policy change; processes poll it to reload."""

    __tablename__ = "policy_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditStamp(Base):
    """An append-only, hash-chained record of a state change (R24). Never updated or deleted.

    `id` is the position in the chain and is assigned by `platform_core.audit`, not by the
    database, so a removed row shows up as a gap.
    """

    __tablename__ = "audit_stamps"
    __table_args__ = (
        Index("ix_audit_stamps_tenant_at", "tenant_code", "at"),
        Index("ix_audit_stamps_object", "object_type", "object_id"),
        Index("ix_audit_stamps_actor", "actor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    tenant_code: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
