"""Importing hour records: registered history that keeps its source; re-import changes nothing."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
from sqlalchemy import select

from platform_core.authz import Actor
from platform_core.importing import ImportOptions, import_hours, import_persons
from platform_core.models import HourRecord, Person
from platform_core.runtime import Runtime
from platform_core.tenancy import get_tenant
from platform_core.validation.idnumber import make

AS_SYSTEM = {"actor": Actor.system("test"), "enforcer": None}

PERSON_HEADER = ["姓名", "性别", "身份证号码", "学历", "专业名称", "资格名称", "资格时间", "手机号码",
                 "工作单位", "职称系列"]
ID_A = make("340822", date(1985, 3, 2), 11)
ID_B = make("340803", date(1990, 7, 9), 22)
HEADER = ["身份证号码", "年度", "科目类别", "学时", "类别", "项目名称", "日期", "来源"]


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def seed_persons(rt: Runtime, tmp_path: Path) -> None:
    """张三 in 怀宁县, 李梅 in the city: hour records must follow each person's tenant."""
    for tenant, row in (
        ("340822", ["张三", "男", ID_A, "本科", "土木", "工程师", "2020-01-01", "", "怀宁建筑", "工程"]),
        ("340800", ["李梅", "女", ID_B, "本科", "护理", "主管护师", "2020-01-01", "", "市立医院", "卫生"]),
    ):
        path = write_csv(tmp_path / f"persons-{tenant}.csv", [PERSON_HEADER, row])
        with rt.transaction() as session:
            assert import_persons(session, path, tenant, **AS_SYSTEM).written


def run(rt: Runtime, path: Path, **options: bool):
    with rt.transaction() as session:
        return import_hours(session, path, ImportOptions(**options), **AS_SYSTEM)


def records(rt: Runtime) -> list[HourRecord]:
    with rt.read() as session:
        return list(session.scalars(select(HourRecord).order_by(HourRecord.id)))


def test_hours_are_registered_history_with_their_source(city: Runtime, tmp_path: Path) -> None:
    seed_persons(city, tmp_path)
    rows = [["2019—2023年度继续教育学时登记"], HEADER,
            [ID_A, "2023", "公需", "30", "", "数字中国：数字化建设与发展", "2023-06-01", "安徽专技网"],
            [ID_A, "2023年", "专业科目", "12.5", "", "建筑结构新规范", "2023/9/3", "怀宁县建设工程培训基地"]]
    report = run(city, write_csv(tmp_path / "hours.csv", rows))
    assert report.errors == [] and report.created == 2 and report.updated == 0
    public, professional = records(city)
    with city.read() as session:
        person = session.scalar(select(Person).where(Person.id_number == ID_A))
        assert get_tenant(session, "340822").id == person.tenant_id
    assert (public.kind, public.unit, public.year) == ("public", "hours", 2023)
    assert public.amount == Decimal("30.00")
    assert professional.amount == Decimal("12.50") and professional.occurred_on == date(2023, 9, 3)
    assert professional.source == "怀宁县建设工程培训基地"
    assert professional.training_id is None  # registered history: R12 is for platform trainings
    assert professional.registered_by == "import:hours.csv"
    assert professional.tenant_id == person.tenant_id and professional.person_id == person.id
    assert len(professional.dedupe_key) == 64


def test_credits_column_decides_the_unit_and_categories_are_normalised(city: Runtime, tmp_path: Path) -> None:
    seed_persons(city, tmp_path)
    header = [h if h != "学时" else "学分" for h in HEADER]
    rows = [header, [ID_B, "2023", "专业", "10", "Ⅰ类", "急诊护理进展", "20230412", "市卫健委"],
            [ID_B, "2023", "专业", "5", "II类", "护理查房", "", "市立医院"]]
    report = run(city, write_csv(tmp_path / "cme.csv", rows))
    assert report.errors == []
    assert [(r.unit, r.category, r.amount) for r in records(city)] == [
        ("credits", "I类", Decimal("10.00")), ("credits", "II类", Decimal("5.00"))]


def test_reimport_changes_nothing_even_from_another_file_or_form(city: Runtime, tmp_path: Path) -> None:
    seed_persons(city, tmp_path)
    rows = [HEADER, [ID_A, "2022", "专业", "20", "", "桥梁施工", "2022-05-01", "基地"]]
    assert run(city, write_csv(tmp_path / "a.csv", rows)).created == 1
    # Same record written differently: 20.0 and 2022.5.1 identify the same hours.
    same = [HEADER, [ID_A, "2022", "专业", "20.0", "", "桥梁施工", "2022.5.1", "基地"]]
    again = run(city, write_csv(tmp_path / "b.csv", same))
    assert (again.created, again.unchanged, again.written) == (0, 1, True)
    assert len(records(city)) == 1


def test_xlsx_numbers_and_date_cells(city: Runtime, tmp_path: Path) -> None:
    seed_persons(city, tmp_path)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append([ID_A, 2023, "专业", 7.5, None, "安全生产", date(2023, 3, 1), "基地"])
    wb.save(tmp_path / "h.xlsx")
    report = run(city, tmp_path / "h.xlsx")
    assert report.errors == []
    (rec,) = records(city)
    assert (rec.amount, rec.occurred_on, rec.year) == (Decimal("7.50"), date(2023, 3, 1), 2023)


def test_bad_hour_rows_are_all_reported(city: Runtime, tmp_path: Path) -> None:
    seed_persons(city, tmp_path)
    unknown = make("340811", date(1980, 1, 1), 13)
    rows = [HEADER,
            [ID_A, "2023", "专业", "8", "", "项目", "2023-01-01", "基地"],    # 2 ok
            [unknown, "2023", "专业", "8", "", "项目", "2023-01-01", "基地"],  # 3 person_not_found
            [ID_A, "2023", "选修", "8", "", "项目", "2023-01-01", "基地"],    # 4 unknown kind
            [ID_A, "2023", "专业", "-2", "", "项目", "2023-01-01", "基地"],   # 5 bad number
            [ID_A, "二三年", "专业", "8", "", "项目", "2023-01-01", "基地"],  # 6 bad year
            [ID_A, "2023", "专业", "", "", "项目", "2023-01-01", "基地"],     # 7 required
            [ID_A, "2023", "专业", "8", "", "项目", "2023-02-30", "基地"],    # 8 bad date
            [ID_B, "2023", "公需", "30", "", "专题", "2023-01-01", "网"],     # 9, 10 duplicate
            [ID_B, "2023", "公需", "30", "", "专题", "2023-01-01", "网"]]
    report = run(city, write_csv(tmp_path / "h.csv", rows))
    assert {(e.row, e.code) for e in report.errors} == {
        (3, "person_not_found"), (4, "unknown_subject_kind"), (5, "bad_number"), (6, "bad_year"),
        (7, "required"), (8, "bad_date"), (9, "duplicate_in_file"), (10, "duplicate_in_file")}
    assert report.written is False and records(city) == []


def test_amount_column_missing(city: Runtime, tmp_path: Path) -> None:
    header = [h for h in HEADER if h != "学时"]
    report = run(city, write_csv(tmp_path / "h.csv", [header, [ID_A, "2023", "专业", "", "p", "", "s"]]))
    assert [(e.code, e.field) for e in report.errors] == [("missing_column", "学时/学分")]


def test_skip_invalid_hours(city: Runtime, tmp_path: Path) -> None:
    seed_persons(city, tmp_path)
    rows = [HEADER, [ID_A, "2023", "专业", "8", "", "项目", "2023-01-01", "基地"],
            [ID_A, "2023", "专业", "8", "", "项目", "2023-13-01", "基地"]]
    report = run(city, write_csv(tmp_path / "h.csv", rows), skip_invalid=True)
    assert (report.created, report.invalid, report.exit_code) == (1, 1, 0)
    assert Path(report.error_file).name == "h.errors.csv"
