"""Attachment 3 (证书编号申请表): the form's layout and every row check (R19), without a database."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from platform_core.applications import (
    HEADERS,
    Applicant,
    check_form,
    layout_from_grid,
    parse_title,
    read_form,
    validate_row,
)
from platform_core.reference import series_catalogue
from platform_core.validation.idnumber import make

TODAY = date(2024, 5, 6)
TITLE = "安庆市卫生系列专业技术人员继续教育证书编号申请表"
MALE = make("340822", date(1990, 1, 1), 1)
MALE2 = make("340825", date(1988, 3, 4), 13)
FEMALE = make("340881", date(1992, 7, 8), 24)
NOTES = [
    "说明: 1. 本表由各继续教育基地负责分系列填报, 批复结果须报属地人社部门 (市直报行业主管部门) "
    "录入相关台账管理;",
    "2. 申报时, 除“证书编号”暂空外, 其他为必填项;",
    "3. 标题“××系列”指卫生、艺术、中小学教师等申请人所属职称系列, 属于工程系列的须加专业填写, 如建设工程;",
    "4. “资格名称”填写: 助理工程师、工程师、高级工程师、一级演员等申请人所具备的专业技术资格;",
    "5. 为便于一人一号管理, 证书换新时, 继续使用原证书编号。",
]


def person_row(seq: int = 1, **over: Any) -> list[Any]:
    row = {"序号": str(seq), "工作单位": "怀宁县人民医院", "姓名": "张三", "性别": "男", "身份证号码": MALE,
           "学历": "本科", "专业名称": "临床医学", "资格名称": "主治医师", "资格时间": "2019-06-01",
           "手机号码": "13800138000", "证书编号": ""}
    row.update(over)
    return [row[h] for h in HEADERS]


def seed_layout(rows: list[list[Any]], title: str = TITLE) -> list[list[Any]]:
    """The notice's own layout: title, four filing lines, header, rows, blank template lines, notes."""
    grid: list[list[Any]] = [[title], [], ["填报单位:", "安庆市卫生继续教育基地"], ["联系人:", "李四"],
                             ["联系电话:", "0556-5550000"], ["时间: 2024 年 5 月 6 日"], list(HEADERS)]
    grid += rows
    grid += [[str(n)] for n in range(len(rows) + 1, len(rows) + 4)]  # the form's empty numbered lines
    grid += [[]] + [[note] for note in NOTES]
    return grid


def save(grid: list[list[Any]], path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    for row in grid:
        ws.append(row)
    wb.save(path)
    return path


def check(rows: list[list[Any]], series: str = "卫生", title: str = TITLE):
    return check_form(layout_from_grid(Path("x.xlsx"), seed_layout(rows, title)), series, today=TODAY)


def codes(checked) -> set[tuple[int | None, str | None, str]]:
    return {(i.row, i.field, i.code) for i in checked.issues}


def test_r19_form_layout_title_filing_lines_header_rows_and_notes(tmp_path: Path) -> None:
    grid = seed_layout([person_row(1), person_row(2, 姓名="王五", 身份证号码=MALE2)])
    path = save(grid, tmp_path / "a3.xlsx")
    form = read_form(path)
    assert form.title is not None and form.title.series == "卫生" and form.title_row == 1
    assert (form.filing_unit, form.contact, form.phone) == ("安庆市卫生继续教育基地", "李四", "0556-5550000")
    assert form.date_text.replace(" ", "") == "2024年5月6日"
    assert form.header_row == 7
    # Only the two applicants: template lines with just a 序号 and the 说明 notes are not rows.
    assert [n for n, _ in form.rows] == [8, 9]
    assert len(form.notes) == 5 and form.notes[1].startswith("2.")
    checked = check_form(form, "卫生", today=TODAY)
    assert checked.issues == []
    assert [a.name for a in checked.applicants] == ["张三", "王五"]
    first = checked.applicants[0]
    assert isinstance(first, Applicant)
    assert (first.education, first.qualification, first.qualification_date) == ("大学本科", "主治医师",
                                                                                date(2019, 6, 1))


def test_r19_filing_lines_in_one_row_with_values_in_the_same_cell() -> None:
    grid = [[TITLE], ["填报单位：安庆市工程继续教育基地", None, "联系人：李四", "联系电话：13900000000",
                      "时间：2024年5月6日"], list(HEADERS), person_row()]
    form = layout_from_grid(Path("x.xlsx"), grid)
    assert (form.filing_unit, form.contact, form.phone, form.date_text) == (
        "安庆市工程继续教育基地", "李四", "13900000000", "2024年5月6日")


@pytest.mark.parametrize(("title", "series", "specialty"), [
    ("安庆市卫生系列专业技术人员继续教育证书编号申请表", "卫生", None),
    ("安庆市艺术系列专业技术人员继续教育证书编号申请表", "艺术", None),
    ("安庆市 中小学教师 系列 (专业) 专业技术人员继续教育证书编号申请表", "中小学教师", None),
    ("安庆市工程系列（建设工程专业）专业技术人员继续教育证书编号申请表", "工程", "建设工程"),
    ("安庆市建设工程系列专业技术人员继续教育证书编号申请表", "工程", "建设工程"),
    ("安庆市水利水电工程专业专业技术人员继续教育证书编号申请表", "工程", "水利水电工程"),
    ("安庆市 × × 系列 (专业) 专业技术人员继续教育证书编号申请表", None, None),
])
def test_r19_title_row_names_the_series_and_engineering_specialty(title: str, series: str | None,
                                                                  specialty: str | None) -> None:
    parsed = parse_title(title)
    assert parsed is not None
    assert (parsed.series, parsed.specialty) == (series, specialty)


def test_r19_a_note_about_the_title_is_not_a_title() -> None:
    assert parse_title(NOTES[2]) is None


@pytest.mark.parametrize("field", ["工作单位", "姓名", "性别", "身份证号码", "学历", "专业名称", "资格名称",
                                   "资格时间", "手机号码"])
def test_r19_every_field_but_the_number_is_required(field: str) -> None:
    checked = check([person_row(1, **{field: ""}), person_row(2, 姓名="王五", 身份证号码=MALE2)])
    assert (8, field, "required") in codes(checked)
    assert [a.row for a in checked.applicants] == [9]  # the other row is fine


def test_r19_blank_certificate_number_is_fine() -> None:
    checked = check([person_row(1, 证书编号=None)])
    assert checked.issues == [] and checked.applicants[0].certificate_number is None


@pytest.mark.parametrize(("over", "field", "code"), [
    ({"身份证号码": "340822199001010011"}, "身份证号码", "id_number_checksum"),
    ({"身份证号码": "340802200002300025"}, "身份证号码", "id_number_birth_date"),
    ({"身份证号码": "3408221990010100"}, "身份证号码", "id_number_length"),
    ({"性别": "女"}, "性别", "gender_mismatch"),
    ({"性别": "未知"}, "性别", "bad_gender"),
    ({"手机号码": "12345678901"}, "手机号码", "bad_mobile"),
    ({"手机号码": "0556-5550000"}, "手机号码", "bad_mobile"),
    ({"资格名称": "一级演员"}, "资格名称", "unknown_qualification"),
    ({"资格时间": "2019-02-30"}, "资格时间", "bad_date"),
    ({"资格时间": "去年"}, "资格时间", "bad_date"),
    ({"资格时间": "2030-01-01"}, "资格时间", "bad_date"),
    ({"资格时间": "1985-01-01"}, "资格时间", "bad_date"),  # before the person was born
    ({"学历": "留学"}, "学历", "unknown_education"),
])
def test_r19_row_checks(over: dict[str, str], field: str, code: str) -> None:
    result = validate_row(dict(zip(HEADERS, person_row(**over), strict=True)), 8,
                          series_catalogue().get("卫生"), TODAY)
    assert isinstance(result, list)
    assert [(i.row, i.field, i.code) for i in result] == [(8, field, code)]
    assert all(i.message and not i.message.isascii() for i in result)  # people read Chinese


def test_r19_gender_matches_the_id_numbers_17th_digit() -> None:
    ok = validate_row(dict(zip(HEADERS, person_row(身份证号码=FEMALE, 性别="女"), strict=True)), 8,
                      series_catalogue().get("卫生"), TODAY)
    assert isinstance(ok, Applicant) and ok.gender == "女"


def test_r19_qualification_date_to_the_month_is_accepted() -> None:
    ok = validate_row(dict(zip(HEADERS, person_row(资格时间="2019.06"), strict=True)), 8,
                      series_catalogue().get("卫生"), TODAY)
    assert isinstance(ok, Applicant) and ok.qualification_date == date(2019, 6, 1)


def test_r19_unknown_series_is_refused() -> None:
    checked = check([person_row()], series="炼金")
    assert ("unknown_series" in {i.code for i in checked.issues}) and checked.applicants == []


def test_r19_title_series_must_match_the_declared_series() -> None:
    checked = check([person_row()], series="艺术")
    assert (1, "标题", "series_mismatch") in codes(checked)
    unknown = check([person_row()], title="安庆市炼金系列专业技术人员继续教育证书编号申请表")
    assert (1, "标题", "unknown_series") in codes(unknown)


def test_r19_duplicate_id_numbers_in_the_file_are_reported_on_every_row() -> None:
    checked = check([person_row(1), person_row(2, 姓名="王五", 身份证号码=MALE2), person_row(3)])
    dupes = sorted((i.row, i.code) for i in checked.issues)
    assert dupes == [(8, "duplicate_in_file"), (10, "duplicate_in_file")]
    assert [a.row for a in checked.applicants] == [9]
    assert "第10行" in next(i.message for i in checked.issues if i.row == 8)


def test_r19_every_bad_row_is_reported_with_row_column_code_and_message() -> None:
    checked = check([
        person_row(1, 身份证号码="340822199001010011"),
        person_row(2, 姓名="王五", 身份证号码=MALE2, 手机号码="123", 资格名称="工程师"),
        person_row(3, 姓名="", 身份证号码=FEMALE, 性别="女"),
    ])
    assert codes(checked) == {(8, "身份证号码", "id_number_checksum"),
                              (9, "资格名称", "unknown_qualification"), (9, "手机号码", "bad_mobile"),
                              (10, "姓名", "required")}
    assert checked.applicants == []


def test_r19_missing_column_is_reported() -> None:
    grid = [[TITLE], [h for h in HEADERS if h != "手机号码"], person_row()[:9]]
    checked = check_form(layout_from_grid(Path("x.xlsx"), grid), "卫生", today=TODAY)
    assert ("missing_column", "手机号码") in {(i.code, i.field) for i in checked.issues}


def test_r19_sheet_without_the_form_header_is_refused() -> None:
    from platform_core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        layout_from_grid(Path("x.xlsx"), [["姓名", "年龄"], ["张三", "30"]])
    assert caught.value.code == "no_header_row"
