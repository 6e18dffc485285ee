"""What an import did (`ImportReport`) and the error file written next to the input."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platform_core.errors import Issue
from platform_core.importing.reader import Table
from platform_core.validation.fields import cell_text

ERROR_FILE_COLUMNS = ("行号", "列", "代码", "说明")


@dataclass
class ImportOptions:
    dry_run: bool = False  # validate and report; write nothing (not even the error file)
    skip_invalid: bool = False  # write the valid rows; the bad ones go to the error file


@dataclass
class ImportReport:
    """Counts are rows of the file. When bad rows blocked the import, created/updated/unchanged
    are 0; on a dry run they say what a real run would do."""

    file: str
    kind: str  # persons / hours / public_passes
    rows: int = 0
    valid: int = 0
    invalid: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[Issue] = field(default_factory=list)
    error_file: str | None = None
    dry_run: bool = False
    written: bool = False  # the valid rows were applied to the database

    @property
    def exit_code(self) -> int:
        """2 when there are bad rows (or a bad file) and nothing was written, else 0."""
        return 2 if self.errors and not self.written else 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file, "kind": self.kind, "rows": self.rows, "valid": self.valid,
            "invalid": self.invalid, "created": self.created, "updated": self.updated,
            "unchanged": self.unchanged, "errors": [i.as_dict() for i in self.errors],
            "error_file": self.error_file, "dry_run": self.dry_run, "written": self.written,
        }


def error_file_path(source: Path) -> Path:
    """persons.xlsx -> persons.errors.csv, in the same folder."""
    return source.with_name(f"{source.stem}.errors.csv")


def write_error_file(source: Path, table: Table, issues: Iterable[Issue]) -> Path:
    """One line per bad row: 行号/列/代码/说明 (several joined with ；) and the row's original cells.

    The original headers follow, so a corrected error file can be imported again as it is.
    UTF-8 with BOM, which Excel opens without garbling the Chinese.
    """
    by_row: dict[int, list[Issue]] = {}
    for issue in issues:
        if issue.row is not None:
            by_row.setdefault(issue.row, []).append(issue)
    cells = {number: row for number, row in table.rows if number in by_row}
    target = error_file_path(source)
    with target.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([*ERROR_FILE_COLUMNS, *table.headers])
        for number in sorted(by_row):
            found = by_row[number]
            writer.writerow([
                number,
                "；".join(dict.fromkeys(i.field or "" for i in found)),
                "；".join(dict.fromkeys(i.code for i in found)),
                "；".join(i.message for i in found),
                *(cell_text(c) for c in table.original(cells.get(number, []))),
            ])
    return target
