"""CLI commands: ``verify run``, ``jobs status``, ``worker``.

Thin adapters: the job is planned and committed by ``platform_core.verification``, then its
chunks are handed to Celery (or, with no broker configured, run here eagerly).
"""

from __future__ import annotations

import logging
import time

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from platform_core import audit, jobs, verification
from platform_core.cli.context import JSON_OPTION, actor, runtime
from platform_core.cli.output import console, emit_json
from platform_core.errors import ConfigurationError, ValidationFailed
from platform_core.queue import task_queue
from platform_core.runtime import Runtime

verify_app = typer.Typer(help="年度验证（市人社局终审，R16）", no_args_is_help=True)
jobs_app = typer.Typer(help="后台任务", no_args_is_help=True)

STATUS_LABELS = {"pending": "排队中", "running": "进行中", "done": "已完成", "failed": "失败"}


def _enqueue(rt: Runtime, chunk_ids: list[int]) -> None:
    """Hand chunks to the workers, or with no broker run them here, on this runtime."""
    task_queue(rt).enqueue_verification(chunk_ids)


@verify_app.command("run")
def verify_run(
    ctx: typer.Context,
    year: int = typer.Option(..., "--year", help="验证年度，如 2023"),
    tenant: list[str] | None = typer.Option(None, "--tenant", help="租户编码或名称（可重复）"),
    all_tenants: bool = typer.Option(False, "--all", help="全市所有租户"),
    id_number: list[str] | None = typer.Option(None, "--id-number", help="只验证这些人员（可重复）"),
    chunk_size: int = typer.Option(verification.DEFAULT_CHUNK_SIZE, "--chunk-size", help="每个任务的人数"),
    wait: bool = typer.Option(False, "--wait", help="等待完成并显示进度"),
    json_out: bool = JSON_OPTION,
) -> None:
    """评估并记录人员的年度学时完成情况（按租户、全市或指定人员；分块并行）。

    须有年度验证（batch.final_verify）权限：全局 --as 用户 / $CEPLAT_USER，缺省为系统操作员。"""
    chosen = sum(1 for x in (bool(tenant), all_tenants, bool(id_number)) if x)
    if chosen != 1:
        raise ValidationFailed("请给出 --tenant、--all 或 --id-number 之一", code="usage")
    rt = runtime(ctx)
    who = actor(ctx)
    enforcer = None if who.is_system else rt.enforcer
    with rt.transaction() as session:
        person_ids = verification.person_ids_for(session, id_number) if id_number else None
        job = verification.plan_verification(
            session, who, year, enforcer=enforcer, tenant_codes=tenant or None, person_ids=person_ids,
            chunk_size=chunk_size)
        jobs.mark_running(session, job.id)
        job_id = job.id
        chunk_ids = jobs.pending_chunk_ids(session, job_id)
    # Enqueue only after the commit: a worker must find the chunks it is sent.
    _enqueue(rt, chunk_ids)
    if wait and not json_out and not rt.settings.eager:
        final = _follow(rt, job_id)
    elif wait:
        final = _wait(rt, job_id)
    else:
        final = _progress(rt, job_id)
    if json_out:
        emit_json(final.as_dict())
    else:
        _print(final)


def _progress(rt: Runtime, job_id: int) -> jobs.JobProgress:
    with rt.read() as session:
        return jobs.progress(session, job_id)


def _wait(rt: Runtime, job_id: int, poll: float = 0.5) -> jobs.JobProgress:
    while not (state := _progress(rt, job_id)).finished:
        time.sleep(poll)
    return state


def _follow(rt: Runtime, job_id: int, poll: float = 0.3) -> jobs.JobProgress:
    state = _progress(rt, job_id)
    columns = (TextColumn(f"任务 {job_id} 验证 {state.year} 年度"), BarColumn(), MofNCompleteColumn(),
               TextColumn("人"), TimeElapsedColumn())
    with Progress(*columns, console=console) as bar:
        task = bar.add_task("verify", total=state.total_items)
        while True:
            bar.update(task, completed=state.done_items)
            if state.finished:
                return state
            time.sleep(poll)
            state = _progress(rt, job_id)


def _print(p: jobs.JobProgress) -> None:
    colour = {"done": "green", "failed": "red"}.get(p.status, "yellow")
    table = Table(title=f"任务 {p.id}（{p.kind}，{p.year} 年度）", show_header=False)
    table.add_row("状态", f"[{colour}]{STATUS_LABELS.get(p.status, p.status)}[/{colour}]")
    scope = p.params.get("tenants") or ("指定人员" if p.params.get("persons") else "全市")
    table.add_row("范围", "、".join(scope) if isinstance(scope, list) else scope)
    table.add_row("进度", f"{p.done_items}/{p.total_items} 人，{p.done_chunks}/{p.total_chunks} 块"
                          f"（{p.fraction:.0%}）")
    if p.failed_chunks:
        table.add_row("失败块", str(p.failed_chunks))
    table.add_row("发起人", p.created_by)
    table.add_row("创建", p.created_at.isoformat(timespec="seconds"))
    if p.finished_at:
        table.add_row("完成", p.finished_at.isoformat(timespec="seconds"))
    for error in p.errors:
        table.add_row("错误", error)
    console.print(table)


@jobs_app.command("status")
def jobs_status(ctx: typer.Context, job_id: int = typer.Argument(..., help="任务编号"),
                json_out: bool = JSON_OPTION) -> None:
    """查看后台任务的状态与进度。"""
    rt = runtime(ctx)
    with rt.read() as session:
        state = jobs.read_progress(session, rt.enforcer, actor(ctx), job_id, city_code=rt.settings.city_code)
    if json_out:
        emit_json(state.as_dict())
    else:
        _print(state)


@jobs_app.command("resume")
def jobs_resume(ctx: typer.Context, job_id: int = typer.Argument(..., help="任务编号"),
                json_out: bool = JSON_OPTION) -> None:
    """重新投递任务中尚未完成的块（已完成的块不会重复写入）。"""
    rt = runtime(ctx)
    who = actor(ctx)
    with rt.transaction() as session:
        state = jobs.read_progress(session, rt.enforcer, who, job_id, city_code=rt.settings.city_code)
        if state.kind != verification.VERIFICATION:
            raise ValidationFailed(f"任务 {job_id} 不是验证任务（{state.kind}）", code="job_kind")
        jobs.mark_running(session, job_id)
        chunk_ids = jobs.pending_chunk_ids(session, job_id)
        audit.stamp(session, who, "job.resume", object_type="job", object_id=job_id,
                    after={"resent_chunks": len(chunk_ids)})
    _enqueue(rt, chunk_ids)
    final = _progress(rt, job_id)
    if json_out:
        emit_json({**final.as_dict(), "resent_chunks": len(chunk_ids)})
    else:
        console.print(f"已重新投递 {len(chunk_ids)} 块")
        _print(final)


def worker(
    ctx: typer.Context,
    concurrency: int = typer.Option(2, "--concurrency", "-c", min=1, help="工作进程数"),
    loglevel: str = typer.Option("INFO", "--loglevel"),
    visibility_timeout: int | None = typer.Option(
        None, "--visibility-timeout", min=1,
        help="秒；任务未确认多久后重新投递（默认见 docs/workers.md；须大于任务时限）"),
    hostname: str = typer.Option("ceplat@%h", "--hostname", "-n"),
) -> None:
    """启动 Celery 工作进程（需要 CEPLAT_BROKER_URL）。"""
    rt = runtime(ctx)
    if rt.settings.eager:
        raise ConfigurationError("未配置 CEPLAT_BROKER_URL：任务在发起命令的进程内直接执行，无需启动 worker",
                                 code="no_broker")
    # Celery sets up the worker's own logging (process names, task ids); drop the CLI's.
    logging.getLogger().handlers.clear()
    task_queue(rt).run_worker(concurrency=concurrency, loglevel=loglevel,
                              visibility_timeout=visibility_timeout, hostname=hostname)


def register(app: typer.Typer) -> None:
    """Attach this module's commands to the root app."""
    app.add_typer(verify_app, name="verify")
    app.add_typer(jobs_app, name="jobs")
    app.command("worker")(worker)
