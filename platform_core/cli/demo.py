"""CLI command: demo — seed a synthetic Anqing, run the city-wide 2023 verification job (the
main bulk job, through the task queue: Celery in eager mode on the embedded default), print
the per-tenant compliance table.

Starting over (documented in docs/demo.md): the default database (the SQLite file under
``var/``) holding only a previous demo's synthetic persons is disposable, so a rerun
deletes it and seeds again. Any other database with persons — or the default one with
imported persons — is left alone unless ``--fresh`` is given: a SQLite file is then
deleted, any other database loses its rows (the schema stays).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from decimal import Decimal

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from platform_core import jobs, migrate
from platform_core.authz import Actor
from platform_core.cli.context import JSON_OPTION, runtime
from platform_core.cli.output import console, emit_json, err_console
from platform_core.cli.reports import print_compliance
from platform_core.compliance import ComplianceReport, compliance_report
from platform_core.errors import ValidationFailed
from platform_core.queue import task_queue
from platform_core.runtime import Runtime
from platform_core.settings import Settings
from platform_core.synthetic import Profile, SyntheticSummary, generate_city
from platform_core.synthetic.reset import (
    delete_sqlite_file,
    has_persons,
    sqlite_file_contents,
    sqlite_path,
    wipe_rows,
)
from platform_core.verification import plan_verification

YEAR = 2023
DEMO_ACTOR = Actor.system("demo")
YEARS = range(2019, YEAR + 1)
def demo(
    ctx: typer.Context,
    persons: int = typer.Option(2400, "--persons", min=1, help="生成的专业技术人员人数"),
    seed: int = typer.Option(2023, "--seed", help="随机种子（相同种子生成相同数据）"),
    fresh: bool = typer.Option(False, "--fresh", help="清空已有数据后重新生成（非默认演示库时需要）"),
    json_out: bool = JSON_OPTION,
) -> None:
    """演示：生成模拟的安庆市数据（14个租户），评估全部人员2023年度完成情况并按租户汇总。"""
    started = time.perf_counter()
    rt = runtime(ctx)
    _start_over(rt, fresh)
    migrate.install(rt.engine)
    with _progress(json_out) as progress:
        seeding = progress.add_task("生成模拟数据", total=persons)

        def on_seed(_phase: str, done: int, total: int) -> None:
            progress.update(seeding, completed=done, total=total)

        seed_start = time.perf_counter()
        with rt.transaction() as session:
            summary = generate_city(session, persons, seed, YEARS, on_seed, host=rt.plugins,
                                    tenants_dir=rt.settings.tenants_dir,
                                    city_code=rt.settings.city_code)
        seed_seconds = time.perf_counter() - seed_start

        eval_start = time.perf_counter()
        with rt.transaction() as session:
            job = plan_verification(session, DEMO_ACTOR, YEAR, enforcer=rt.enforcer)
            job_id, total_persons = job.id, job.total_items
            chunk_ids = jobs.pending_chunk_ids(session, job.id)
        verifying = progress.add_task(f"验证 {YEAR} 年度（任务 {job_id}）", total=total_persons)
        queue = task_queue(rt)
        for chunk_id in chunk_ids:  # one at a time, so the bar moves (eager: runs here)
            queue.enqueue_verification([chunk_id])
            with rt.read() as session:
                progress.update(verifying, completed=jobs.progress(session, job_id).done_items)
        with rt.read() as session:
            report = compliance_report(session, rt.enforcer, DEMO_ACTOR, YEAR)
        eval_seconds = time.perf_counter() - eval_start
    elapsed = {"seed": _seconds(seed_seconds), "evaluate": _seconds(eval_seconds),
               "total": _seconds(time.perf_counter() - started)}
    if json_out:
        emit_json({"year": YEAR, "seed": seed, "persons": summary.persons, "job": job_id,
                   **report.as_dict(), "seeded": summary.as_dict(), "elapsed_seconds": elapsed})
        return
    _print_table(report, summary, elapsed)


def _start_over(rt: Runtime, fresh: bool) -> None:
    """Discard a previous demo's data where that is safe (see the module docstring)."""
    url = rt.settings.database_url
    path = sqlite_path(url)
    if path is not None:
        # Decided before the runtime opens the file, so it can still be deleted.
        persons, real = sqlite_file_contents(path)
        if persons:
            # Only a default database holding nothing but a previous demo goes unasked.
            if not (fresh or (url == Settings().database_url and not real)):
                raise _not_empty()
            delete_sqlite_file(path)
            err_console.print(f"已删除上次演示的数据库 {path}，重新生成")
        return
    migrate.install(rt.engine)
    if has_persons(rt.engine):
        if not fresh:
            raise _not_empty()
        wipe_rows(rt.engine)
        err_console.print("已清空数据库中的已有数据，重新生成")


def _not_empty() -> ValidationFailed:
    return ValidationFailed("数据库中已有专业技术人员数据；演示会清空数据，请确认后加 --fresh 重新运行",
                            code="demo_database_not_empty")


def _progress(quiet: bool) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err_console, transient=quiet)


def _seconds(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))


EXAMPLES: Sequence[tuple[Profile, str, str]] = (
    (Profile.R6_LAST_DAY, "R6 2024-03-31 取得合格证书，计入2023年度", "--year 2023"),
    (Profile.R6_LATE, "R6 2024-04-01 取得合格证书，不计入", "--year 2023"),
    (Profile.R7_EXPIRED, "R7 2023-04-01 后取得2022年度专题合格证书，不予认定", "--year 2023"),
    (Profile.R12_SHORT, "R12 部分学时来自未经备案审批的培训", "--year 2023"),
    (Profile.CRAMMED, "R22 学时集中在一年完成", "--cycle 2019-2023"),
)


def _print_table(report: ComplianceReport, summary: SyntheticSummary, elapsed: dict[str, Decimal]) -> None:
    print_compliance(report, title=f"安庆市专业技术人员继续教育 {YEAR} 年度完成情况（模拟数据）")
    console.print(
        f"生成 {summary.persons} 人、{len(summary.persons_by_series)} 个职称系列、"
        f"{summary.hour_records} 条学时记录、{summary.public_passes} 张公需科目合格证书、"
        f"{summary.trainings} 个培训班（{summary.trainings_unapproved} 个未获批准）；"
        f"生成用时 {elapsed['seed']} 秒，验证用时 {elapsed['evaluate']} 秒，合计 {elapsed['total']} 秒")
    console.print("可以查看的典型情形：")
    for profile, label, args in EXAMPLES:
        number = summary.examples.get(profile.value)
        if number:
            console.print(f"  {label}：\n    ceplat evaluate --id-number {number} {args}")


def register(app: typer.Typer) -> None:
    """Attach this module's commands to the root app."""
    app.command("demo")(demo)
