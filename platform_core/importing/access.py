"""Who imports: the actor, its permission per tenant, and the stamp an import leaves (R24)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_core import audit
from platform_core.authz import Actor, PlatformEnforcer, authorize, is_allowed
from platform_core.errors import Issue
from platform_core.models import Tenant
from platform_core.validation import idnumber


@dataclass
class ImportAccess:
    """An actor's right to import one kind of record, checked per tenant and cached."""

    actor: Actor
    enforcer: PlatformEnforcer | None
    action: str
    _codes: dict[int, str] = field(default_factory=dict)
    _allowed: dict[int, bool] = field(default_factory=dict)

    def require(self, tenant_code: str) -> None:
        authorize(self.enforcer, self.actor, self.action, tenant_code)

    def refusals(self, session: Session, rows: Iterable[tuple[int, str, int]]) -> list[Issue]:
        """Issues for rows (row number, ID number, person's tenant id) the actor may not touch."""
        rows = list(rows)
        missing = {t for _, _, t in rows} - self._codes.keys()
        if missing:
            found = session.execute(select(Tenant.id, Tenant.code).where(Tenant.id.in_(missing)))
            self._codes.update({tid: code for tid, code in found})
        issues = []
        for row, id_number, tenant_id in rows:
            if tenant_id not in self._allowed:
                self._allowed[tenant_id] = is_allowed(self.enforcer, self.actor, self.action,
                                                      self._codes[tenant_id])
            if not self._allowed[tenant_id]:
                message = f"无权为 {idnumber.mask(id_number)} 导入记录（该人员不属于您可导入的租户）"
                issues.append(Issue("not_permitted", message, field="身份证号码", row=row, value=id_number,
                                    rule="R14/R15"))
        return issues

    def persons_for(self, session: Session, rows: Sequence[Any]) -> tuple[dict[str, Any], list[Issue]]:
        """The rows' persons by ID number, and a `not_permitted` issue for each row whose person
        is in a tenant the actor may not import into (rows need `.row` and `.id_number`)."""
        from platform_core import people

        persons = people.persons_by_id_number(session, [r.id_number for r in rows])
        return persons, self.refusals(session, [(r.row, r.id_number, persons[r.id_number].tenant_id)
                                                for r in rows if r.id_number in persons])

    def tenants_touched(self) -> list[str]:
        return sorted(code for tid, code in self._codes.items() if self._allowed.get(tid, True))

    def stamp(self, session: Session, path: Path, tenant_codes: Iterable[str], after: dict[str, Any]) -> None:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        codes: list[str | None] = [*sorted(set(tenant_codes))] or [None]
        for code in codes:
            audit.stamp(session, self.actor, self.action, tenant_code=code, object_type="import",
                        object_id=digest, after={"file": path.name, **after})
