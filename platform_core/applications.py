"""Number Applications (Attachment 3, 继续教育证书编号申请表): read, validate, file, export (R19).

A base files one sheet per series. The sheet is read exactly as the bureau's form lays it out:
a title row naming the series ("安庆市卫生系列专业技术人员继续教育证书编号申请表"; engineering adds
its specialty, e.g. 建设工程), the 填报单位/联系人/联系电话/时间 lines, the header row, the data rows
and the 说明 note rows under the table. Every field but 证书编号 is required.

Speed matters (a city-wide sheet has tens of thousands of rows): the sheet is read once with
python-calamine, rows are checked by pure functions, and the database sees chunked lookups
and Core ``executemany`` inserts, never one ORM object per row.
"""

from __future__ import annotations

import gc
import re
import time
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, Text, any_, bindparam, func, select
from sqlalchemy import cast as sql_cast
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from platform_core import audit
from platform_core.authz import Action, Actor, ObjectRef, PlatformEnforcer, authorize, is_allowed
from platform_core.batching import chunked
from platform_core.bulk import copy_rows, insert_rows
from platform_core.errors import Issue, NotFound, ValidationFailed
from platform_core.importing.pipeline import duplicate_issues
from platform_core.models import CECertificate, Organisation, OrgKind, Person, Tenant, utcnow
from platform_core.models.numbering import NumberApplication, NumberApplicationRow
from platform_core.reference import Series, series_catalogue
from platform_core.validation import idnumber
from platform_core.validation.fields import (
    cell_text,
    check_gender,
    is_blank,
    parse_date,
    parse_education,
    parse_gender,
    parse_qualification,
)
from platform_core.validation.mobile import MOBILE_RE, parse_mobile

CITY_NAME = "安庆市"
FORM_NAME = "专业技术人员继续教育证书编号申请表"
HEADERS: tuple[str, ...] = ("序号", "工作单位", "姓名", "性别", "身份证号码", "学历", "专业名称",
                            "资格名称", "资格时间", "手机号码", "证书编号")
# R19: every field but the number is required. 序号 is the line's label, not a person's data.
REQUIRED: tuple[str, ...] = HEADERS[1:10]
HEADER_ALIASES = {"身份证号": "身份证号码", "身份证": "身份证号码", "公民身份号码": "身份证号码",
                  "手机": "手机号码", "手机号": "手机号码", "联系手机": "手机号码", "单位": "工作单位",
                  "所学专业": "专业名称", "专业": "专业名称", "取得资格时间": "资格时间",
                  "资格取得时间": "资格时间", "编号": "证书编号", "继续教育证书编号": "证书编号"}
META_LABELS = {"填报单位": "filing_unit", "申报单位": "filing_unit", "联系人": "contact",
               "联系电话": "phone", "时间": "date", "填报时间": "date", "申报时间": "date"}
NOTES = (
    "说明：1. 本表由各继续教育基地负责分系列填报，批复结果须报属地人社部门（市直报行业主管部门）"
    "录入相关台账管理；",
    "2. 申报时，除“证书编号”暂空外，其他为必填项；",
    "3. 标题“××系列”指卫生、艺术、中小学教师等申请人所属职称系列，属于工程系列的须加专业填写，"
    "如建设工程、水利水电工程、机电工程等；",
    "4. “资格名称”填写：助理工程师、工程师、高级工程师、一级演员等申请人所具备的专业技术资格；",
    "5. 为便于一人一号管理，证书换新时，继续使用原证书编号。",
)
HEADER_SCAN_ROWS = 20
MAX_LENGTHS = {"工作单位": 128, "姓名": 64, "专业名称": 64}

_HEADER_JUNK = str.maketrans("", "", "*＊:：")
_TITLE_RE = re.compile(r"^(?P<series>.*?)(?:系列)?(?:[(（](?P<paren>[^)）]*)[)）])?$")
_MONTH_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
_NOTE_START = re.compile(r"^(说明|(注|备注)\s*[:：])")
_NUMBERED_PROSE = re.compile(r"^\d{1,2}\s*[.、．]\s*\S{4,}")


# -- the form's layout ---------------------------------------------------------------------


@dataclass(frozen=True)
class FormTitle:
    text: str
    series_text: str  # what the title names, e.g. 卫生 / 建设工程 / ××
    series: str | None  # the catalogue key, e.g. 卫生 / 工程; None when not recognisable
    specialty: str | None  # engineering: 建设工程, 水利水电工程 …


@dataclass
class ApplicationForm:
    """A sheet as read: the lines above the table, the table's rows, the notes below."""

    path: Path
    title: FormTitle | None
    title_row: int | None
    filing_unit: str = ""
    contact: str = ""
    phone: str = ""
    date_text: str = ""
    header_row: int = 0
    columns: dict[str, int] = field(default_factory=dict)
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)  # (Excel row number, cells)
    notes: list[str] = field(default_factory=list)

    def records(self) -> Iterable[tuple[int, dict[str, Any]]]:
        for number, cells in self.rows:
            yield number, self.record(cells)

    def record(self, cells: Sequence[Any]) -> dict[str, Any]:
        width = len(cells)
        return {h: (cells[i] if i < width else None) for h, i in self.columns.items()}


def normalise_header(cell: Any) -> str:
    text = "".join(cell_text(cell).split()).translate(_HEADER_JUNK)
    return HEADER_ALIASES.get(text, text)


def parse_title(text: str) -> FormTitle | None:
    """The series (and engineering specialty) a title row names, or None if it is no title.

    Accepts the forms bases write: 卫生系列, 艺术系列, 中小学教师系列, 工程系列（建设工程专业）,
    建设工程系列, 水利水电工程专业; "××" (the blank template) names no series.
    """
    flat = "".join(cell_text(text).split())
    if FORM_NAME not in flat and "证书编号申请表" not in flat:
        return None
    middle = flat.split("证书编号申请表")[0].removesuffix("继续教育").removesuffix("专业技术人员")
    middle = middle.removeprefix(CITY_NAME)
    match = _TITLE_RE.match(middle)
    series_text = (match["series"] if match else middle).removesuffix("专业").strip()
    paren = ((match["paren"] if match else None) or "").removesuffix("专业").strip()
    catalogue = series_catalogue()
    found = catalogue.find(series_text)
    specialty = paren or None
    if found is None and series_text.endswith("工程"):
        # 属于工程系列的须加专业填写: "建设工程系列" is the engineering series, specialty 建设工程.
        found, specialty = catalogue.get("工程"), series_text
    if found is None and paren:
        found = catalogue.find(paren)
        specialty = None
    if found is not None and found.key != "工程":
        specialty = None
    return FormTitle(text=cell_text(text), series_text=series_text,
                     series=found.key if found else None, specialty=specialty)


def form_title(series: Series, specialty: str | None) -> str:
    label = f"{series.key}系列（{specialty}专业）" if specialty else f"{series.key}系列"
    return f"{CITY_NAME}{label}{FORM_NAME}"


def _read_meta(form: ApplicationForm, cells: list[Any]) -> None:
    texts = [cell_text(c) for c in cells]
    for i, text in enumerate(texts):
        if not text:
            continue
        flat = "".join(text.split())
        for label, attr in META_LABELS.items():
            if not flat.startswith(label):
                continue
            rest = flat[len(label):]
            if rest and rest[0] not in ":：":
                continue
            value = rest.lstrip(":：").removesuffix("（公章）").removesuffix("(公章)")
            if not value:
                # The value may sit in the next non-empty cell that is not itself a label.
                nxt = next((t for t in texts[i + 1:] if t), "")
                if nxt and not any("".join(nxt.split()).startswith(lbl) for lbl in META_LABELS):
                    value = nxt
            if attr == "date":
                form.date_text = value
            else:
                setattr(form, attr, value)
            break


def _is_note(cells: list[Any], first_col: int) -> bool:
    """The 说明 block under the table: "说明：1. ……", or "2. ……" alone in the first column."""
    first: tuple[int, str] | None = None
    for i, cell in enumerate(cells):
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            continue
        if first is not None:
            # Two filled cells: an applicant, unless a "说明：" line spills into a second cell.
            return _NOTE_START.match(first[1]) is not None
        first = (i, cell_text(cell))
    if first is None:
        return False
    # A numbered line of prose where 序号 would be; an applicant row fills more than one cell.
    return _NOTE_START.match(first[1]) is not None or (
        first[0] <= first_col and _NUMBERED_PROSE.match(first[1]) is not None)


def layout_from_grid(path: Path, grid: Sequence[list[Any]]) -> ApplicationForm:
    """Find the title, the lines above the table, the header row, the data rows and the notes."""
    header_index = None
    best = 0
    for index, cells in enumerate(grid[:HEADER_SCAN_ROWS]):
        found = sum(1 for c in cells if normalise_header(c) in HEADERS)
        if found >= 5 and found > best:
            header_index, best = index, found
    if header_index is None:
        message = (f"文件前{HEADER_SCAN_ROWS}行中没有找到附件3的表头行"
                   "（序号、工作单位、姓名、性别、身份证号码……）")
        raise ValidationFailed(message, code="no_header_row",
                               issues=[Issue("no_header_row", message, value=path.name)])
    form = ApplicationForm(path=path, title=None, title_row=None, header_row=header_index + 1)
    for index, cells in enumerate(grid[:header_index]):
        for cell in cells:
            title = parse_title(cell_text(cell)) if not is_blank(cell) else None
            if title is not None:
                form.title, form.title_row = title, index + 1
                break
        else:
            _read_meta(form, cells)
    for i, cell in enumerate(grid[header_index]):
        name = normalise_header(cell)
        if name in HEADERS and name not in form.columns:
            form.columns[name] = i
    in_notes = False
    first_col = form.columns.get("序号", min(form.columns.values()))
    data_cols = [i for h, i in form.columns.items() if h != "序号"]
    # The usual applicant row starts with two filled text cells: then only the first can make it
    # a note (what `_is_note` would say, without its walk over every cell), and when one of the
    # two is a data column, it is an applicant.
    shortcut = 0 in data_cols or 1 in data_cols
    for index in range(header_index + 1, len(grid)):
        cells = grid[index]
        if not in_notes:
            if (shortcut and len(cells) > 1 and type(c0 := cells[0]) is str and type(c1 := cells[1]) is str
                    and (t0 := c0.strip()) and c1.strip()):
                if _NOTE_START.match(t0) is None:
                    form.rows.append((index + 1, cells))
                    continue
                in_notes = True
            elif _is_note(cells, first_col):
                in_notes = True
        if in_notes:
            text = "".join(cell_text(c) for c in cells if not is_blank(c))
            if text:
                form.notes.append(text)
            continue
        width = len(cells)
        # Template lines carry only their 序号 (1, 2, 3 …): they are no applicant.
        if any(i < width and not is_blank(cells[i]) for i in data_cols):
            form.rows.append((index + 1, cells))
    return form


def read_form(path: str | Path) -> ApplicationForm:
    """Read an Attachment 3 sheet (.xlsx/.xls/.ods) from its first sheet that has the table."""
    from python_calamine import CalamineWorkbook

    path = Path(path)
    if not path.is_file():
        raise ValidationFailed(f"找不到文件 {path}", code="file_not_found",
                               issues=[Issue("file_not_found", f"找不到文件 {path}", value=path.name)])
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        grids = [workbook.get_sheet_by_name(n).to_python(skip_empty_area=False)
                 for n in workbook.sheet_names]
    except Exception as exc:  # noqa: BLE001 - calamine raises several unrelated types
        message = f"无法读取电子表格：{exc}"
        raise ValidationFailed(message, code="bad_file",
                               issues=[Issue("bad_file", message, value=path.name)]) from exc
    last: ValidationFailed | None = None
    for grid in grids:
        try:
            return layout_from_grid(path, grid)
        except ValidationFailed as exc:
            last = exc
    assert last is not None or not grids
    raise last or ValidationFailed("电子表格中没有工作表", code="bad_file")


# -- rows ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Applicant:
    """One valid row of the table."""

    row: int
    seq_label: str
    employer_name: str
    name: str
    gender: str
    id_number: str
    birth_date: date
    education: str
    major: str
    qualification: str
    qualification_date: date
    mobile: str
    certificate_number: str | None


def parse_month_or_date(value: object, field: str, row: int) -> date | Issue:
    """资格时间 is often written to the month (2019.06, 2019年6月): the 1st of that month then."""
    parsed = parse_date(value, field, row)
    if isinstance(parsed, date):
        return parsed
    match = _MONTH_RE.fullmatch(cell_text(value))
    if match and 1 <= int(match[2]) <= 12 and int(match[1]) >= 1900:
        return date(int(match[1]), int(match[2]), 1)
    return parsed


class RowChecker:
    """Checks rows of one sheet. Pure; values that repeat down a column (性别, 学历, 资格名称,
    资格时间 …) are parsed once per distinct value, which keeps a 50,000-row sheet fast."""

    def __init__(self, series: Series, today: date):
        self.series = series
        self.today = today
        # Per column: parsed value (or Issue with row 0) by raw cell. Only non-blank cells get in.
        self.memo: dict[str, dict[Any, Any]] = {"性别": {}, "学历": {}, "资格名称": {}, "资格时间": {}}

    def _cached(self, column: str, raw: Any, parse: Callable[[Any], Any], row: int) -> Any:
        memo = self.memo[column]
        try:
            value = memo[raw]
        except KeyError:
            value = memo[raw] = parse(raw)
        except TypeError:  # an unhashable cell: parse it every time
            value = parse(raw)
        return replace(value, row=row) if isinstance(value, Issue) else value

    def parse_qualification(self, raw: Any) -> str | Issue:
        return parse_qualification(self.series, raw)

    @staticmethod
    def parse_qualified_on(raw: Any) -> date | Issue:
        return parse_month_or_date(raw, "资格时间", 0)

    def check(self, cells: dict[str, Any], row: int) -> Applicant | list[Issue]:
        issues: list[Issue] = []
        for name in REQUIRED:
            value = cells.get(name)
            if value is None or (isinstance(value, str) and not value.strip()):
                issues.append(Issue("required", f"「{name}」不能为空", field=name, row=row))
        texts: dict[str, str] = {}
        for name, limit in MAX_LENGTHS.items():
            text = cell_text(cells.get(name))
            if len(text) > limit:
                issues.append(Issue("too_long", f"「{name}」不能超过{limit}个字符", field=name, row=row,
                                    value=text[:100]))
            texts[name] = text
        gender: str | Issue | None = None
        if not is_blank(cells.get("性别")):
            gender = self._cached("性别", cells["性别"], parse_gender, row)
            if isinstance(gender, Issue):
                issues.append(gender)
        parsed_id: idnumber.IdNumber | Issue | None = None
        if not is_blank(cells.get("身份证号码")):
            parsed_id = idnumber.parse(cell_text(cells["身份证号码"]), row=row, today=self.today)
            if isinstance(parsed_id, Issue):
                issues.append(parsed_id)
            elif isinstance(gender, str):
                mismatch = check_gender(gender, parsed_id, row=row)
                if mismatch:
                    issues.append(mismatch)
        education: str | Issue | None = None
        if not is_blank(cells.get("学历")):
            education = self._cached("学历", cells["学历"], parse_education, row)
            if isinstance(education, Issue):
                issues.append(education)
        qualification: str | Issue | None = None
        if not is_blank(cells.get("资格名称")):
            qualification = self._cached("资格名称", cells["资格名称"], self.parse_qualification, row)
            if isinstance(qualification, Issue):
                issues.append(qualification)
        qualified_on: date | Issue | None = None
        if not is_blank(cells.get("资格时间")):
            qualified_on = self._cached("资格时间", cells["资格时间"], self.parse_qualified_on, row)
            if isinstance(qualified_on, Issue):
                issues.append(qualified_on)
            elif qualified_on > self.today:
                issues.append(Issue("bad_date", "「资格时间」不能晚于今天", field="资格时间", row=row,
                                    value=qualified_on.isoformat()))
            elif isinstance(parsed_id, idnumber.IdNumber) and qualified_on <= parsed_id.birth_date:
                issues.append(Issue("bad_date", "「资格时间」早于身份证号码中的出生日期", field="资格时间",
                                    row=row, value=qualified_on.isoformat()))
        mobile: str | Issue | None = None
        raw_mobile = cells.get("手机号码")
        if isinstance(raw_mobile, str) and MOBILE_RE.fullmatch(raw_mobile):
            mobile = raw_mobile  # the common case, already clean
        elif not is_blank(raw_mobile):
            mobile = parse_mobile(raw_mobile, row=row)
            if isinstance(mobile, Issue):
                issues.append(mobile)
        if issues:
            return issues
        assert isinstance(parsed_id, idnumber.IdNumber) and isinstance(gender, str)
        assert isinstance(education, str) and isinstance(qualification, str)
        assert isinstance(qualified_on, date) and isinstance(mobile, str)
        number = cell_text(cells.get("证书编号")) or None
        name = "".join(texts["姓名"].split())
        return Applicant(row, cell_text(cells.get("序号"))[:16], texts["工作单位"], name, gender,
                         parsed_id.value, parsed_id.birth_date, education, texts["专业名称"], qualification,
                         qualified_on, mobile, number)


def validate_row(cells: dict[str, Any], row: int, series: Series, today: date) -> Applicant | list[Issue]:
    """Check one row of the table; pure, so it runs on 50,000 rows without the database."""
    return RowChecker(series, today).check(cells, row)


_PLAIN_ID = re.compile(r"[0-9]{17}[0-9X]")


def _memo_get(memo: dict[Any, Any], raw: Any, parse: Callable[[Any], Any]) -> Any:
    """The memoised parse of a cell, or None when it is blank or unhashable (the full check decides)."""
    try:
        return memo[raw]
    except KeyError:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        value = memo[raw] = parse(raw)
        return value
    except TypeError:
        return None


def quick_checker(checker: RowChecker,
                  columns: dict[str, int]) -> Callable[[Sequence[Any], int], Applicant | None]:
    """A check of the common row (plain text cells, nothing wrong) at a fraction of the cost of
    `RowChecker.check`: the `Applicant` it would return, or None for "ask the full check", which
    then reports every issue. It never accepts a row the full check rejects: each shortcut below
    holds only for inputs where it gives the full check's answer."""
    seq_at, number_at = columns.get("序号"), columns.get("证书编号")
    employer_at, name_at, gender_at, id_at, education_at, major_at, qualification_at, qualified_at, \
        mobile_at = (columns[h] for h in REQUIRED)
    width = max(columns.values()) + 1
    employer_max, name_max, major_max = MAX_LENGTHS["工作单位"], MAX_LENGTHS["姓名"], MAX_LENGTHS["专业名称"]
    memo = checker.memo
    genders, educations, qualifications, qualified_ons = (memo["性别"], memo["学历"], memo["资格名称"],
                                                          memo["资格时间"])
    today = checker.today
    plain_id, plain_mobile = _PLAIN_ID.fullmatch, MOBILE_RE.fullmatch
    provinces, check_chars = idnumber.PROVINCES, idnumber.CHECK_CHARS

    def quick(cells: Sequence[Any], row: int) -> Applicant | None:
        if len(cells) < width:
            return None
        employer, name, major = cells[employer_at], cells[name_at], cells[major_at]
        number, mobile = cells[id_at], cells[mobile_at]
        if (type(employer) is not str or type(name) is not str or type(major) is not str
                or type(number) is not str or type(mobile) is not str):
            return None
        employer, name, major = employer.strip(), name.strip(), major.strip()
        if (not employer or not name or not major or len(employer) > employer_max or len(name) > name_max
                or len(major) > major_max):
            return None
        # An ID number already in normal form (ASCII digits, upper-case X, no spaces) with a real
        # province, a plausible birth date and the right check character. 13 ≡ 2 (mod 11), so
        # 2 × int(first 17, base 13) ≡ the GB 11643 weighted sum Σ dᵢ·2^(17-i) (mod 11).
        if plain_id(number) is None or int(number[:2]) not in provinces:
            return None
        try:
            born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        except ValueError:
            return None
        if born > today or born.year < 1900 or check_chars[int(number[:17], 13) * 2 % 11] != number[17]:
            return None
        if plain_mobile(mobile) is None:
            return None
        gender = _memo_get(genders, cells[gender_at], parse_gender)
        if gender != ("男" if number[16] in "13579" else "女"):
            return None
        education = _memo_get(educations, cells[education_at], parse_education)
        if type(education) is not str:
            return None
        qualification = _memo_get(qualifications, cells[qualification_at], checker.parse_qualification)
        if type(qualification) is not str:
            return None
        qualified_on = _memo_get(qualified_ons, cells[qualified_at], checker.parse_qualified_on)
        if not isinstance(qualified_on, date) or qualified_on > today or qualified_on <= born:
            return None
        seq = cell_text(cells[seq_at])[:16] if seq_at is not None else ""
        certificate = (cell_text(cells[number_at]) or None) if number_at is not None else None
        return Applicant(row, seq, employer, "".join(name.split()), gender, number, born, education, major,
                         qualification, qualified_on, mobile, certificate)

    return quick


@dataclass
class CheckedForm:
    form: ApplicationForm
    series: Series | None
    specialty: str | None
    applicants: list[Applicant]  # the valid rows, in sheet order
    issues: list[Issue]
    rows: int  # data rows seen


def check_form(form: ApplicationForm, series_text: str, *, today: date | None = None) -> CheckedForm:
    """Validate the title against ``series_text`` and every row; collect every issue."""
    today = today or date.today()
    issues: list[Issue] = []
    for name in REQUIRED:
        if name not in form.columns:
            issues.append(Issue("missing_column", f"缺少“{name}”列", field=name, row=form.header_row))
    series = series_catalogue().find(series_text)
    if series is None:
        issues.append(Issue("unknown_series", f"未知的职称系列“{series_text}”", field="职称系列",
                            value=series_text))
    title = form.title
    if title is not None and title.series_text not in ("", "××", "xx", "XX") and title.series is None:
        issues.append(Issue("unknown_series", f"标题中的职称系列“{title.series_text}”不是已知的系列",
                            field="标题", row=form.title_row, value=title.series_text))
    elif title is not None and series is not None and title.series not in (None, series.key):
        issues.append(Issue("series_mismatch",
                            f"标题为“{title.series}”系列，与申报的“{series.key}”系列不一致",
                            field="标题", row=form.title_row, value=title.series_text))
    specialty = title.specialty if title is not None else None
    if issues:
        return CheckedForm(form, series, specialty, [], issues, len(form.rows))
    assert series is not None
    applicants: list[Applicant] = []
    keys: list[tuple[int, Hashable]] = []
    checker = RowChecker(series, today)
    quick = quick_checker(checker, form.columns)
    for number, row_cells in form.rows:
        result = quick(row_cells, number)
        if result is None:
            cells = form.record(row_cells)
            checked = checker.check(cells, number)
            if not isinstance(checked, Applicant):
                issues.extend(checked)
                raw_id = idnumber.normalise(cell_text(cells.get("身份证号码")))
                if raw_id:
                    keys.append((number, raw_id))
                continue
            result = checked
        applicants.append(result)
        keys.append((number, result.id_number))
    # Most sheets repeat nobody: a set says so faster than grouping every row.
    repeated = len({k for _, k in keys}) < len(keys)
    dupes = duplicate_issues(keys, "身份证号码", "身份证号码") if repeated else []
    issues.extend(dupes)
    if dupes:
        dupe_rows = {i.row for i in dupes}
        applicants = [a for a in applicants if a.row not in dupe_rows]
    order = {h: n for n, h in enumerate(HEADERS)}
    issues.sort(key=lambda i: (i.row or 0, order.get(i.field or "", len(order))))
    return CheckedForm(form, series, specialty, applicants, issues, len(form.rows))


# -- filing --------------------------------------------------------------------------------


@dataclass
class ApplicationReport:
    file: str
    series: str | None
    specialty: str | None
    rows: int = 0
    valid: int = 0
    invalid: int = 0
    persons_created: int = 0
    persons_linked: int = 0
    application_id: int | None = None
    errors: list[Issue] = field(default_factory=list)

    @property
    def written(self) -> bool:
        return self.application_id is not None

    @property
    def exit_code(self) -> int:
        return 2 if self.errors and not self.written else 0

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "series": self.series, "specialty": self.specialty,
                "rows": self.rows, "valid": self.valid, "invalid": self.invalid,
                "persons_created": self.persons_created, "persons_linked": self.persons_linked,
                "application_id": self.application_id, "written": self.written,
                "errors": [i.as_dict() for i in self.errors]}


def get_base(session: Session, code: str) -> Organisation:
    base = session.scalar(select(Organisation).where(Organisation.code == code,
                                                     Organisation.kind == OrgKind.TRAINING_BASE.value))
    if base is None:
        raise NotFound(f"找不到编码为 {code} 的继续教育基地", code="base_not_found")
    if base.status != "active":
        # R12: a base whose qualification was revoked files nothing.
        raise ValidationFailed(f"继续教育基地“{base.name}”的资格已被撤销，不能申报", code="base_revoked")
    return base


def _matching(session: Session, column: Any, values: Sequence[Any]) -> Iterable[Any]:
    """``column IN values`` in pieces the driver accepts. On PostgreSQL one array parameter, sent
    as the text of an array literal: a statement with thousands of placeholders costs psycopg
    more to prepare than the server needs to answer it, and adapting a list of 50,000 values
    element by element costs more than writing its literal."""
    if not values:
        return
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        yield column == any_(sql_cast(bindparam("values", _array_literal(values), type_=Text),
                                      ARRAY(column.type)))
    else:
        for chunk in chunked(values):
            yield column.in_(chunk)


def _array_literal(values: Iterable[Any]) -> str:
    """A PostgreSQL array literal: every element double-quoted, its backslashes and quotes escaped."""
    return "{" + ",".join('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def _resolve(session: Session, applicants: list[Applicant]) -> tuple[dict[str, int], list[Issue]]:
    """Existing persons by ID number, and what the database says is wrong with rows."""
    existing: dict[str, tuple[int, str]] = {}
    for where in _matching(session, Person.id_number, [a.id_number for a in applicants]):
        query = select(Person.id, Person.id_number, Person.name).where(where)
        existing.update((number, (pid, name)) for pid, number, name in session.execute(query))
    numbers: dict[int, str | None] = {}
    prefilled = [existing[a.id_number][0] for a in applicants
                 if a.certificate_number and a.id_number in existing]
    for where in _matching(session, CECertificate.person_id, prefilled):
        numbers.update((pid, number) for pid, number in session.execute(
            select(CECertificate.person_id, CECertificate.number).where(where)))
    issues: list[Issue] = []
    for a in applicants:
        known = existing.get(a.id_number)
        if known and known[1] != a.name:
            # The registered name is not repeated: a base must not learn names by probing numbers.
            issues.append(Issue("person_name_mismatch",
                                f"姓名“{a.name}”与身份证号码 {idnumber.mask(a.id_number)} 已登记的姓名不一致",
                                field="姓名", row=a.row, value=a.name))
        if a.certificate_number and (not known or numbers.get(known[0]) != a.certificate_number):
            # R20: only a renewal may write a number here, and it must be the person's own.
            issues.append(Issue("number_prefilled",
                                "申报时“证书编号”应暂空；只有换证人员可填写本人原证书编号",
                                field="证书编号", row=a.row, value=a.certificate_number, rule="R19"))
    return {k: v[0] for k, v in existing.items()}, issues


def file_application(session: Session, path: str | Path, *, base_code: str, series: str, actor: Actor,
                     enforcer: PlatformEnforcer | None, skip_invalid: bool = False,
                     today: date | None = None, timings: dict[str, float] | None = None) -> ApplicationReport:
    """Read, validate and file an Attachment 3 sheet in the caller's transaction.

    Only for an actor who may `number.apply` for this base (R19: bases file per series).
    Nothing is written while any row is bad, unless ``skip_invalid``: then the valid rows are
    filed and the report lists the rest. New persons are created in the base's tenant; the
    filing is stamped (R24). ``timings`` receives the seconds spent reading, validating and in
    the database.
    """
    with cyclic_gc_paused():
        return _file_application(session, Path(path), base_code=base_code, series=series, actor=actor,
                                 enforcer=enforcer, skip_invalid=skip_invalid, today=today, timings=timings)


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Hold the cyclic garbage collector while a sheet is imported. A 50,000-row sheet is half a
    million live cells; every generation-2 pass walks all of them, which cost a quarter of the
    reading and validating time. Reference counting still frees everything acyclic meanwhile,
    and a cycle made in between is collected once the collector runs again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _file_application(session: Session, path: Path, *, base_code: str, series: str, actor: Actor,
                      enforcer: PlatformEnforcer | None, skip_invalid: bool, today: date | None,
                      timings: dict[str, float] | None) -> ApplicationReport:
    clock = time.perf_counter()
    base = get_base(session, base_code)
    base_tenant = session.scalar(select(Tenant.code).where(Tenant.id == base.tenant_id)) or ""
    authorize(enforcer, actor, Action.NUMBER_APPLY, base_tenant,
              ObjectRef(type="number_application", tenant_id=base.tenant_id, base_id=base.id, series=series))
    form = read_form(path)
    lap = time.perf_counter()
    checked = check_form(form, series, today=today)
    if timings is not None:
        timings["read"] = lap - clock
        timings["validate"] = time.perf_counter() - lap
    lap = time.perf_counter()
    report = ApplicationReport(file=str(path), series=checked.series.key if checked.series else None,
                               specialty=checked.specialty, rows=checked.rows)
    if checked.series is None or any(i.row is None or i.field == "标题" or i.code == "missing_column"
                                     for i in checked.issues):
        report.errors = checked.issues
        report.invalid = report.rows
        return report
    existing, db_issues = _resolve(session, checked.applicants)
    issues = sorted(checked.issues + db_issues, key=lambda i: i.row or 0)
    bad = {i.row for i in issues}
    applicants = [a for a in checked.applicants if a.row not in bad]
    report.errors = issues
    report.invalid = len(bad)
    report.valid = len(applicants)
    if (issues and not skip_invalid) or not applicants:
        return report
    application = NumberApplication(
        tenant_id=base.tenant_id, base_id=base.id, series=checked.series.key,
        specialty=checked.specialty,
        title=form_title(checked.series, checked.specialty),
        filing_unit=checked.form.filing_unit[:128] or base.name, contact=checked.form.contact[:64],
        phone=checked.form.phone[:32], filed_on=_filed_on(checked.form.date_text),
        source_file=path.name[:255], created_by=actor.label)
    session.add(application)
    session.flush()
    new = [a for a in applicants if a.id_number not in existing]
    person_ids = dict(existing)
    person_ids.update(_create_persons(session, new, base.tenant_id, checked.series.key))
    _insert_rows(session, application.id, applicants, person_ids)
    report.application_id = application.id
    report.persons_created = len(new)
    report.persons_linked = len(applicants) - len(new)
    audit.stamp(session, actor, Action.NUMBER_APPLY, tenant_code=base_tenant,
                object_type="number_application", object_id=application.id,
                after={"base": base.code, "series": application.series, "rows": len(applicants),
                       "persons_created": len(new), "file": path.name})
    if timings is not None:
        timings["database"] = time.perf_counter() - lap
    return report


def _filed_on(text: str) -> date | None:
    if not text or not any(ch.isdigit() for ch in text):
        return None  # the template's blank "年 月 日"
    parsed = parse_date(text, "时间")
    return parsed if isinstance(parsed, date) else None


def _insert_rows(session: Session, application_id: int, applicants: list[Applicant],
                 person_ids: dict[str, int]) -> None:
    table = cast(Table, NumberApplicationRow.__table__)
    if session.get_bind().dialect.name == "postgresql":
        app = str(application_id)
        copy_rows(session, table, ROW_COLUMNS, (
            (app, str(a.row), a.seq_label, a.employer_name, a.name, a.gender, a.id_number, a.education,
             a.major, a.qualification, a.qualification_date.isoformat(), a.mobile,
             str(person_ids[a.id_number])) for a in applicants))
        return
    insert_rows(session.connection(), table, [
        {"application_id": application_id, "row_no": a.row, "seq_label": a.seq_label,
         "employer_name": a.employer_name, "name": a.name, "gender": a.gender, "id_number": a.id_number,
         "education": a.education, "major": a.major, "qualification": a.qualification,
         "qualification_date": a.qualification_date, "mobile": a.mobile,
         "person_id": person_ids[a.id_number], "certificate_number": None, "outcome": None,
         "numbered_at": None}
        for a in applicants])


def _create_persons(session: Session, new: list[Applicant], tenant_id: int, series: str) -> dict[str, int]:
    """Create the new persons in the base's tenant; their ids, by ID number."""
    if not new:
        return {}
    now = utcnow()
    table = cast(Table, Person.__table__)
    if session.get_bind().dialect.name == "postgresql":
        # Take the ids from the table's own sequence first (in sheet order, as COPY would), so the
        # rows need not be read back to learn them. The sequence is looked up once (OFFSET 0 keeps
        # the subquery from being folded into every row).
        ids = sorted(session.execute(sql_text(
            f"SELECT nextval(s.seq) FROM (SELECT pg_get_serial_sequence('{table.name}', 'id')::regclass "
            "AS seq OFFSET 0) s, generate_series(1, :n)"), {"n": len(new)}).scalars())
        tenant, stamp = str(tenant_id), now.isoformat()
        copy_rows(session, table, PERSON_COLUMNS, (
            (str(pid), a.id_number, a.name, a.gender, a.birth_date.isoformat(), a.education, a.major,
             a.qualification, a.qualification_date.isoformat(), a.mobile, tenant, series, stamp, stamp)
            for pid, a in zip(ids, new, strict=True)))
        return {a.id_number: pid for pid, a in zip(ids, new, strict=True)}
    insert_rows(session.connection(), table, [
        {"tenant_id": tenant_id, "id_number": a.id_number, "name": a.name, "gender": a.gender,
         "birth_date": a.birth_date, "education": a.education, "major": a.major, "series": series,
         "qualification": a.qualification, "qualification_date": a.qualification_date, "mobile": a.mobile,
         "employer_id": None, "created_at": now, "updated_at": now} for a in new])
    found: dict[str, int] = {}
    for where in _matching(session, Person.id_number, [a.id_number for a in new]):
        found.update((number, pid) for pid, number in session.execute(select(Person.id, Person.id_number)
                                                                      .where(where)))
    return found


# Columns left out of these lists (certificate_number, outcome, numbered_at; employer_id) are NULL.
ROW_COLUMNS = ("application_id", "row_no", "seq_label", "employer_name", "name", "gender", "id_number",
               "education", "major", "qualification", "qualification_date", "mobile", "person_id")
PERSON_COLUMNS = ("id", "id_number", "name", "gender", "birth_date", "education", "major", "qualification",
                  "qualification_date", "mobile", "tenant_id", "series", "created_at", "updated_at")
# -- reading back and exporting ------------------------------------------------------------


def get_application(session: Session, application_id: int) -> NumberApplication:
    application = session.get(NumberApplication, application_id)
    if application is None:
        raise NotFound(f"找不到编号申请 {application_id}", code="application_not_found")
    return application


def application_rows(session: Session, application_id: int) -> list[NumberApplicationRow]:
    return list(session.scalars(select(NumberApplicationRow)
                                .where(NumberApplicationRow.application_id == application_id)
                                .order_by(NumberApplicationRow.row_no)))


@dataclass(frozen=True)
class ApplicationView:
    id: int
    tenant_code: str
    base_code: str | None
    base_name: str
    series: str
    specialty: str | None
    title: str
    status: str
    filing_unit: str
    contact: str
    phone: str
    filed_on: date | None
    rows: int
    allocated: int
    kept: int
    pending: int
    number_year: int | None
    allocated_by: str | None

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def readable_application(session: Session, enforcer: PlatformEnforcer | None, actor: Actor,
                         application_id: int) -> NumberApplication:
    """The application, if `actor` may see it: the filing base (its own), the bureau keeping the
    ledger of that tenant (R19), the city office. NotFound for anyone else (no existence leak)."""
    application = get_application(session, application_id)
    tenant_code = session.scalar(select(Tenant.code).where(Tenant.id == application.tenant_id)) or ""
    obj = ObjectRef(type="number_application", tenant_id=application.tenant_id, base_id=application.base_id,
                    series=application.series)
    if any(is_allowed(enforcer, actor, action, tenant_code, obj)
           for action in (Action.REPORT_EXPORT, Action.NUMBER_APPLY, Action.NUMBER_ALLOCATE)):
        return application
    raise NotFound(f"找不到编号申请 {application_id}", code="application_not_found")


def application_view(session: Session, application_id: int, *, actor: Actor,
                     enforcer: PlatformEnforcer | None) -> ApplicationView:
    a = readable_application(session, enforcer, actor, application_id)
    base = session.get(Organisation, a.base_id)
    tenant = session.get(Tenant, a.tenant_id)
    assert base is not None and tenant is not None
    # Counted by the database: a 50,000-row application is not loaded to be counted.
    outcomes: dict[str | None, int] = {outcome: n for outcome, n in session.execute(
        select(NumberApplicationRow.outcome, func.count()).where(NumberApplicationRow.application_id == a.id)
        .group_by(NumberApplicationRow.outcome))}
    return ApplicationView(
        id=a.id, tenant_code=tenant.code, base_code=base.code, base_name=base.name, series=a.series,
        specialty=a.specialty, title=a.title, status=a.status, filing_unit=a.filing_unit,
        contact=a.contact, phone=a.phone, filed_on=a.filed_on, rows=sum(outcomes.values()),
        allocated=outcomes.get("allocated", 0), kept=outcomes.get("kept", 0), pending=outcomes.get(None, 0),
        number_year=a.number_year, allocated_by=a.allocated_by)


COLUMN_WIDTHS = (6, 26, 10, 6, 21, 11, 16, 14, 12, 14, 22)


def export_application(session: Session, application_id: int, path: str | Path, *, actor: Actor,
                       enforcer: PlatformEnforcer | None) -> Path:
    """Write the application back as the Attachment 3 sheet with 证书编号 filled (the ledger copy).

    The sheet carries full ID and mobile numbers, as the form does: the export is stamped (R24)."""
    application = readable_application(session, enforcer, actor, application_id)
    rows = application_rows(session, application_id)
    filed = application.filed_on
    audit.stamp(session, actor, "number.export", tenant_code=session.scalar(
        select(Tenant.code).where(Tenant.id == application.tenant_id)), object_type="number_application",
        object_id=application.id, after={"rows": len(rows), "file": Path(path).name})
    return write_form_sheet(
        path, title=application.title or form_title(series_catalogue().get(application.series),
                                                    application.specialty),
        filing_unit=application.filing_unit, contact=application.contact, phone=application.phone,
        date_text=f"{filed.year}年{filed.month}月{filed.day}日" if filed else "    年  月  日",
        rows=[[r.seq_label or str(n), r.employer_name, r.name, r.gender, r.id_number, r.education, r.major,
               r.qualification, r.qualification_date.isoformat(), r.mobile, r.certificate_number or ""]
              for n, r in enumerate(rows, start=1)])


def write_form_sheet(path: str | Path, *, title: str, filing_unit: str, contact: str, phone: str,
                     date_text: str, rows: Sequence[Sequence[Any]], styled: bool = True) -> Path:
    """Write an Attachment 3 sheet: title, filing lines, header row, ``rows``, the 说明 notes.

    ``styled`` gives the printable ledger copy (borders, widths, A4 landscape, the header row
    repeated on every page); without it a plain sheet of the same layout is streamed, for
    very large files.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta: list[Any] = [f"填报单位：{filing_unit}", None, None, None, f"联系人：{contact}", None, None,
                       f"联系电话：{phone}", None, f"时间：{date_text}", None]
    if not styled:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("证书编号申请表")
        ws.append([title])
        ws.append(meta)
        ws.append(list(HEADERS))
        for row in rows:
            ws.append(list(row))
        ws.append([])
        for note in NOTES:
            ws.append([note])
        wb.save(path)
        return path

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "证书编号申请表"
    last_col = get_column_letter(len(HEADERS))
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.append([title])
    ws.merge_cells(f"A1:{last_col}1")
    ws["A1"].font = Font(name="宋体", size=16, bold=True)
    ws["A1"].alignment = centre
    ws.row_dimensions[1].height = 32
    ws.append(meta)
    for span in ("A2:D2", "E2:G2", "H2:I2", "J2:K2"):
        ws.merge_cells(span)
    header_row = 3
    ws.append(list(HEADERS))
    for col in range(1, len(HEADERS) + 1):
        cell = ws.cell(header_row, col)
        cell.font = Font(name="宋体", size=11, bold=True)
        cell.alignment = centre
        cell.border = border
    for row in rows:
        ws.append(list(row))
    body = Alignment(vertical="center")
    wrapped = Alignment(vertical="center", wrap_text=True)
    for cells in ws.iter_rows(min_row=header_row + 1, max_row=header_row + len(rows)):
        for cell in cells:
            cell.border = border
            cell.number_format = "@"  # ID and certificate numbers stay text, never 3.4E+17
            cell.alignment = wrapped if cell.column == 2 else body
    ws.append([])
    for note in NOTES:
        ws.append([note])
        ws.merge_cells(f"A{ws.max_row}:{last_col}{ws.max_row}")
        ws.cell(ws.max_row, 1).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[ws.max_row].height = 30
    for i, width in enumerate(COLUMN_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = f"A{header_row + 1}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.print_area = f"A1:{last_col}{ws.max_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    wb.save(path)
    return path
