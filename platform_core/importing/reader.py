"""Reading bureau spreadsheets: .xlsx/.xls (via python-calamine) and .csv in UTF-8 or GB18030.

Files from units carry a title and a filing-unit line or two above the header row, so the header
row is found by its known Chinese headers rather than assumed to be the first line. Row numbers
are the ones a person sees in Excel (1-based, counting those title lines).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platform_core.errors import Issue, ValidationFailed

SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"})
CSV_SUFFIXES = frozenset({".csv", ".txt"})
HEADER_SCAN_ROWS = 30
_HEADER_JUNK = str.maketrans("", "", "*＊:：")


@dataclass
class Table:
    """The data rows under the header row, keyed by the known headers found."""

    path: Path
    header_row: int  # 1-based row number of the header line
    headers: list[str]  # every header cell, normalised ('' for blank cells)
    columns: dict[str, int]  # known header -> 0-based column index
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)  # (row number, raw cells)
    encoding: str | None = None  # for CSV: utf-8, utf-8-sig or gb18030

    def has(self, header: str) -> bool:
        return header in self.columns

    def records(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(row number, {header: raw cell}) for every row with something in a known column."""
        cols = list(self.columns.items())
        for number, cells in self.rows:
            width = len(cells)
            record = {h: (cells[i] if i < width else None) for h, i in cols}
            if any(v is not None and v != "" and not (isinstance(v, str) and not v.strip())
                   for v in record.values()):
                yield number, record

    def original(self, cells: list[Any]) -> list[Any]:
        """A row's cells aligned with `headers` (for the error file)."""
        return [cells[i] if i < len(cells) else "" for i in range(len(self.headers))]


def normalise_header(cell: Any, aliases: Mapping[str, str] | None = None) -> str:
    """'身份证 号码 *' -> '身份证号码'; applies the caller's aliases (e.g. 身份证号 -> 身份证号码)."""
    text = "".join(str(cell if cell is not None else "").split()).translate(_HEADER_JUNK)
    return (aliases or {}).get(text, text)


def file_issue(code: str, message: str, path: Path) -> ValidationFailed:
    return ValidationFailed(message, code=code, issues=[Issue(code, message, value=path.name)])


def read_table(path: str | Path, known: Collection[str], *,
               aliases: Mapping[str, str] | None = None) -> Table:
    """Read the first sheet (or CSV) whose header row names at least two of `known`.

    Raises ValidationFailed with code ``file_not_found``, ``unsupported_file``, ``bad_file``,
    ``file_encoding`` (CSV neither UTF-8 nor GB18030) or ``no_header_row``.
    """
    path = Path(path)
    if not path.is_file():
        raise file_issue("file_not_found", f"找不到文件 {path}", path)
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return _read_csv(path, known, aliases)
    if suffix in SPREADSHEET_SUFFIXES:
        return _read_spreadsheet(path, known, aliases)
    raise file_issue("unsupported_file", f"不支持的文件类型“{path.suffix}”：请使用 .xlsx 或 .csv", path)


def _find_header(grid: list[list[Any]], known: Collection[str],
                 aliases: Mapping[str, str] | None) -> tuple[int, list[str], dict[str, int]] | None:
    """The first row (0-based) among the top rows naming the most known headers (at least two)."""
    wanted = set(known)
    best: tuple[int, list[str], dict[str, int]] | None = None
    for index, cells in enumerate(grid[:HEADER_SCAN_ROWS]):
        headers = [normalise_header(c, aliases) for c in cells]
        columns: dict[str, int] = {}
        for i, h in enumerate(headers):
            if h in wanted and h not in columns:
                columns[h] = i
        if len(columns) >= min(2, len(wanted)) and (best is None or len(columns) > len(best[2])):
            best = (index, headers, columns)
    return best


def _table(path: Path, grid: list[list[Any]], known: Collection[str],
           aliases: Mapping[str, str] | None, encoding: str | None) -> Table | None:
    found = _find_header(grid, known, aliases)
    if found is None:
        return None
    index, headers, columns = found
    rows = [(i + 1, cells) for i, cells in enumerate(grid) if i > index]
    return Table(path, index + 1, headers, columns, rows, encoding)


def _no_header(path: Path, known: Collection[str]) -> ValidationFailed:
    sample = "、".join(list(known)[:4])
    return file_issue("no_header_row",
                      f"文件前{HEADER_SCAN_ROWS}行中没有找到表头行（应包含 {sample} 等列名）", path)


def decode_csv(data: bytes, path: Path) -> tuple[str, str]:
    """(text, encoding): UTF-8 with or without BOM, else GB18030; anything else is refused."""
    bad = file_issue("file_encoding",
                     "无法识别文件编码：CSV 文件须为 UTF-8 或 GB18030（GBK）编码，请在 Excel 中另存为"
                     "“CSV UTF-8（逗号分隔）”后重新导入", path)
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8):].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise bad from None
    # UTF-16/32 (with or without BOM) is full of NUL bytes; no UTF-8 or GB18030 text has any.
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data[:4096]:
        raise bad
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise bad


def _read_csv(path: Path, known: Collection[str], aliases: Mapping[str, str] | None) -> Table:
    text, encoding = decode_csv(path.read_bytes(), path)
    for delimiter in (",", "\t", ";"):
        grid = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        table = _table(path, grid, known, aliases, encoding)
        if table is not None:
            return table
    if encoding == "gb18030":
        # Big5 or Shift-JIS bytes mostly decode as GB18030 too, into nonsense: the known headers
        # are then nowhere to be found, which is how we tell.
        raise decode_error(path)
    raise _no_header(path, known)


def decode_error(path: Path) -> ValidationFailed:
    return file_issue("file_encoding",
                      "文件编码不是 UTF-8 或 GB18030（读出的表头是乱码，可能是 Big5、Shift-JIS 等编码）："
                      "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后重新导入", path)


def _read_spreadsheet(path: Path, known: Collection[str], aliases: Mapping[str, str] | None) -> Table:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        for name in workbook.sheet_names:
            # Keep the empty top rows so row numbers match what Excel shows.
            grid = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
            table = _table(path, grid, known, aliases, None)
            if table is not None:
                return table
    except Exception as exc:  # noqa: BLE001 - calamine raises several unrelated types
        raise file_issue("bad_file", f"无法读取电子表格：{exc}", path) from exc
    raise _no_header(path, known)
