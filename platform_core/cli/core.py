"""Core commands: db, tenants, plugins, requirement, persons, evaluate, demo."""

from __future__ import annotations

import typer
from rich.table import Table

from platform_core import migrate
from platform_core.cli.context import JSON_OPTION, runtime
from platform_core.cli.output import console, emit_json
from platform_core.errors import ValidationFailed
from platform_core.reference import series_catalogue
from platform_core.tenancy import (
    get_tenant,
    list_tenants,
    load_tenant_files,
    sync_tenants,
    tenant_info,
)
from platform_core.topics import load_topics, sync_topics

db_app = typer.Typer(help="数据库", no_args_is_help=True)
tenants_app = typer.Typer(help="租户（市、县、区、开发区）", no_args_is_help=True)
plugins_app = typer.Typer(help="规则插件", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context, revision: str = typer.Argument("head")) -> None:
    """把数据库结构升级到最新版本（Alembic）。"""
    rt = runtime(ctx)
    migrate.upgrade(rt.engine, revision)
    console.print(f"数据库已升级到 {revision}")


@tenants_app.command("sync")
def tenants_sync(ctx: typer.Context, json_out: bool = JSON_OPTION) -> None:
    """从 tenants/*.toml 同步租户与行业主管部门（可重复执行）。"""
    rt = runtime(ctx)
    defs = load_tenant_files(rt.settings.tenants_dir)
    with rt.transaction() as session:
        report = sync_tenants(session, defs)
        # Public topics are reference data every tenant shares; they travel with the tenants.
        sync_topics(session, load_topics())
    if json_out:
        emit_json({"created": report.created, "updated": report.updated,
                   "unchanged": report.unchanged})
    else:
        console.print(f"新增 {len(report.created)}，更新 {len(report.updated)}，"
                      f"未变 {len(report.unchanged)}")


KIND_LABELS = {"city": "市", "county": "县/县级市", "district": "区", "zone": "开发区"}


@tenants_app.command("list")
def tenants_list(ctx: typer.Context, json_out: bool = JSON_OPTION) -> None:
    """列出全部租户。"""
    rt = runtime(ctx)
    with rt.read() as session:
        tenants = list_tenants(session)
    rows = [{"code": t.code, "name": t.name, "short_name": t.short_name, "kind": t.kind,
             "parent": t.parent_code, "division_code": t.division_code} for t in tenants]
    if json_out:
        emit_json({"tenants": rows})
        return
    table = Table(title="租户")
    for col in ("编码", "名称", "简称", "类型", "上级", "行政区划代码"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["code"], r["name"], r["short_name"] or "", KIND_LABELS[r["kind"]],
                      r["parent"] or "", r["division_code"] or "（无，内部编码）")
    console.print(table)


@plugins_app.command("list")
def plugins_list(ctx: typer.Context, json_out: bool = JSON_OPTION) -> None:
    """列出已加载的规则插件、版本、管理的系列和实现的钩子。"""
    listings = runtime(ctx).plugins.listings()
    if json_out:
        emit_json({"plugins": [
            {"name": p.info.name, "version": p.info.version, "title": p.info.title,
             "series": list(p.info.series), "regulation": p.info.regulation,
             "hooks": list(p.hooks)} for p in listings]})
        return
    table = Table(title="规则插件")
    for col in ("插件", "版本", "管理系列", "依据", "钩子"):
        table.add_column(col)
    for p in listings:
        table.add_row(p.info.name, p.info.version, "、".join(p.info.series) or "（默认）",
                      p.info.regulation, "\n".join(p.hooks))
    console.print(table)


def requirement(
    ctx: typer.Context,
    series: str = typer.Option(..., "--series", help="职称系列，如 卫生、工程、会计"),
    year: int = typer.Option(..., "--year"),
    tenant: str = typer.Option("340800", "--tenant", help="租户编码或名称"),
    json_out: bool = JSON_OPTION,
) -> None:
    """查询某系列某年度的继续教育要求，以及由哪个插件决定。"""
    rt = runtime(ctx)
    found = series_catalogue().find(series)
    if found is None:
        raise ValidationFailed(f"未知的职称系列「{series}」", code="unknown_series")
    with rt.read() as session:
        info = tenant_info(get_tenant(session, tenant), rt.settings.city_code)
    req = rt.plugins.requirement(found.key, year, info)
    if json_out:
        emit_json(req.as_dict())
        return
    console.print(f"[bold]{found.key}系列 {year} 年度（{info.name}）[/bold] 决定者：{req.decided_by}")
    for part in (req.public, req.professional):
        extra = "，".join(f"{k} ≥ {v}" for k, v in part.category_minima.items())
        console.print(f"  {part.kind.label}：≥ {part.minimum} {part.unit.label}"
                      f"{'（' + extra + '）' if extra else ''} — {part.decided_by}：{part.regulation}")


def register(app: typer.Typer) -> None:
    @app.callback()
    def _root(ctx: typer.Context) -> None:
        """安庆市专业技术人员继续教育管理平台。"""

    app.add_typer(db_app, name="db")
    app.add_typer(tenants_app, name="tenants")
    app.add_typer(plugins_app, name="plugins")
    app.command("requirement")(requirement)
