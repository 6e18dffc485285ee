from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from platform_core.errors import Issue
from platform_core.reference import series_catalogue
from platform_core.validation import fields as f
from platform_core.validation import idnumber


@pytest.mark.parametrize("raw", ["2023-05-01", "2023/5/1", "2023.5.1", "20230501", "2023年5月1日",
                                 " 2023-5-01 ", "2023-05-01 00:00:00", date(2023, 5, 1),
                                 datetime(2023, 5, 1, 8, 30), 20230501, 20230501.0, 45047, 45047.0])
def test_accepted_date_forms(raw: object) -> None:
    assert f.parse_date(raw, "日期") == date(2023, 5, 1)


@pytest.mark.parametrize("raw", ["2023-13-01", "2023-02-30", "2023/5", "5/1/2023", "昨天", "20231301",
                                 "1899-01-01", 3.5, True, 123])
def test_bad_dates(raw: object) -> None:
    issue = f.parse_date(raw, "资格时间", 9)
    assert isinstance(issue, Issue)
    assert (issue.code, issue.field, issue.row) == ("bad_date", "资格时间", 9)


@pytest.mark.parametrize(("raw", "expected"), [
    ("12", Decimal("12.00")), ("12.5", Decimal("12.50")), (12.5, Decimal("12.50")), (3, Decimal("3.00")),
    ("0.25", Decimal("0.25")), (0.1, Decimal("0.10")),
])
def test_amounts_are_exact_decimals(raw: object, expected: Decimal) -> None:
    value = f.parse_amount(raw, "学时")
    assert isinstance(value, Decimal) and value == expected and str(value) == str(expected)


@pytest.mark.parametrize("raw", ["0", "-3", "abc", "12.345", "NaN", "Infinity", "10000", True, ""])
def test_bad_amounts(raw: object) -> None:
    issue = f.parse_amount(raw, "学分", 3)
    assert isinstance(issue, Issue) and issue.code == "bad_number" and issue.field == "学分"


@pytest.mark.parametrize(("raw", "ok"), [("2023", True), (2023, True), (2023.0, True), ("2023年", True),
                                         ("2023年度", True), ("1979", False), ("2099", False),
                                         ("二〇二三", False)])
def test_years(raw: object, ok: bool) -> None:
    result = f.parse_year(raw, "年度", today=date(2024, 6, 1))
    assert (result == 2023) if ok else (isinstance(result, Issue) and result.code == "bad_year")


def test_required_flags_blank_cells_only() -> None:
    assert f.required("张三", "姓名") is None
    assert f.required(0, "学时") is None
    for blank in (None, "", "   "):
        issue = f.required(blank, "姓名", 5)
        assert isinstance(issue, Issue) and (issue.code, issue.field, issue.row) == ("required", "姓名", 5)


def test_cell_text_drops_excel_float_tails() -> None:
    assert f.cell_text(13800138000.0) == "13800138000"
    assert f.cell_text(12.5) == "12.5"
    assert f.cell_text(datetime(2023, 5, 1)) == "2023-05-01"
    assert f.cell_text(None) == ""


def test_text_longer_than_its_column_is_refused() -> None:
    issue = f.parse_text("单" * 129, "工作单位", 2, max_length=128)
    assert isinstance(issue, Issue) and issue.code == "too_long"
    assert f.parse_text(" 某单位 ", "工作单位", max_length=128) == "某单位"


def test_gender_must_agree_with_the_id_number() -> None:
    male = idnumber.parse("340824199001010010")
    assert isinstance(male, idnumber.IdNumber)
    assert f.parse_gender("男性") == "男" and f.parse_gender("F") == "女"
    assert f.check_gender("男", male) is None
    issue = f.check_gender("女", male, row=6)
    assert isinstance(issue, Issue) and issue.code == "gender_mismatch" and issue.row == 6
    bad = f.parse_gender("未知")
    assert isinstance(bad, Issue) and bad.code == "bad_gender"


def test_series_qualification_and_education_vocabularies() -> None:
    engineering = f.parse_series("工程系列")
    assert not isinstance(engineering, Issue) and engineering.key == "工程"
    health = f.parse_series("卫生技术人员")
    assert not isinstance(health, Issue) and health.key == "卫生"
    unknown = f.parse_series("火箭")
    assert isinstance(unknown, Issue) and unknown.code == "unknown_series"
    assert f.parse_qualification(series_catalogue().get("工程"), "高级工程师") == "高级工程师"
    wrong = f.parse_qualification(series_catalogue().get("工程"), "主任医师")
    assert isinstance(wrong, Issue) and wrong.code == "unknown_qualification"
    assert f.parse_education("本科") == "大学本科"
    assert f.parse_education("大专") == "大学专科"
    edu = f.parse_education("博士后")
    assert isinstance(edu, Issue) and edu.code == "unknown_education"
