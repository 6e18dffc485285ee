"""Core commands: db, tenants, plugins, requirement, persons, evaluate, demo."""

from __future__ import annotations

from decimal import Decimal

import typer
from rich.table import Table

from platform_core import migrate
from platform_core.cli.context import AS_USER_KEY, JSON_OPTION, actor, runtime
from platform_core.cli.output import console, emit_json
from platform_core.errors import ValidationFailed
from platform_core.evaluation import AnnualStatus, CycleStatus, parse_cycle
from platform_core.reference import series_catalogue
from platform_core.runtime import Runtime
from platform_core.status import annual_status, cycle_status, profile
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
def db_upgrade(ctx: typer.Context, revision: str = typer.Argument("heads")) -> None:
    """把数据库结构升级到最新版本（Alembic）。"""
    rt = runtime(ctx)
    if revision == "heads":
        loaded = migrate.install(rt.engine)
        console.print("数据库已升级到最新版本" + ("；已载入默认权限策略" if loaded else ""))
    else:
        migrate.upgrade(rt.engine, revision)
        console.print(f"数据库已升级到 {revision}")


@tenants_app.command("sync")
def tenants_sync(ctx: typer.Context, json_out: bool = JSON_OPTION) -> None:
    """从 tenants/*.toml 同步租户与行业主管部门（可重复执行）。"""
    rt = runtime(ctx)
    defs = load_tenant_files(rt.settings.tenants_dir)
    with rt.transaction() as session:
        who = actor(ctx)
        report = sync_tenants(session, defs, actor=who, enforcer=rt.enforcer)
        # Public topics are reference data every tenant shares; they travel with the tenants.
        sync_topics(session, load_topics(), actor=who)
    if json_out:
        emit_json({"created": report.created, "updated": report.updated,
                   "unchanged": report.unchanged})
    else:
        console.print(f"新增 {len(report.created)}，更新 {len(report.updated)}，"
                      f"未变 {len(report.unchanged)}")


KIND_LABELS: dict[str | None, str] = {"city": "市", "county": "县/县级市", "district": "区", "zone": "开发区"}


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
        table.add_column(col, overflow="fold")
    for p in listings:
        table.add_row(p.info.name, p.info.version, "、".join(p.info.series) or "（默认）",
                      p.info.regulation, "\n".join(h.removeprefix("ceplat_") for h in p.hooks))
    console.print(table)


def requirement(
    ctx: typer.Context,
    series: str = typer.Option(..., "--series", help="职称系列，如 卫生、工程、会计"),
    year: int = typer.Option(..., "--year"),
    tenant: str | None = typer.Option(None, "--tenant", help="租户编码或名称（默认：市本级）"),
    json_out: bool = JSON_OPTION,
) -> None:
    """查询某系列某年度的继续教育要求，以及由哪个插件决定。"""
    rt = runtime(ctx)
    found = series_catalogue().find(series)
    if found is None:
        raise ValidationFailed(f"未知的职称系列「{series}」", code="unknown_series")
    with rt.read() as session:
        info = tenant_info(get_tenant(session, tenant or rt.settings.city_code), rt.settings.city_code)
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
    def _root(
        ctx: typer.Context,
        as_user: str | None = typer.Option(None, "--as", envvar="CEPLAT_USER",
                                           help="以哪个用户的身份操作（默认：命令行操作员 system:cli）"),
    ) -> None:
        """安庆市专业技术人员继续教育管理平台。"""
        ctx.meta[AS_USER_KEY] = as_user

    app.add_typer(db_app, name="db")
    app.add_typer(tenants_app, name="tenants")
    app.add_typer(plugins_app, name="plugins")
    app.command("requirement")(requirement)
    register_people(app)


persons_app = typer.Typer(help="专业技术人员", no_args_is_help=True)


@persons_app.command("show")
def persons_show(
    ctx: typer.Context,
    id_number: str = typer.Option(..., "--id-number", help="身份证号码"),
    full_id: bool = typer.Option(False, "--full-id", help="显示完整身份证号码（需要权限，且记入审计）"),
    json_out: bool = JSON_OPTION,
) -> None:
    """显示一名专业技术人员的信息、证书编号与初审单位（身份证号、手机号默认脱敏）。"""
    rt = runtime(ctx)
    who = actor(ctx)
    with rt.transaction() as session:
        view = profile(session, rt.plugins, rt.enforcer, who, id_number, rt.settings.city_code,
                       full_id=full_id)
    if json_out:
        emit_json(view)
        return
    table = Table(title=f"{view['name']}（{view['id_number']}）", show_header=False)
    labels = {"gender": "性别", "birth_date": "出生日期", "tenant_name": "所属租户", "series": "职称系列",
              "qualification": "资格名称", "qualification_date": "资格时间", "education": "学历",
              "major": "专业名称", "mobile": "手机号码", "employer": "工作单位",
              "certificate_number": "证书编号"}
    for key, label in labels.items():
        table.add_row(label, str(view.get(key) or "—"))
    fr = view["first_review"]
    table.add_row("初审单位", f"{fr['name']}（{fr['decided_by']}）")
    table.add_row("学时记录", "；".join(f"{y}年 {n}条" for y, n in view["records_by_year"].items()) or "—")
    console.print(table)


def evaluate(
    ctx: typer.Context,
    id_number: str = typer.Option(..., "--id-number", help="身份证号码"),
    year: int | None = typer.Option(None, "--year", help="年度，如 2023"),
    cycle: str | None = typer.Option(None, "--cycle", help="任职周期，如 2019-2023（职称申报）"),
    json_out: bool = JSON_OPTION,
) -> None:
    """评估某人某年度的学时完成情况，或某任职周期的情况（R21、R22）。"""
    if (year is None) == (cycle is None):
        raise ValidationFailed("请给出 --year 或 --cycle 之一", code="usage")
    rt = runtime(ctx)
    who = actor(ctx)
    with rt.read() as session:
        if cycle is not None:
            first, last = parse_cycle(cycle)
            result: AnnualStatus | CycleStatus = cycle_status(
                session, rt.plugins, rt.enforcer, who, id_number, first, last, rt.settings.city_code)
        else:
            assert year is not None
            result = annual_status(session, rt.plugins, rt.enforcer, who, id_number, year,
                                   rt.settings.city_code)
    if json_out:
        emit_json(result.as_dict())
    elif isinstance(result, CycleStatus):
        print_cycle(result)
    else:
        print_annual(result)


def _amount(value: Decimal) -> str:
    return format(value.normalize(), "f")


def print_annual(s: AnnualStatus) -> None:
    mark = "[green]已完成[/green]" if s.complete else "[red]未完成[/red]"
    console.print(f"[bold]{s.name}[/bold] {s.series}系列 {s.year} 年度：{mark}（要求由 {s.decided_by} 决定）")
    table = Table()
    for col in ("科目", "要求", "已得", "尚缺", "单位", "决定者"):
        table.add_column(col)
    for part in (s.public, s.professional):
        table.add_row(part.kind.label, _amount(part.required), _amount(part.earned), _amount(part.missing),
                      part.unit.label, part.decided_by)
        for cat, c in part.categories.items():
            table.add_row(f"  {cat}", _amount(c.required), _amount(c.earned), _amount(c.missing),
                          part.unit.label, "")
    console.print(table)
    if s.refused:
        console.print("[yellow]未计入的记录：[/yellow]")
        for o in s.refused:
            assert o.refusal is not None
            console.print(f"  {o.detail} {_amount(o.amount)}{o.unit.label} — "
                          f"[{o.refusal.code}] {o.refusal.message}")


def print_cycle(s: CycleStatus) -> None:
    mark = "[green]达到要求[/green]" if s.complete else "[red]未达到要求[/red]"
    console.print(f"[bold]{s.name}[/bold] {s.series}系列 任职周期 {s.first_year}–{s.last_year}：{mark}")
    table = Table()
    for col in ("年度", "公需已得", "公需计入", "专业已得", "专业计入", "封顶"):
        table.add_column(col)
    for y in s.years:
        table.add_row(str(y.year), _amount(y.public.earned), _amount(y.public.credited),
                      _amount(y.professional.earned), _amount(y.professional.credited),
                      "是" if y.capped else "")
    console.print(table)
    for t in (s.public, s.professional):
        console.print(f"{t.kind.label}：周期要求 {_amount(t.required)}，计入 {_amount(t.credited)}，"
                      f"年均 {_amount(t.average)}，尚缺 {_amount(t.missing)} {t.unit.label}")
    if s.capped_years:
        years = "、".join(str(y) for y in s.capped_years)
        console.print(f"[yellow]不得在一个年度内突击完成（R22）：{years} 年度超出部分未计入[/yellow]")


def register_people(app: typer.Typer) -> None:
    app.add_typer(persons_app, name="persons")
    app.command("evaluate")(evaluate)
    app.command("serve")(serve)


def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
) -> None:
    """启动 Web 服务（公开培训项目页面与 JSON 接口）。"""
    import uvicorn

    from platform_core.settings import settings_from_env
    from platform_core.web.app import create_app

    uvicorn.run(create_app(Runtime(settings=settings_from_env())), host=host, port=port)
