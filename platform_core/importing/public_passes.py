"""Importing public-subject passes (公需科目合格证书): `ceplat import public-passes`.

A pass is stored as it was issued; whether it counts for a year (the topic's window, R6/R7) is
judged by the evaluation, not here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from platform_core.authz import Action, Actor, PlatformEnforcer
from platform_core.batching import chunked
from platform_core.errors import Issue
from platform_core.importing.access import ImportAccess
from platform_core.importing.pipeline import FileSpec, run_import
from platform_core.importing.report import ImportOptions, ImportReport
from platform_core.models import PublicSubjectPass, PublicTopic
from platform_core.topics import find_topics, topic_for_pass
from platform_core.validation import fields as f
from platform_core.validation import idnumber

HEADERS = ("身份证号码", "姓名", "专题名称", "合格日期", "合格证书编号")
REQUIRED_CELLS = ("身份证号码", "姓名", "专题名称", "合格日期")
ALIASES = {
    "身份证号": "身份证号码", "公民身份号码": "身份证号码", "身份证": "身份证号码", "专题": "专题名称",
    "课程名称": "专题名称", "合格时间": "合格日期", "合格证书号": "合格证书编号", "证书编号": "合格证书编号",
}
# People type half-width punctuation for the topic names' full-width ones.
_PUNCTUATION = str.maketrans({",": "，", ":": "：", ";": "；", "(": "（", ")": "）"})


@dataclass(frozen=True, slots=True)
class PassRow:
    row: int
    id_number: str
    name: str
    topic: str
    passed_on: date
    certificate_no: str | None


def validate_pass_row(cells: Mapping[str, Any], row: int) -> tuple[PassRow | None, list[Issue]]:
    issues = [i for name in REQUIRED_CELLS if (i := f.required(cells.get(name), name, row))]
    values: dict[str, Any] = {}

    def keep(name: str, result: Any) -> None:
        if isinstance(result, Issue):
            issues.append(result)
        else:
            values[name] = result

    if not f.is_blank(cells.get("身份证号码")):
        keep("id", idnumber.parse(f.cell_text(cells["身份证号码"]), row=row))
    keep("name", f.parse_text(cells.get("姓名"), "姓名", row, max_length=64))
    keep("topic", f.parse_text(cells.get("专题名称"), "专题名称", row, max_length=128))
    if not f.is_blank(cells.get("合格日期")):
        keep("date", f.parse_date(cells["合格日期"], "合格日期", row))
    keep("number", f.parse_text(cells.get("合格证书编号"), "合格证书编号", row, max_length=64))
    if issues:
        return None, issues
    return PassRow(row, values["id"].value, values["name"], values["topic"], values["date"],
                   values["number"] or None), []


def _key(cells: Mapping[str, Any], _row: PassRow | None) -> tuple[str, str] | None:
    number = idnumber.normalise(f.cell_text(cells.get("身份证号码")))
    topic = f.cell_text(cells.get("专题名称"))
    return (number, topic) if number and topic else None


def _same_name(a: str, b: str) -> bool:
    return "".join(a.split()) == "".join(b.split())


@dataclass
class PassPlan:
    source: str
    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0

    @property
    def created(self) -> int:
        return len(self.inserts)

    @property
    def updated(self) -> int:
        return len(self.updates)

    def apply(self, session: Session) -> None:
        if self.inserts:
            session.execute(insert(PublicSubjectPass), self.inserts)
        if self.updates:
            session.execute(update(PublicSubjectPass), self.updates)


def _topics(session: Session, names: set[str]) -> dict[str, list[PublicTopic]]:
    """One lookup per distinct topic name in the file (a file names a handful); every year's
    topic of that name, so each pass can take the one its date belongs to."""
    out: dict[str, list[PublicTopic]] = {}
    for name in names:
        topics = find_topics(session, name) or find_topics(session, name.translate(_PUNCTUATION))
        if topics:
            out[name] = topics
    return out


def _existing(session: Session, person_ids: list[int]) -> dict[tuple[int, int], Any]:
    out: dict[tuple[int, int], Any] = {}
    cols = (PublicSubjectPass.id, PublicSubjectPass.person_id, PublicSubjectPass.topic_id,
            PublicSubjectPass.passed_on, PublicSubjectPass.certificate_no)
    for chunk in chunked(sorted(set(person_ids))):
        for row in session.execute(select(*cols).where(PublicSubjectPass.person_id.in_(chunk))):
            out[(row.person_id, row.topic_id)] = row
    return out


def _resolve(session: Session, rows: list[PassRow], access: ImportAccess,
             source: str) -> tuple[list[Issue], PassPlan]:
    plan = PassPlan(source)
    persons, refused = access.persons_for(session, rows)
    issues: list[Issue] = list(refused)
    refused_rows = {i.row for i in refused}
    topics = _topics(session, {r.topic for r in rows})
    existing = _existing(session, [p.id for p in persons.values()])
    for r in rows:
        if r.row in refused_rows:
            continue
        person = persons.get(r.id_number)
        topic = topic_for_pass(topics.get(r.topic, []), r.passed_on)
        found: list[Issue] = []
        if person is None:
            found.append(Issue("person_not_found",
                               f"找不到身份证号码为 {idnumber.mask(r.id_number)} 的人员（请先导入人员）",
                               field="身份证号码", row=r.row, value=r.id_number))
        elif not _same_name(person.name, r.name):
            found.append(Issue("name_mismatch",
                               f"姓名“{r.name}”与该身份证号码登记的姓名“{person.name}”不一致",
                               field="姓名", row=r.row, value=r.name))
        if topic is None:
            found.append(Issue("unknown_topic", f"未知的公需科目专题“{r.topic}”", field="专题名称", row=r.row,
                               value=r.topic))
        if found or person is None or topic is None:
            issues.extend(found)
            continue
        old = existing.get((person.id, topic.id))
        if old is None:
            plan.inserts.append({"tenant_id": person.tenant_id, "person_id": person.id, "topic_id": topic.id,
                                 "passed_on": r.passed_on, "certificate_no": r.certificate_no,
                                 "source": source})
            continue
        changes: dict[str, Any] = {}
        if old.passed_on != r.passed_on:
            changes["passed_on"] = r.passed_on
        if r.certificate_no is not None and old.certificate_no != r.certificate_no:
            changes["certificate_no"] = r.certificate_no
        if changes:
            plan.updates.append({"id": old.id, **changes})
        else:
            plan.unchanged += 1
    return issues, plan


def import_public_passes(session: Session, path: str | Path, options: ImportOptions | None = None, *,
                         actor: Actor, enforcer: PlatformEnforcer | None) -> ImportReport:
    """Validate every row of a passes file, then create or update passes by (person, topic).

    Each row's person must be in a tenant where the actor may import hours (`not_permitted`)."""
    access = ImportAccess(actor, enforcer, Action.HOURS_IMPORT)
    source = f"import:{Path(path).name}"[:128]
    spec: FileSpec[PassRow] = FileSpec(
        kind="public_passes", known=HEADERS, required_columns=HEADERS, validate=validate_pass_row,
        key=_key, key_field="专题名称", key_label="同一人员的同一专题",
        row_number=lambda r: r.row, resolve=lambda s, rows: _resolve(s, rows, access, source),
        aliases=ALIASES)
    return run_import(session, path, spec, options or ImportOptions(), access, access.tenants_touched)
