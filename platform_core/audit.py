"""The audit trail (R24): append-only, hash-chained stamps written in the caller's transaction.

Each stamp carries the hash of the one before; its own hash is SHA-256 over a canonical JSON
of its fields and that previous hash, so changing, removing or reordering a stamp breaks
the chain at that row and `verify_chain` names it. Stamp ids are chain positions assigned
here under a lock (a PostgreSQL advisory lock; on SQLite the database write lock), so two
writers cannot fork the chain. PostgreSQL also refuses UPDATE and DELETE by trigger.

Nothing personal goes into a stamp: ID and mobile numbers in before/after summaries are
masked, whatever the caller passes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from platform_core.authz.actors import Actor
from platform_core.authz.enforcer import PlatformEnforcer
from platform_core.models import AuditStamp, utcnow
from platform_core.validation import idnumber

GENESIS = "0" * 64
# Any constant works; it only has to be the same in every process of the platform.
ADVISORY_LOCK_KEY = 0x63657061756474  # "cepaudt"
_ID_RE = re.compile(r"(?<![0-9])[1-9][0-9]{5}(?:19|20)[0-9]{2}[0-9]{7}[0-9Xx](?![0-9Xx])")
_MOBILE_RE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
_SENSITIVE_KEYS = ("id_number", "mobile", "身份证", "手机")


def _mask_id(match: re.Match[str]) -> str:
    # Anything with a real birth date is masked, a mistyped check digit too. Certificate
    # numbers are 18 digits as well but hold series+year+sequence there ("19202300…": no such
    # date), and must stay readable in the stamps that prove their allocation.
    text = match.group(0)
    try:
        date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return text
    return idnumber.mask(text)


def _mask_text(value: str) -> str:
    value = _ID_RE.sub(_mask_id, value)
    return _MOBILE_RE.sub(lambda m: m.group(0)[:3] + "****" + m.group(0)[7:], value)


def summarize(data: Any, _key: str = "") -> Any:
    """A JSON-safe copy with personal numbers masked and exact values (Decimal → str)."""
    if data is None or isinstance(data, bool | int):
        return data
    if isinstance(data, str):
        if any(k in _key for k in _SENSITIVE_KEYS) and (len(data) == 18 or len(data) == 11):
            from platform_core.authz.service import mask_value

            return mask_value(data)
        return _mask_text(data)
    if isinstance(data, Decimal | float):
        return str(data)
    if isinstance(data, datetime):
        return _iso(data)
    if isinstance(data, date):
        return data.isoformat()
    if isinstance(data, Enum):
        return summarize(data.value, _key)
    if isinstance(data, Mapping):
        return {str(k): summarize(v, str(k)) for k, v in data.items()}
    if isinstance(data, list | tuple | set | frozenset):
        items = [summarize(v, _key) for v in data]
        return sorted(items, key=str) if isinstance(data, set | frozenset) else items
    return _mask_text(str(data))


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def hash_fields(row: Any) -> dict[str, Any]:
    return {
        "seq": row.id, "at": _iso(row.at), "actor": row.actor, "role": row.role,
        "tenant": row.tenant_code, "action": row.action, "object_type": row.object_type,
        "object_id": row.object_id, "before": row.before, "after": row.after,
        "comment": row.comment, "prev_hash": row.prev_hash,
    }


def compute_hash(row: Any) -> str:
    canonical = json.dumps(hash_fields(row), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _lock_chain(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    # SQLite: the flush of the caller's change (autoflush before the head query) already holds
    # the database write lock; a writer that races past it fails on the stamp's primary key
    # instead of forking the chain.


def stamp(session: Session, actor: Actor, action: str, *, tenant_code: str | None = None,
          object_type: str = "", object_id: str | int = "", before: Any = None, after: Any = None,
          comment: str = "", at: datetime | None = None) -> AuditStamp:
    """Append a stamp to the chain inside the caller's transaction and return it."""
    _lock_chain(session)
    head = session.execute(select(AuditStamp.id, AuditStamp.hash)
                           .order_by(AuditStamp.id.desc()).limit(1)).first()
    seq, prev = (head[0] + 1, head[1]) if head else (1, GENESIS)
    when = (at or utcnow()).astimezone(UTC)
    row = AuditStamp(
        id=seq, at=when, actor=actor.label, role=actor.role, tenant_code=tenant_code,
        action=str(action), object_type=object_type, object_id=str(object_id),
        before=summarize(before), after=summarize(after), comment=_mask_text(comment or ""),
        prev_hash=prev,
    )
    row.hash = compute_hash(row)
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class BrokenLink:
    """Where the chain first fails. `id` is the row whose check failed; `suspects` the rows one
    of which was changed (a row rewritten together with its own hash shows up as the link
    of the row after it not matching)."""

    id: int
    reason: str  # hash_mismatch / prev_hash_mismatch / gap
    message: str
    suspects: tuple[int, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "reason": self.reason, "message": self.message,
                "suspects": list(self.suspects)}


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    checked: int
    head_id: int | None
    head_hash: str | None
    broken: BrokenLink | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checked": self.checked, "head_id": self.head_id,
                "head_hash": self.head_hash, "broken": self.broken.as_dict() if self.broken else None}


def _walk(session: Session, batch: int) -> Iterator[Any]:
    # Plain rows, not ORM objects: a long chain must not fill the caller's identity map.
    table = AuditStamp.__table__
    last = 0
    while True:
        rows = session.execute(select(table).where(table.c.id > last).order_by(table.c.id).limit(batch)).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def verify_chain(session: Session, batch: int = 2000) -> VerifyReport:
    """Walk every stamp in order; the first row whose content, link or position is wrong."""
    expected_id, prev, checked = 1, GENESIS, 0
    for row in _walk(session, batch):
        broken = None
        if row.id != expected_id:
            broken = BrokenLink(row.id, "gap", f"第 {expected_id} 条至第 {row.id - 1} 条审计记录缺失",
                                tuple(range(expected_id, row.id)))
        elif row.prev_hash != prev:
            broken = BrokenLink(row.id, "prev_hash_mismatch",
                                f"第 {row.id} 条审计记录与上一条（第 {row.id - 1} 条）的链接不符："
                                "其中一条被改动或替换", (row.id - 1, row.id))
        elif compute_hash(row) != row.hash:
            broken = BrokenLink(row.id, "hash_mismatch", f"第 {row.id} 条审计记录的内容被改动", (row.id,))
        if broken:
            return VerifyReport(False, checked, row.id, row.hash, broken)
        checked += 1
        expected_id, prev = row.id + 1, row.hash
    return VerifyReport(True, checked, expected_id - 1 if checked else None, prev if checked else None)


def audit_log(session: Session, *, tenant: str | None = None, actor: str | None = None,
              object: str | None = None, action: str | None = None, since: datetime | None = None,
              until: datetime | None = None, limit: int = 1000) -> list[AuditStamp]:
    """Stamps matching every filter given, oldest first. `object` is `type` or `type:id`."""
    stmt = select(AuditStamp)
    if tenant:
        stmt = stmt.where(AuditStamp.tenant_code == tenant)
    if actor:
        stmt = stmt.where(AuditStamp.actor == actor)
    if object:
        otype, _, oid = object.partition(":")
        stmt = stmt.where(AuditStamp.object_type == otype)
        if oid:
            stmt = stmt.where(AuditStamp.object_id == oid)
    if action:
        stmt = stmt.where(AuditStamp.action == action)
    if since:
        stmt = stmt.where(AuditStamp.at >= since)
    if until:
        stmt = stmt.where(AuditStamp.at < until)
    return list(session.scalars(stmt.order_by(AuditStamp.id.desc()).limit(limit)))[::-1]


def stamp_dict(row: AuditStamp) -> dict[str, Any]:
    return {
        "id": row.id, "at": _iso(row.at), "actor": row.actor, "role": row.role,
        "tenant": row.tenant_code, "action": row.action, "object_type": row.object_type,
        "object_id": row.object_id, "before": row.before, "after": row.after,
        "comment": row.comment, "prev_hash": row.prev_hash, "hash": row.hash,
    }


def read_log(session: Session, enforcer: PlatformEnforcer | None, reader: Actor, *, city_code: str,
             tenant: str | None = None, **filters: Any) -> list[AuditStamp]:
    """`audit_log` for a reader: a tenant's stamps need `audit.read` there; without a tenant,
    a city-wide reader sees every stamp and anyone else only their own tenant's."""
    from platform_core.authz.service import authorize, is_allowed

    if tenant is None and not is_allowed(enforcer, reader, "audit.read", city_code):
        tenant = reader.tenant_code
    authorize(enforcer, reader, "audit.read", tenant or city_code)
    return audit_log(session, tenant=tenant, **filters)


def verify_for(session: Session, enforcer: PlatformEnforcer | None, reader: Actor, *,
               city_code: str) -> VerifyReport:
    """`verify_chain`, for a reader allowed `audit.read` city-wide (the chain is one city-wide)."""
    from platform_core.authz.service import authorize

    authorize(enforcer, reader, "audit.read", city_code)
    return verify_chain(session)
