"""CLI commands: ``ceplat numbers apply|allocate|export|show`` (Attachment 3, R18–R20).

Thin adapters over `platform_core.applications` and `platform_core.numbering`. ``allocate``
runs as the Celery task ``ceplat.numbers.allocate`` (in-process when no broker is configured).
Who acts: ``--as USER`` (default ``$CEPLAT_USER``); without one, the shell operator acts as the
system actor, named ``system:cli`` in the stamps (as in ``ceplat users``).
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from platform_core import applications
from platform_core.cli.context import AS_USER_KEY, JSON_OPTION, actor, runtime
from platform_core.cli.output import console, emit_json, err_console, print_issues
from platform_core.errors import CeplatError, Conflict, NotFound, PermissionDenied, ValidationFailed
from platform_core.queue import task_queue
from platform_core.validation import idnumber

numbers_app = typer.Typer(help="继续教育证书编号：申请（附件3）、分配、导出", no_args_is_help=True)

AS_OPTION = typer.Option(None, "--as", envvar="CEPLAT_USER",
                         help="以哪个用户的身份操作（默认取环境变量 CEPLAT_USER）")
WAIT_SECONDS = 3600


@numbers_app.command("apply")
def apply(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="附件3《证书编号申请表》.xlsx", dir_okay=False),
    base: str = typer.Option(..., "--base", help="申报的继续教育基地编码"),
    series: str = typer.Option(..., "--series", help="职称系列，如 卫生、工程、中小学教师"),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="只申报有效行，报告无效行"),
    user: str | None = AS_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """导入一份证书编号申请表（附件3）：校验每一行，全部有效（或 --skip-invalid）才建立申请。"""
    rt = runtime(ctx)
    who = actor(ctx, user)
    with rt.sessions() as session:
        with err_console.status("正在校验申请表……") if not json_out else nullcontext():
            report = applications.file_application(session, file, base_code=base, series=series, actor=who,
                                                   enforcer=rt.enforcer, skip_invalid=skip_invalid)
        if report.written:
            session.commit()
        else:
            session.rollback()
    if json_out:
        emit_json(report.as_dict())
    else:
        _print_report(report)
    if report.exit_code:
        raise typer.Exit(report.exit_code)


def _print_report(report: applications.ApplicationReport) -> None:
    what = f"{report.series or '?'}系列" + (f"（{report.specialty}）" if report.specialty else "")
    console.print(f"[bold]证书编号申请[/bold]：{report.file}（{what}）")
    console.print(f"  共 {report.rows} 行：有效 {report.valid}，无效 {report.invalid}")
    print_issues(report.errors)
    if report.written:
        console.print(f"[green]已建立申请 {report.application_id}[/green]："
                      f"新建人员 {report.persons_created}，已有人员 {report.persons_linked}")
    elif report.errors:
        console.print("[red]有错误，未建立申请[/red]（修正后重新导入，或用 --skip-invalid 只申报有效行）")
    else:
        console.print("申请表中没有数据行")


def _raise(answer: dict[str, Any]) -> None:
    error = answer["error"]
    kinds: dict[str, type[CeplatError]] = {c.__name__: c for c in (PermissionDenied, NotFound, Conflict)}
    raise kinds.get(answer.get("kind", ""), ValidationFailed)(error.get("message", ""),
                                                              code=error.get("code"))


@numbers_app.command("allocate")
def allocate(
    ctx: typer.Context,
    application_id: int = typer.Argument(..., help="申请编号"),
    user: str | None = AS_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """分配证书编号（仅市专技办，R18）：已有编号者沿用（R20），新编号按系列、年度连续编排。"""
    rt = runtime(ctx)
    user = user or ctx.find_root().meta.get(AS_USER_KEY)
    who: int | str | None = (int(user) if user.isdigit() else user) if user else None
    with err_console.status("正在分配证书编号……") if not json_out else nullcontext():
        answer = task_queue(rt).allocate_numbers(application_id, who, WAIT_SECONDS)
    if "error" in answer:
        _raise(answer)
    result = answer["result"]
    if json_out:
        emit_json(result)
        return
    console.print(f"申请 {application_id}（{result['series']}系列，{result['year']}年度）：新分配 "
                  f"[green]{result['allocated']}[/green] 个，沿用原编号 {result['kept']} 个，"
                  f"此前已完成 {result['already_done']} 个")
    if result["first_number"]:
        console.print(f"  新编号 {result['first_number']} — {result['last_number']}")


@numbers_app.command("export")
def export(
    ctx: typer.Context,
    application_id: int = typer.Argument(..., help="申请编号"),
    file: Path = typer.Argument(..., help="输出的 .xlsx 文件", dir_okay=False),
    json_out: bool = JSON_OPTION,
) -> None:
    """导出填好证书编号的附件3（供属地人社部门/行业主管部门台账）。"""
    rt = runtime(ctx)
    who = actor(ctx)
    with rt.transaction() as session:
        path = applications.export_application(session, application_id, file, actor=who, enforcer=rt.enforcer)
        view = applications.application_view(session, application_id, actor=who, enforcer=rt.enforcer)
    if json_out:
        emit_json({"application_id": application_id, "file": str(path), "rows": view.rows,
                   "pending": view.pending})
        return
    pending = f"，{view.pending} 行尚未分配编号" if view.pending else ""
    console.print(f"已导出 {path}（{view.rows} 行{pending}）")


@numbers_app.command("show")
def show(
    ctx: typer.Context,
    application_id: int = typer.Argument(..., help="申请编号"),
    json_out: bool = JSON_OPTION,
) -> None:
    """查看一份证书编号申请及其各行的编号。"""
    rt = runtime(ctx)
    with rt.read() as session:
        view = applications.application_view(session, application_id, actor=actor(ctx), enforcer=rt.enforcer)
        lines = applications.application_rows(session, application_id)
    rows: list[dict[str, Any]] = [
        {"row": r.row_no, "name": r.name, "id_number": idnumber.mask(r.id_number),
         "qualification": r.qualification, "certificate_number": r.certificate_number, "outcome": r.outcome}
        for r in lines]
    if json_out:
        emit_json({**view.as_dict(), "lines": rows})
        return
    console.print(f"[bold]申请 {view.id}[/bold]：{view.title}")
    console.print(f"  基地 {view.base_name}（{view.base_code}），租户 {view.tenant_code}，"
                  f"状态 {view.status}；共 {view.rows} 行：新分配 {view.allocated}，沿用 {view.kept}，"
                  f"待分配 {view.pending}")
    table = Table()
    for col in ("行号", "姓名", "身份证号码", "资格名称", "证书编号", "结果"):
        table.add_column(col)
    labels = {"allocated": "新分配", "kept": "沿用"}
    for r in lines:
        table.add_row(str(r.row_no), r.name, idnumber.mask(r.id_number), r.qualification,
                      r.certificate_number or "", labels.get(r.outcome or "", "待分配"))
    console.print(table)


def register(app: typer.Typer) -> None:
    """Attach this module's commands to the root app."""
    app.add_typer(numbers_app, name="numbers")

