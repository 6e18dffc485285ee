"""Compliance by tenant from the recorded annual statuses (R17, R23): what the city office and
the county bureaus look at after a verification run, on screen and on paper."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from platform_core.authz import Action, Actor, PlatformEnforcer, authorize
from platform_core.authz.service import constraints_for
from platform_core.models import Person, Tenant
from platform_core.models.jobs import AnnualStatusRow

HEADERS = ("租户", "人数", "已完成", "未完成", "完成率", "公需缺", "专业缺", "被拒记录")


@dataclass(frozen=True)
class TenantCompliance:
    code: str
    name: str
    short_name: str | None
    persons: int
    complete: int
    public_short: int
    professional_short: int
    refused_records: int

    @property
    def incomplete(self) -> int:
        return self.persons - self.complete

    @property
    def completion_rate(self) -> Decimal:
        """Percent with one decimal; a Decimal so JSON keeps it exact."""
        if not self.persons:
            return Decimal("0.0")
        return (Decimal(100 * self.complete) / self.persons).quantize(Decimal("0.1"))

    @property
    def label(self) -> str:
        return self.short_name or self.name

    def cells(self) -> tuple[Any, ...]:
        return (self.label, self.persons, self.complete, self.incomplete, f"{self.completion_rate}%",
                self.public_short, self.professional_short, self.refused_records)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "short_name": self.short_name,
                "persons": self.persons, "complete": self.complete, "incomplete": self.incomplete,
                "completion_rate": self.completion_rate, "public_short": self.public_short,
                "professional_short": self.professional_short, "refused_records": self.refused_records}


@dataclass(frozen=True)
class ComplianceReport:
    year: int
    tenants: tuple[TenantCompliance, ...]
    total: TenantCompliance

    def as_dict(self) -> dict[str, Any]:
        return {"year": self.year, "tenants": [t.as_dict() for t in self.tenants],
                "totals": self.total.as_dict()}


def compliance_report(session: Session, enforcer: PlatformEnforcer | None, actor: Actor, year: int,
                      tenant_codes: list[str] | None = None) -> ComplianceReport:
    """Per-tenant counts of the stored statuses for ``year`` (one GROUP BY), in tenant order.

    Every tenant reported must be one the actor may `report.export` for."""
    tenants = list(session.scalars(select(Tenant).order_by(Tenant.id)))
    if tenant_codes:
        tenants = [t for t in tenants if t.code in set(tenant_codes)]
    for t in tenants:
        authorize(enforcer, actor, Action.REPORT_EXPORT, t.code)
    s = AnnualStatusRow
    # An employer's HR sees its own staff, an industry department its own series (R17, R15).
    rules = constraints_for(actor)
    narrow = []
    if rules.employer_id is not None:
        narrow.append(s.person_id.in_(select(Person.id).where(Person.employer_id == rules.employer_id)))
    if rules.series is not None:
        narrow.append(s.series.in_(rules.series))
    counts = {row.tenant_id: row for row in session.execute(
        select(s.tenant_id, func.count().label("persons"),
               func.sum(case((s.complete, 1), else_=0)).label("complete"),
               func.sum(case((s.public_missing > 0, 1), else_=0)).label("public_short"),
               func.sum(case((s.professional_missing > 0, 1), else_=0)).label("professional_short"),
               func.sum(s.refused).label("refused"))
        .where(s.year == year, s.tenant_id.in_([t.id for t in tenants]), *narrow).group_by(s.tenant_id))}
    rows = []
    for t in tenants:
        c = counts.get(t.id)
        rows.append(TenantCompliance(t.code, t.name, t.short_name, *(
            (int(c.persons), int(c.complete), int(c.public_short), int(c.professional_short), int(c.refused))
            if c else (0, 0, 0, 0, 0))))
    total = TenantCompliance("total", "合计", None, *(sum(getattr(r, f) for r in rows) for f in (
        "persons", "complete", "public_short", "professional_short", "refused_records")))
    return ComplianceReport(year, tuple(rows), total)


def write_xlsx(report: ComplianceReport, path: Path) -> Path:
    """A printable sheet: title, header, one row per tenant, totals; A4 landscape, fit to width."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = f"{report.year}年度完成情况"
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.append([f"安庆市专业技术人员继续教育 {report.year} 年度完成情况（按租户）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws["A1"].font = Font(size=14, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(list(HEADERS))
    for row in (*report.tenants, report.total):
        ws.append(list(row.cells()))
    for row in ws.iter_rows(min_row=2, max_row=ws.max_row):
        for cell in row:
            cell.border = border
            cell.alignment = Alignment(horizontal="center")
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for col, width in zip("ABCDEFGH", (16, 8, 8, 8, 9, 8, 8, 10), strict=True):
        ws.column_dimensions[col].width = width
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.print_title_rows = "2:2"
    wb.save(path)
    return path


@dataclass(frozen=True)
class IncompletePerson:
    name: str
    id_number: str  # masked
    tenant: str
    employer: str | None
    series: str
    public_missing: Decimal
    public_unit: str
    professional_missing: Decimal
    professional_unit: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def incomplete_persons(session: Session, enforcer: PlatformEnforcer, actor: Actor, year: int, *,
                       tenant_code: str | None = None, limit: int = 1000) -> list[IncompletePerson]:
    """Who has not completed ``year`` (R17: employers are told, so they can send them to
    training), as far as the actor may see: the query runs in the actor's scope (an employer's
    HR sees its own staff, a county bureau its county), numbers masked."""
    from platform_core.authz.scoping import scope_applied
    from platform_core.models import Organisation
    from platform_core.validation.idnumber import mask

    if tenant_code:
        authorize(enforcer, actor, Action.STATUS_READ, tenant_code)
    s = AnnualStatusRow
    stmt = (select(Person.name, Person.id_number, Tenant.code, Organisation.name, s.series, s.public_missing,
                   s.public_unit, s.professional_missing, s.professional_unit)
            .join(Person, Person.id == s.person_id).join(Tenant, Tenant.id == s.tenant_id)
            .outerjoin(Organisation, Organisation.id == Person.employer_id)
            .where(s.year == year, s.complete.is_(False)))
    if tenant_code:
        stmt = stmt.where(Tenant.code == tenant_code)
    with scope_applied(session, enforcer, actor):
        rows = session.execute(stmt.order_by(Tenant.code, Organisation.name, Person.name).limit(limit)).all()
    return [IncompletePerson(name, mask(number), code, employer, series, pub, pub_unit, prof, prof_unit)
            for name, number, code, employer, series, pub, pub_unit, prof, prof_unit in rows]
