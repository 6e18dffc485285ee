"""GB 11643-1999 citizen ID numbers (公民身份号码): structure, birth date, check character.

The address code is the one the number was issued with and never changes, so we check only
that its first two digits name a real province: an Anqing employee born elsewhere, or born
in the old 潜山县 (340824), has a valid number (shared/reference/id_number.md §5).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from platform_core.errors import Issue

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
PROVINCES = frozenset(
    [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
     50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83]
)
_FULLWIDTH = {ord("０") + i: ord("0") + i for i in range(10)} | {ord("Ｘ"): ord("X"), ord("ｘ"): ord("X")}


def normalise(raw: str) -> str:
    """Strip spaces, fold full-width digits and a lower-case x."""
    return "".join(str(raw or "").split()).translate(_FULLWIDTH).upper()


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


@dataclass(frozen=True)
class IdNumber:
    value: str
    birth_date: date
    gender: str  # 男 / 女

    @property
    def address_code(self) -> str:
        return self.value[:6]


def parse(raw: str, *, field: str = "身份证号码", row: int | None = None,
          today: date | None = None) -> IdNumber | Issue:
    """The parsed number, or the first Issue that makes it invalid."""
    value = normalise(raw)

    def issue(code: str, message: str) -> Issue:
        return Issue(code, message, field=field, row=row, value=str(raw), rule="GB 11643-1999")

    if not value:
        return issue("id_number_missing", "身份证号码不能为空")
    if len(value) != 18:
        return issue("id_number_length", f"身份证号码应为18位，实为{len(value)}位")
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return issue("id_number_format", "身份证号码前17位须为数字，末位为数字或X")
    if int(value[:2]) not in PROVINCES:
        return issue("id_number_address", f"身份证号码地址码 {value[:6]} 不是有效的省级代码开头")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return issue("id_number_birth_date", f"身份证号码中的出生日期 {value[6:14]} 不是有效日期")
    if born > (today or date.today()) or born.year < 1900:
        return issue("id_number_birth_date", f"身份证号码中的出生日期 {value[6:14]} 不合理")
    expected = check_char(value[:17])
    if value[17] != expected:
        return issue("id_number_checksum", f"身份证号码校验位错误（应为 {expected}）")
    gender = "男" if int(value[16]) % 2 == 1 else "女"
    return IdNumber(value, born, gender)


def make(address: str, born: date, sequence: int) -> str:
    """Build a valid number (synthetic data and tests). Odd sequence = male."""
    first17 = f"{address}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)


def mask(value: str) -> str:
    """340822********0018: the form lists and exports use for roles that need no more."""
    return value[:6] + "*" * 8 + value[14:] if len(value) == 18 else "*" * len(value)
