"""Printing for the CLI: one JSON document on stdout with --json, rich tables otherwise."""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from rich.console import Console

from platform_core.errors import Issue

console = Console()
err_console = Console(stderr=True)


def _default(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        # Decimal strings keep every digit; floats would not.
        return format(obj.normalize(), "f") if obj == obj.to_integral() else str(obj)
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if isinstance(obj, Enum):
        return obj.value
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    if hasattr(obj, "as_dict"):
        return obj.as_dict()
    if isinstance(obj, set | frozenset | tuple):
        return list(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def to_json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=_default, indent=2)


def emit_json(obj: Any) -> None:
    sys.stdout.write(to_json(obj) + "\n")
    sys.stdout.flush()


SHOWN_ISSUES = 500


def print_issues(issues: list[Issue]) -> None:
    """Every bad row of an input, as a table (the first SHOWN_ISSUES; --json has them all)."""
    if not issues:
        return
    from rich.table import Table

    table = Table(title=f"错误（{len(issues)} 条）")
    for col in ("行号", "列", "代码", "说明", "值"):
        table.add_column(col, overflow="fold")
    for issue in issues[:SHOWN_ISSUES]:
        table.add_row(str(issue.row or ""), issue.field or "", issue.code, issue.message, issue.value or "")
    console.print(table)
    if len(issues) > SHOWN_ISSUES:
        console.print(f"  …… 另有 {len(issues) - SHOWN_ISSUES} 条未显示（用 --json 查看全部）")
