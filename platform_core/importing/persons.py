"""Importing persons (the Attachment 3 columns) into one tenant: `ceplat import persons`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from platform_core import people
from platform_core.authz import Action, Actor, PlatformEnforcer
from platform_core.errors import Issue
from platform_core.importing.access import ImportAccess
from platform_core.importing.pipeline import FileSpec, run_import
from platform_core.importing.report import ImportOptions, ImportReport
from platform_core.models import Tenant
from platform_core.tenancy import get_tenant
from platform_core.validation import fields as f
from platform_core.validation import idnumber
from platform_core.validation.mobile import parse_mobile

HEADERS = ("姓名", "性别", "身份证号码", "学历", "专业名称", "资格名称", "资格时间", "手机号码", "工作单位",
           "职称系列")
OPTIONAL_HEADERS = ("证书编号",)
# Cells that must be filled; the others are checked when present (old registers have gaps).
REQUIRED_CELLS = ("姓名", "身份证号码", "工作单位", "职称系列")
ALIASES = {
    "身份证号": "身份证号码", "公民身份号码": "身份证号码", "身份证": "身份证号码",
    "手机": "手机号码", "手机号": "手机号码", "单位": "工作单位", "单位名称": "工作单位",
    "专业": "专业名称", "所学专业": "专业名称", "系列": "职称系列", "取得资格时间": "资格时间",
    "继续教育证书编号": "证书编号", "证书号": "证书编号",
}


@dataclass(frozen=True, slots=True)
class PersonRow:
    row: int
    id_number: str
    name: str
    gender: str  # from the ID number (checked against the 性别 cell when given)
    birth_date: date
    series: str  # the catalogue key (卫生, 工程 …)
    employer: str
    education: str | None = None
    major: str | None = None
    qualification: str | None = None
    qualification_date: date | None = None
    mobile: str | None = None
    certificate_number: str | None = None

    def values(self) -> dict[str, Any]:
        """Person columns this row sets; None means the file says nothing (keep what we have)."""
        return {"name": self.name, "gender": self.gender, "birth_date": self.birth_date,
                "series": self.series, "education": self.education, "major": self.major,
                "qualification": self.qualification, "qualification_date": self.qualification_date,
                "mobile": self.mobile}


def validate_person_row(cells: Mapping[str, Any], row: int) -> tuple[PersonRow | None, list[Issue]]:
    """Every problem of one row, without touching the database."""
    issues = [i for name in REQUIRED_CELLS if (i := f.required(cells.get(name), name, row))]
    filled = {name for name in REQUIRED_CELLS if not f.is_blank(cells.get(name))}

    def keep(result: Any) -> Any:
        if isinstance(result, Issue):
            issues.append(result)
            return None
        return result

    name = keep(f.parse_text(cells.get("姓名"), "姓名", row, max_length=64)) if "姓名" in filled else None
    parsed_id: idnumber.IdNumber | None = None
    if "身份证号码" in filled:
        parsed_id = keep(idnumber.parse(f.cell_text(cells["身份证号码"]), row=row))
    raw_gender = cells.get("性别")
    if not f.is_blank(raw_gender):
        gender = keep(f.parse_gender(raw_gender, "性别", row))
        if gender and parsed_id and (mismatch := f.check_gender(gender, parsed_id, "性别", row)):
            issues.append(mismatch)
    series = keep(f.parse_series(cells["职称系列"], "职称系列", row)) if "职称系列" in filled else None
    qualification = None
    if series is not None and not f.is_blank(cells.get("资格名称")):
        qualification = keep(f.parse_qualification(series, cells["资格名称"], "资格名称", row))
    optional: dict[str, Any] = {}
    for header, parse in (
        ("学历", lambda v: f.parse_education(v, "学历", row)),
        ("专业名称", lambda v: f.parse_text(v, "专业名称", row, max_length=64)),
        ("资格时间", lambda v: f.parse_date(v, "资格时间", row)),
        ("手机号码", lambda v: parse_mobile(v, field="手机号码", row=row)),
        ("证书编号", lambda v: f.parse_text(v, "证书编号", row, max_length=32)),
    ):
        value = cells.get(header)
        optional[header] = None if f.is_blank(value) else keep(parse(value))
    employer = keep(f.parse_text(cells.get("工作单位"), "工作单位", row, max_length=128))
    if issues or parsed_id is None or series is None or not name or not employer:
        return None, issues
    return PersonRow(
        row=row, id_number=parsed_id.value, name=name, gender=parsed_id.gender,
        birth_date=parsed_id.birth_date, series=series.key, employer=employer,
        education=optional["学历"], major=optional["专业名称"] or None, qualification=qualification,
        qualification_date=optional["资格时间"], mobile=optional["手机号码"],
        certificate_number=optional["证书编号"] or None,
    ), []


def _key(cells: Mapping[str, Any], _row: PersonRow | None) -> str | None:
    value = idnumber.normalise(f.cell_text(cells.get("身份证号码")))
    return value or None


@dataclass
class PersonPlan:
    tenant_id: int
    new: list[PersonRow] = field(default_factory=list)
    changed: list[tuple[PersonRow, Row[Any]]] = field(default_factory=list)
    # Existing persons who gain a certificate row / a number on their number-less certificate.
    new_certificates: list[tuple[PersonRow, int]] = field(default_factory=list)
    numbered_certificates: list[tuple[int, str]] = field(default_factory=list)
    unchanged: int = 0

    @property
    def created(self) -> int:
        return len(self.new)

    @property
    def updated(self) -> int:
        touched = {r.row for r, _ in self.changed}
        touched |= {r.row for r, _ in self.new_certificates}
        touched |= {row for row, _ in self.numbered_certificates}
        return len(touched)

    def apply(self, session: Session) -> None:
        names = [r.employer for r in self.new] + [r.employer for r, _ in self.changed]
        employers = people.upsert_employers(session, self.tenant_id, names)
        ids = people.insert_persons(session, [
            {"id_number": r.id_number, "tenant_id": self.tenant_id, "employer_id": employers[r.employer],
             **r.values()} for r in self.new])
        people.update_persons(session, [
            {"id": old.id, **_changes(r, old, employers.get(r.employer))} for r, old in self.changed])
        certificates = [
            {"person_id": ids[r.id_number], "tenant_id": self.tenant_id, "number": r.certificate_number,
             "series": r.series} for r in self.new if r.certificate_number]
        certificates += [{"person_id": pid, "tenant_id": self.tenant_id, "number": r.certificate_number,
                          "series": r.series} for r, pid in self.new_certificates]
        people.record_imported_certificates(session, certificates, [
            {"id": cid, "number": number} for cid, number in self.numbered_certificates])


def _changes(r: PersonRow, old: Row[Any], employer_id: int | None) -> dict[str, Any]:
    wanted = {k: v for k, v in r.values().items() if v is not None}
    wanted["employer_id"] = employer_id
    return {k: v for k, v in wanted.items() if getattr(old, k) != v}


def _resolve(session: Session, tenant: Tenant, rows: list[PersonRow]) -> tuple[list[Issue], PersonPlan]:
    plan = PersonPlan(tenant.id)
    issues: list[Issue] = []
    existing = people.persons_by_id_number(session, [r.id_number for r in rows])
    numbers = [r.certificate_number for r in rows if r.certificate_number]
    by_number = people.certificates_by_number(session, numbers)
    by_person = people.certificates_by_person(session, [p.id for p in existing.values()])
    employers = people.upsert_employers(session, tenant.id, [r.employer for r in rows], create=False)
    repeated = {n for n, c in Counter(numbers).items() if c > 1}
    rows_by_number: dict[str, list[int]] = {}
    for r in rows:
        if r.certificate_number in repeated:
            rows_by_number.setdefault(r.certificate_number, []).append(r.row)

    for r in rows:
        old = existing.get(r.id_number)
        found: list[Issue] = []
        if old is not None and old.tenant_id != tenant.id:
            found.append(Issue(
                "person_in_other_tenant",
                f"身份证号码 {idnumber.mask(r.id_number)} 已登记在其他租户，不能再导入到“{tenant.name}”"
                "（身份证号码全市唯一；如人员调动，请联系市专技办）",
                field="身份证号码", row=r.row, value=r.id_number))
        own = by_person.get(old.id) if old is not None else None
        if r.certificate_number:
            number = r.certificate_number
            holder = by_number.get(number)
            if number in repeated:
                others = "、".join(f"第{n}行" for n in rows_by_number[number] if n != r.row)
                found.append(Issue("duplicate_in_file", f"证书编号与{others}重复", field="证书编号",
                                   row=r.row, value=number))
            elif holder is not None and (old is None or holder.person_id != old.id):
                found.append(Issue("certificate_number_taken", f"证书编号 {number} 已属于其他人员",
                                   field="证书编号", row=r.row, value=number, rule="R20"))
            elif own is not None and own.number and own.number != number:
                found.append(Issue("certificate_number_conflict",
                                   f"该人员已有证书编号 {own.number}，一人一号，不能改为 {number}",
                                   field="证书编号", row=r.row, value=number, rule="R20"))
        if found:
            issues.extend(found)
            continue
        if old is None:
            plan.new.append(r)
            continue
        touched = False
        if _changes(r, old, employers.get(r.employer)):
            plan.changed.append((r, old))
            touched = True
        if r.certificate_number and own is None:
            plan.new_certificates.append((r, old.id))
            touched = True
        elif r.certificate_number and own is not None and not own.number:
            plan.numbered_certificates.append((own.id, r.certificate_number))
            touched = True
        plan.unchanged += not touched
    return issues, plan


def import_persons(session: Session, path: str | Path, tenant_code: str,
                   options: ImportOptions | None = None, *, actor: Actor,
                   enforcer: PlatformEnforcer | None) -> ImportReport:
    """Validate every row of a persons file, then create or update the tenant's persons, their
    employers and the certificates they already hold (all in the caller's transaction)."""
    tenant = get_tenant(session, tenant_code)
    access = ImportAccess(actor, enforcer, Action.PERSON_IMPORT)
    access.require(tenant.code)
    spec: FileSpec[PersonRow] = FileSpec(
        kind="persons", known=HEADERS + OPTIONAL_HEADERS, required_columns=HEADERS,
        validate=validate_person_row, key=_key, key_field="身份证号码", key_label="身份证号码",
        row_number=lambda r: r.row, resolve=lambda s, rows: _resolve(s, tenant, rows), aliases=ALIASES)
    return run_import(session, path, spec, options or ImportOptions(), access, lambda: [tenant.code])
