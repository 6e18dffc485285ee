"""Importing hour records (registered history): `ceplat import hours`.

Imported hours came from registers kept before the platform: they count as registered (no
training inside the platform, so `training_id` stays NULL and R12 does not apply) and keep their
source. Each record carries a content hash of its identifying fields, so importing the same file
twice changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from platform_core.authz import Action, Actor, PlatformEnforcer
from platform_core.batching import chunked
from platform_core.errors import Issue
from platform_core.importing.access import ImportAccess
from platform_core.importing.pipeline import FileSpec, run_import
from platform_core.importing.report import ImportOptions, ImportReport
from platform_core.models import HourRecord
from platform_core.validation import fields as f
from platform_core.validation import idnumber

HEADERS = ("身份证号码", "年度", "科目类别", "项目名称", "日期", "来源")
AMOUNT_HEADERS = {"学时": "hours", "学分": "credits"}  # the column present decides the unit
OPTIONAL_HEADERS = ("类别",)
REQUIRED_CELLS = ("身份证号码", "年度", "科目类别")
ALIASES = {
    "身份证号": "身份证号码", "公民身份号码": "身份证号码", "身份证": "身份证号码", "年份": "年度",
    "科目": "科目类别", "科目类型": "科目类别", "学时数": "学时", "学分数": "学分",
    "项目": "项目名称", "培训项目": "项目名称", "培训项目名称": "项目名称", "培训日期": "日期",
    "学习日期": "日期", "学分类别": "类别",
}
SUBJECT_KINDS = {"公需": "public", "公需科目": "public", "公需课": "public",
                 "专业": "professional", "专业科目": "professional", "专业课": "professional"}
CATEGORIES = {"I类": "I类", "Ⅰ类": "I类", "一类": "I类", "1类": "I类", "I": "I类", "Ⅰ": "I类",
              "II类": "II类", "Ⅱ类": "II类", "二类": "II类", "2类": "II类", "II": "II类", "Ⅱ": "II类"}


@dataclass(frozen=True, slots=True)
class HourRow:
    row: int
    id_number: str
    year: int
    kind: str  # public / professional
    amount: Decimal
    unit: str  # hours / credits
    category: str | None
    project_name: str
    occurred_on: date | None
    source: str
    dedupe_key: str


def dedupe_key(id_number: str, year: int, kind: str, amount: Decimal, unit: str, category: str | None,
               project_name: str, occurred_on: date | None, source: str) -> str:
    """sha256 of what identifies a record, whatever file, run or spelling it came from."""
    parts = (id_number, str(year), kind, format(amount, "f"), unit, category or "", project_name,
             occurred_on.isoformat() if occurred_on else "", source)
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def normalise_category(text: str) -> str:
    folded = "".join(text.split()).upper().replace("ＩＩ", "II").replace("Ｉ", "I")
    return CATEGORIES.get(folded, folded)


def _amount(cells: Mapping[str, Any], row: int) -> tuple[Decimal, str] | Issue:
    present = [h for h in AMOUNT_HEADERS if h in cells]
    filled = [h for h in present if not f.is_blank(cells[h])]
    if not filled:
        label = "/".join(present) or "学时"
        return Issue("required", f"「{label}」不能为空", field=label, row=row)
    if len(filled) > 1:
        return Issue("ambiguous_unit", "「学时」与「学分」只能填写一个", field="学时/学分", row=row)
    header = filled[0]
    amount = f.parse_amount(cells[header], header, row)
    return amount if isinstance(amount, Issue) else (amount, AMOUNT_HEADERS[header])


def _parse_id(text: str) -> idnumber.IdNumber | Issue:
    return idnumber.parse(text)


def validate_hour_row(cells: Mapping[str, Any], row: int) -> tuple[HourRow | None, list[Issue]]:
    """Every problem of one row, without touching the database."""
    issues = [i for name in REQUIRED_CELLS if (i := f.required(cells.get(name), name, row))]
    parsed_id = year = kind = amount = occurred_on = None
    raw = cells.get("身份证号码")
    if not f.is_blank(raw):
        parsed_id = _parse_id(f.cell_text(raw))
        if isinstance(parsed_id, Issue):
            issues.append(replace(parsed_id, row=row, value=f.cell_text(raw)))
    raw = cells.get("年度")
    if not f.is_blank(raw):
        year = f.parse_year(raw, "年度", row)
        if isinstance(year, Issue):
            issues.append(year)
    raw = cells.get("科目类别")
    if not f.is_blank(raw):
        text = "".join(f.cell_text(raw).split())
        kind = SUBJECT_KINDS.get(text)
        if kind is None:
            issues.append(Issue("unknown_subject_kind", f"科目类别“{text}”应为“公需”或“专业”",
                                field="科目类别", row=row, value=text))
    amount = _amount(cells, row)
    if isinstance(amount, Issue):
        issues.append(amount)
    raw = cells.get("类别")
    category = None if f.is_blank(raw) else normalise_category(f.cell_text(raw))
    if category is not None and len(category) > 16:
        issues.append(Issue("too_long", "「类别」不能超过16个字符", field="类别", row=row, value=category))
    project = f.parse_text(cells.get("项目名称"), "项目名称", row, max_length=200)
    raw = cells.get("日期")
    occurred_on = None if f.is_blank(raw) else f.parse_date(raw, "日期", row)
    source = f.parse_text(cells.get("来源"), "来源", row, max_length=128)
    for result in (project, occurred_on, source):
        if isinstance(result, Issue):
            issues.append(result)
    if issues:
        return None, issues
    assert isinstance(parsed_id, idnumber.IdNumber) and isinstance(amount, tuple)
    assert isinstance(year, int) and kind is not None and isinstance(project, str) and isinstance(source, str)
    assert not isinstance(occurred_on, Issue)
    hours, unit = amount
    key = dedupe_key(parsed_id.value, year, kind, hours, unit, category, project, occurred_on, source)
    return HourRow(row=row, id_number=parsed_id.value, year=year, kind=kind, amount=hours, unit=unit,
                   category=category, project_name=project, occurred_on=occurred_on, source=source,
                   dedupe_key=key), []


@dataclass
class HourPlan:
    registered_by: str
    records: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0
    updated: int = 0  # a record is never changed by an import: it is new or already there

    @property
    def created(self) -> int:
        return len(self.records)

    def apply(self, session: Session) -> None:
        for chunk in chunked(self.records, 5000):
            session.execute(insert(HourRecord), list(chunk))


def existing_dedupe_keys(session: Session, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunked(sorted(set(keys))):
        found.update(session.scalars(select(HourRecord.dedupe_key).where(HourRecord.dedupe_key.in_(chunk))))
    return found


def _resolve(session: Session, rows: list[HourRow], access: ImportAccess,
             registered_by: str) -> tuple[list[Issue], HourPlan]:
    plan = HourPlan(registered_by)
    persons, refused = access.persons_for(session, rows)
    issues: list[Issue] = list(refused)
    refused_rows = {i.row for i in refused}
    known = existing_dedupe_keys(session, [r.dedupe_key for r in rows])
    for r in rows:
        person = persons.get(r.id_number)
        if person is None:
            issues.append(Issue("person_not_found",
                                f"找不到身份证号码为 {idnumber.mask(r.id_number)} 的人员（请先导入人员）",
                                field="身份证号码", row=r.row, value=r.id_number))
            continue
        if r.row in refused_rows:
            continue
        if r.dedupe_key in known:
            plan.unchanged += 1
            continue
        plan.records.append({
            "tenant_id": person.tenant_id, "person_id": person.id, "year": r.year, "kind": r.kind,
            "amount": r.amount, "unit": r.unit, "category": r.category, "project_name": r.project_name,
            "occurred_on": r.occurred_on, "source": r.source, "training_id": None,
            "registered_by": registered_by, "dedupe_key": r.dedupe_key,
        })
    return issues, plan


def import_hours(session: Session, path: str | Path, options: ImportOptions | None = None, *,
                 actor: Actor, enforcer: PlatformEnforcer | None) -> ImportReport:
    """Validate every row of an hours file, then add the records not already present.

    Each row's person must be in a tenant where the actor may import hours (`not_permitted`)."""
    access = ImportAccess(actor, enforcer, Action.HOURS_IMPORT)
    registered_by = f"import:{Path(path).name}"[:64]
    spec: FileSpec[HourRow] = FileSpec(
        kind="hours", known=HEADERS + tuple(AMOUNT_HEADERS) + OPTIONAL_HEADERS, required_columns=HEADERS,
        one_of=(tuple(AMOUNT_HEADERS),), validate=validate_hour_row,
        key=lambda _cells, r: r.dedupe_key if r is not None else None, key_field="身份证号码",
        key_label="该学时记录（身份证号码、年度、科目、学时、类别、项目、日期、来源均相同）",
        row_number=lambda r: r.row, resolve=lambda s, rows: _resolve(s, rows, access, registered_by),
        aliases=ALIASES)
    return run_import(session, path, spec, options or ImportOptions(), access, access.tenants_touched)
