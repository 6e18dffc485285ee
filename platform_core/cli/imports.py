"""CLI commands: ``ceplat import persons|hours|public-passes FILE``.

Thin adapters over `platform_core.importing`: one transaction per import, committed only when
the import wrote something; exit code 2 when there are bad rows and nothing was written.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from platform_core.cli.context import JSON_OPTION, actor, runtime
from platform_core.cli.output import console, emit_json, err_console, print_issues
from platform_core.errors import Conflict
from platform_core.importing import (
    ImportOptions,
    ImportReport,
    import_hours,
    import_persons,
    import_public_passes,
)

import_app = typer.Typer(help="导入已有记录（.xlsx / .csv，中文表头）", no_args_is_help=True)

FILE_ARG = typer.Argument(..., help="要导入的 .xlsx 或 .csv 文件", dir_okay=False)
DRY_RUN = typer.Option(False, "--dry-run", help="只校验并报告，不写入任何数据")
SKIP_INVALID = typer.Option(False, "--skip-invalid",
                            help="写入有效行，无效行写入同目录的 <文件名>.errors.csv")
KIND_LABELS = {"persons": "人员", "hours": "学时记录", "public_passes": "公需科目合格记录"}


def _run(ctx: typer.Context, work: Callable[[Session], ImportReport], json_out: bool) -> None:
    rt = runtime(ctx)
    with rt.sessions() as session:
        try:
            if json_out:
                report = work(session)
            else:
                with err_console.status("正在校验并导入……"):
                    report = work(session)
            if report.written:
                session.commit()
            else:
                session.rollback()
        except IntegrityError as exc:
            # Only a concurrent writer can get here: everything was checked against the database.
            raise Conflict("导入时数据被其他操作同时修改，未写入任何数据，请重新导入",
                           code="import_conflict") from exc
    if json_out:
        emit_json(report.as_dict())
    else:
        _print(report)
    if report.exit_code:
        raise typer.Exit(report.exit_code)


def _print(report: ImportReport) -> None:
    label = KIND_LABELS.get(report.kind, report.kind)
    console.print(f"[bold]导入{label}[/bold]：{report.file}")
    console.print(f"  共 {report.rows} 行：有效 {report.valid}，无效 {report.invalid}")
    print_issues(report.errors)
    counts = f"新增 {report.created}，更新 {report.updated}，未变 {report.unchanged}"
    if report.dry_run:
        console.print(f"[yellow]试运行（--dry-run），未写入任何数据[/yellow]；若正式导入：{counts}")
    elif report.written:
        console.print(f"[green]已写入[/green]：{counts}")
        if report.error_file:
            console.print(f"  无效行已写入 {report.error_file}")
    elif report.errors:
        console.print("[red]有错误，未写入任何数据[/red]（修正后重新导入，或用 --skip-invalid 只导入有效行）")
    else:
        console.print("没有可导入的数据行")


@import_app.command("persons")
def persons(
    ctx: typer.Context,
    file: Path = FILE_ARG,
    tenant: str = typer.Option(..., "--tenant", help="人员所属租户的编码或名称，如 340822、怀宁县"),
    dry_run: bool = DRY_RUN,
    skip_invalid: bool = SKIP_INVALID,
    json_out: bool = JSON_OPTION,
) -> None:
    """导入人员（附件3的列：姓名、性别、身份证号码、学历……，可选 证书编号）。"""
    options = ImportOptions(dry_run=dry_run, skip_invalid=skip_invalid)
    who = actor(ctx)
    _run(ctx, lambda s: import_persons(s, file, tenant, options, actor=who,
                                      enforcer=runtime(ctx).enforcer), json_out)


@import_app.command("hours")
def hours(
    ctx: typer.Context,
    file: Path = FILE_ARG,
    dry_run: bool = DRY_RUN,
    skip_invalid: bool = SKIP_INVALID,
    json_out: bool = JSON_OPTION,
) -> None:
    """导入学时记录（身份证号码、年度、科目类别、学时或学分、类别、项目名称、日期、来源）。"""
    options = ImportOptions(dry_run=dry_run, skip_invalid=skip_invalid)
    who = actor(ctx)
    _run(ctx, lambda s: import_hours(s, file, options, actor=who, enforcer=runtime(ctx).enforcer),
         json_out)


@import_app.command("public-passes")
def public_passes(
    ctx: typer.Context,
    file: Path = FILE_ARG,
    dry_run: bool = DRY_RUN,
    skip_invalid: bool = SKIP_INVALID,
    json_out: bool = JSON_OPTION,
) -> None:
    """导入公需科目合格记录（身份证号码、姓名、专题名称、合格日期、合格证书编号）。"""
    options = ImportOptions(dry_run=dry_run, skip_invalid=skip_invalid)
    who = actor(ctx)
    _run(ctx, lambda s: import_public_passes(s, file, options, actor=who,
                                            enforcer=runtime(ctx).enforcer), json_out)


def register(app: typer.Typer) -> None:
    """Attach this module's commands to the root app."""
    app.add_typer(import_app, name="import")
