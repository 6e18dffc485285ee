"""CLI commands: reports (R17, R23) — compliance by tenant, on screen, as JSON or a printable sheet."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from platform_core.cli.context import JSON_OPTION, actor, runtime
from platform_core.cli.output import console, emit_json
from platform_core.compliance import HEADERS, ComplianceReport, compliance_report, write_xlsx

reports_app = typer.Typer(help="统计报表（可打印导出）", no_args_is_help=True)


def print_compliance(report: ComplianceReport, title: str | None = None) -> None:
    table = Table(title=title or f"安庆市专业技术人员继续教育 {report.year} 年度完成情况")
    for i, header in enumerate(HEADERS):
        table.add_column(header, justify="left" if i == 0 else "right")
    for r in (*report.tenants, report.total):
        table.add_row(*(str(c) for c in r.cells()), style="bold" if r is report.total else None,
                      end_section=bool(report.tenants) and r is report.tenants[-1])
    console.print(table)


@reports_app.command("compliance")
def compliance(
    ctx: typer.Context,
    year: int = typer.Option(..., "--year"),
    tenant: list[str] | None = typer.Option(None, "--tenant", help="只统计这些租户（可重复）"),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="另存为可打印的 .xlsx 表格"),
    json_out: bool = JSON_OPTION,
) -> None:
    """按租户统计某年度已验证的完成情况（先运行 ceplat verify run）。"""
    rt = runtime(ctx)
    with rt.read() as session:
        report = compliance_report(session, rt.enforcer, actor(ctx), year, tenant or None)
    if xlsx is not None:
        write_xlsx(report, xlsx)
    if json_out:
        emit_json(report.as_dict() | ({"xlsx": str(xlsx)} if xlsx else {}))
        return
    print_compliance(report)
    if xlsx is not None:
        console.print(f"已导出 {xlsx}")


def register(app: typer.Typer) -> None:
    app.add_typer(reports_app, name="reports")
