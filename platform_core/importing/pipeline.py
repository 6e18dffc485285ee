"""The steps every import shares: read, check columns, validate every row, check against the
database, then write all or nothing (or only the valid rows with --skip-invalid).

Each kind of file supplies a `FileSpec`: pure row validation over dicts, and a `resolve` step
that loads what it needs from the database in chunks (never one query per row) and returns the
rows' database-level issues plus a `Plan` that knows its counts before it writes anything.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.orm import Session

from platform_core.errors import Issue, ValidationFailed
from platform_core.importing.access import ImportAccess
from platform_core.importing.reader import Table, read_table
from platform_core.importing.report import ImportOptions, ImportReport, write_error_file

R = TypeVar("R")
T = TypeVar("T")


class Plan(Protocol):
    """What an import will do, known before it writes (a dry run reports these counts)."""

    @property
    def created(self) -> int: ...

    @property
    def updated(self) -> int: ...

    @property
    def unchanged(self) -> int: ...

    def apply(self, session: Session) -> None: ...


@dataclass
class FileSpec(Generic[R]):
    kind: str
    known: tuple[str, ...]  # every header the file may have
    required_columns: tuple[str, ...]
    validate: Callable[[Mapping[str, Any], int], tuple[R | None, list[Issue]]]
    # Rows with equal keys are duplicates within the file; None = row has no key.
    key: Callable[[Mapping[str, Any], R | None], Hashable | None]
    key_field: str
    key_label: str  # what is duplicated, in Chinese
    row_number: Callable[[R], int]
    resolve: Callable[[Session, list[R]], tuple[list[Issue], Any]]  # Any: a `Plan`
    aliases: Mapping[str, str] = field(default_factory=dict)
    # Column alternatives: at least one of each group must be present (学时 or 学分).
    one_of: tuple[tuple[str, ...], ...] = ()


def missing_columns(table: Table, spec: FileSpec[Any]) -> list[Issue]:
    issues = [Issue("missing_column", f"缺少“{h}”列", field=h) for h in spec.required_columns
              if not table.has(h)]
    for group in spec.one_of:
        if not any(table.has(h) for h in group):
            label = "或".join(f"“{h}”" for h in group)
            issues.append(Issue("missing_column", f"缺少{label}列", field="/".join(group)))
    return issues


def duplicate_issues(keys: list[tuple[int, Hashable]], field: str, label: str) -> list[Issue]:
    """Every occurrence of a repeated key gets an issue naming the other rows."""
    rows_by_key: dict[Hashable, list[int]] = {}
    for number, key in keys:
        rows_by_key.setdefault(key, []).append(number)
    issues = []
    for rows in rows_by_key.values():
        if len(rows) < 2:
            continue
        for number in rows:
            others = "、".join(f"第{n}行" for n in rows if n != number)
            issues.append(Issue("duplicate_in_file", f"{label}与{others}重复", field=field, row=number))
    return issues


def run_import(session: Session, path: str | Path, spec: FileSpec[R], options: ImportOptions,
               access: ImportAccess, tenant_codes: Callable[[], Iterable[str]]) -> ImportReport:
    """Validate every row, then write in the caller's transaction (all valid rows or nothing)."""
    path = Path(path)
    report = ImportReport(file=str(path), kind=spec.kind, dry_run=options.dry_run)
    try:
        table = read_table(path, spec.known, aliases=spec.aliases)
    except ValidationFailed as exc:
        report.errors = exc.issues
        return report
    report.errors = missing_columns(table, spec)
    if report.errors:
        return report

    issues: list[Issue] = []
    parsed: list[R] = []
    keys: list[tuple[int, Hashable]] = []
    for number, cells in table.records():
        report.rows += 1
        row, found = spec.validate(cells, number)
        key = spec.key(cells, row)
        if key is not None:
            keys.append((number, key))
        if found:
            issues.extend(found)
        elif row is not None:
            parsed.append(row)
    issues.extend(duplicate_issues(keys, spec.key_field, spec.key_label))
    bad_rows = {i.row for i in issues}
    candidates = [r for r in parsed if spec.row_number(r) not in bad_rows]
    db_issues, plan = spec.resolve(session, candidates)
    issues.extend(db_issues)

    order = {h: n for n, h in enumerate(table.headers)}
    issues.sort(key=lambda i: (i.row or 0, order.get(i.field or "", len(order))))
    report.errors = issues
    report.invalid = len({i.row for i in issues})
    report.valid = report.rows - report.invalid
    if issues and not options.skip_invalid:
        return report  # nothing is written: every bad row has been reported
    report.created, report.updated, report.unchanged = plan.created, plan.updated, plan.unchanged
    if options.dry_run:
        return report
    plan.apply(session)
    session.flush()
    report.written = report.valid > 0
    if report.created or report.updated:
        # One stamp per tenant the import wrote into, in the same transaction (R24).
        access.stamp(session, path, tenant_codes(), {
            "rows": report.rows, "created": report.created, "updated": report.updated,
            "unchanged": report.unchanged, "invalid": report.invalid})
    if issues:
        report.error_file = str(write_error_file(path, table, issues))
    return report
