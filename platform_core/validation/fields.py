"""Field checks shared by imports and forms: required cells, dates, numbers, vocabularies.

Each parser takes the raw cell (a string from a CSV, or whatever a spreadsheet cell holds:
str, int, float, date, datetime) and returns either the clean value or an `Issue` with a stable
code, the field and a Chinese message. They are pure functions, cheap enough to run on every
cell of a 50,000-row sheet.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from platform_core.errors import Issue
from platform_core.reference import Series, normalise_education, series_catalogue
from platform_core.validation.idnumber import IdNumber

# Excel's day 0 (it counts 1900 as a leap year, so serials from March 1900 on line up with this).
EXCEL_EPOCH = date(1899, 12, 30)
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999")

_DATE_RE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_COMPACT_DATE_RE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_YEAR_RE = re.compile(r"(\d{4})\s*年?(?:度)?")


def cell_text(value: object) -> str:
    """A cell as trimmed text; integral floats (numbers typed into Excel) lose their '.0'."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def required(value: object, field: str, row: int | None = None) -> Issue | None:
    if is_blank(value):
        return Issue("required", f"「{field}」不能为空", field=field, row=row)
    return None


def parse_text(value: object, field: str, row: int | None = None, *, max_length: int) -> str | Issue:
    """Trimmed text that fits the column it goes to."""
    text = cell_text(value)
    if len(text) > max_length:
        return Issue("too_long", f"「{field}」不能超过{max_length}个字符", field=field, row=row,
                     value=text[:100])
    return text


def _bad_date(value: object, field: str, row: int | None) -> Issue:
    return Issue("bad_date", f"「{field}」不是有效日期（可写作 2023-05-01、2023/5/1、2023.5.1 或 20230501）",
                 field=field, row=row, value=cell_text(value))


def parse_date(value: object, field: str, row: int | None = None) -> date | Issue:
    """A calendar date from a date cell, an Excel serial number or the usual written forms."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return _bad_date(value, field, row)
    if isinstance(value, int | float):
        if float(value).is_integer() and 19000101 <= value <= 21001231:
            value = str(int(value))  # 20230501 typed as a number
        elif float(value).is_integer() and 10_000 < value < 100_000:
            # A date cell exported without its format: days since Excel's epoch (1927–2173).
            return EXCEL_EPOCH + timedelta(days=int(value))
        else:
            return _bad_date(value, field, row)
    text = cell_text(value)
    match = _DATE_RE.fullmatch(text) or _COMPACT_DATE_RE.fullmatch(text)
    if match is None:
        return _bad_date(value, field, row)
    try:
        parsed = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return _bad_date(value, field, row)
    if parsed.year < 1900:
        return _bad_date(value, field, row)
    return parsed


def parse_amount(value: object, field: str, row: int | None = None) -> Decimal | Issue:
    """A positive number of hours or credits with at most two decimals, as a Decimal."""
    if isinstance(value, bool):
        value = None
    text = repr(value) if isinstance(value, float) else cell_text(value)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT \
            or amount != amount.quantize(CENT):
        return Issue("bad_number", f"「{field}」应为大于0、不超过{MAX_AMOUNT}、最多两位小数的数字",
                     field=field, row=row, value=cell_text(value))
    return amount.quantize(CENT)


def parse_year(value: object, field: str, row: int | None = None, *,
               today: date | None = None) -> int | Issue:
    """A year between 1980 and next year."""
    text = cell_text(value)
    match = _YEAR_RE.fullmatch(text)
    latest = (today or date.today()).year + 1
    if match is None or not 1980 <= int(match[1]) <= latest:
        return Issue("bad_year", f"「{field}」应为1980至{latest}之间的年份", field=field, row=row,
                     value=text)
    return int(match[1])


GENDERS = {"男": "男", "男性": "男", "M": "男", "MALE": "男",
           "女": "女", "女性": "女", "F": "女", "FEMALE": "女"}


def parse_gender(value: object, field: str = "性别", row: int | None = None) -> str | Issue:
    text = cell_text(value).upper()
    gender = GENDERS.get(text)
    if gender is None:
        return Issue("bad_gender", f"「{field}」应为“男”或“女”", field=field, row=row, value=cell_text(value))
    return gender


def check_gender(given: str, id_number: IdNumber, field: str = "性别",
                 row: int | None = None) -> Issue | None:
    """The gender written must be the one the ID number's 17th digit says (odd male, even female)."""
    if given != id_number.gender:
        return Issue("gender_mismatch", f"性别“{given}”与身份证号码（{id_number.gender}）不一致",
                     field=field, row=row, value=given, rule="GB 11643-1999")
    return None


def parse_series(value: object, field: str = "职称系列", row: int | None = None) -> Series | Issue:
    text = cell_text(value)
    found = series_catalogue().find(text)
    if found is None:
        return Issue("unknown_series", f"未知的职称系列“{text}”", field=field, row=row, value=text)
    return found


def parse_qualification(series: Series, value: object, field: str = "资格名称",
                        row: int | None = None) -> str | Issue:
    text = "".join(cell_text(value).split())
    if text in series.qualifications:
        return text
    return Issue("unknown_qualification", f"资格名称“{text}”不属于{series.key}系列", field=field, row=row,
                 value=text)


def parse_education(value: object, field: str = "学历", row: int | None = None) -> str | Issue:
    text = "".join(cell_text(value).split())
    level = normalise_education(text)
    if level is None:
        return Issue("unknown_education",
                     f"未知的学历“{text}”（可用：博士研究生、硕士研究生、大学本科、大学专科、中专、高中及以下）",
                     field=field, row=row, value=text)
    return level
