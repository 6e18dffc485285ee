"""CLI commands: reports (R17, R23) — compliance by tenant, on screen, as JSON or a printable sheet."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from platform_core.cli.context import JSON_OPTION, actor, runtime
from platform_core.cli.output import console, emit_json
from platform_core.compliance import (
    HEADERS,
    ComplianceReport,
    compliance_report,
    incomplete_persons,
    write_xlsx,
)

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


@reports_app.command("incomplete")
def incomplete(
    ctx: typer.Context,
    year: int = typer.Option(..., "--year"),
    tenant: str | None = typer.Option(None, "--tenant", help="只列出该租户"),
    limit: int = typer.Option(1000, "--limit", min=1),
    json_out: bool = JSON_OPTION,
) -> None:
    """列出某年度未完成学时的人员（R17：用人单位据此安排参训；身份证号脱敏）。"""
    rt = runtime(ctx)
    with rt.read() as session:
        people = incomplete_persons(session, rt.enforcer, actor(ctx), year, tenant_code=tenant, limit=limit)
    if json_out:
        emit_json({"year": year, "count": len(people), "persons": [p.as_dict() for p in people]})
        return
    table = Table(title=f"{year} 年度未完成继续教育学时人员（{len(people)} 人）")
    for col in ("姓名", "身份证号码", "租户", "工作单位", "系列", "公需尚缺", "专业尚缺"):
        table.add_column(col)
    units = {"hours": "学时", "credits": "学分"}
    for p in people:
        table.add_row(p.name, p.id_number, p.tenant, p.employer or "—", p.series,
                      f"{p.public_missing.normalize():f} {units.get(p.public_unit, '')}",
                      f"{p.professional_missing.normalize():f} {units.get(p.professional_unit, '')}")
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(reports_app, name="reports")
