"""CLI commands: users, tokens, audit, authz. Thin adapters over platform_core.users, .audit
and .authz; the shell operator acts as the system actor, named `system:cli` in stamps."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import typer
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_core import audit, users
from platform_core.authz import adapter
from platform_core.authz.actions import ROLE_LABELS
from platform_core.authz.enforcer import PlatformEnforcer
from platform_core.authz.explain import explain
from platform_core.authz.service import ObjectRef
from platform_core.cli.context import JSON_OPTION, actor, runtime
from platform_core.cli.output import console, emit_json
from platform_core.errors import NotFound, ValidationFailed
from platform_core.models import Organisation, Person, Training, User
from platform_core.runtime import Runtime
from platform_core.validation import idnumber

users_app = typer.Typer(help="用户账户", no_args_is_help=True)
tokens_app = typer.Typer(help="API 令牌（供基地批量提交）", no_args_is_help=True)
audit_app = typer.Typer(help="审计记录（盖章留痕）", no_args_is_help=True)
authz_app = typer.Typer(help="权限策略", no_args_is_help=True)

AUDIT_BROKEN_EXIT = 4


def _rt(ctx: typer.Context) -> Runtime:
    # Policy changes made here reach the running web and worker processes at once over Redis
    # (when configured: the Runtime's sessions announce them); they poll the version otherwise.
    return runtime(ctx)


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="用户名（登录名）"),
    role: str = typer.Option(..., "--role", help="角色：" + "、".join(ROLE_LABELS)),
    tenant: str = typer.Option(..., "--tenant", help="租户编码"),
    org: str | None = typer.Option(None, "--org", help="单位编码（基地、用人单位、行业主管部门）"),
    name: str = typer.Option("", "--name", help="显示名"),
    password: str | None = typer.Option(None, "--password", help="密码（省略则交互输入）"),
    no_password: bool = typer.Option(False, "--no-password", help="只用 API 令牌登录"),
    json_out: bool = JSON_OPTION,
) -> None:
    """新增用户并授予角色（写入策略，记入审计）。"""
    if password is None and not no_password:
        password = typer.prompt("密码", hide_input=True, confirmation_prompt=True)
    if password is not None and len(password) < 8:
        raise ValidationFailed("密码至少 8 位", code="weak_password")
    rt = _rt(ctx)
    with rt.transaction() as session:
        user = users.add_user(session, rt.enforcer, actor(ctx), username=username, role=role,
                              tenant_code=tenant, org_code=org, display_name=name, password=password)
        out = {"username": user.username, "role": user.role, "tenant": tenant, "org": org}
    if json_out:
        emit_json(out)
    else:
        console.print(f"已新增用户 {username}（{ROLE_LABELS.get(role, role)}，租户 {tenant}）")


@users_app.command("list")
def users_list(ctx: typer.Context, tenant: str | None = typer.Option(None, "--tenant"),
               json_out: bool = JSON_OPTION) -> None:
    """列出用户。"""
    with runtime(ctx).read() as session:
        rows = users.list_users(session, tenant)
    if json_out:
        emit_json({"users": [r.__dict__ for r in rows]})
        return
    table = Table(title="用户")
    for col in ("用户名", "显示名", "角色", "租户", "单位", "状态"):
        table.add_column(col)
    for r in rows:
        table.add_row(r.username, r.display_name, ROLE_LABELS.get(r.role, r.role), r.tenant, r.org or "",
                      "已停用" if r.disabled else "正常")
    console.print(table)


@users_app.command("disable")
def users_disable(ctx: typer.Context, username: str = typer.Argument(...),
                  comment: str = typer.Option("", "--comment", help="原因"),
                  json_out: bool = JSON_OPTION) -> None:
    """停用用户：撤销其全部角色，令牌随之失效。"""
    rt = _rt(ctx)
    with rt.transaction() as session:
        users.disable_user(session, rt.enforcer, actor(ctx), username, comment)
    if json_out:
        emit_json({"username": username, "disabled": True})
    else:
        console.print(f"已停用用户 {username}")


@tokens_app.command("issue")
def tokens_issue(ctx: typer.Context, username: str = typer.Argument(...),
                 days: int = typer.Option(90, "--days", help="有效天数"),
                 label: str = typer.Option("", "--label", help="用途说明"),
                 json_out: bool = JSON_OPTION) -> None:
    """签发 API 令牌（只显示这一次）。"""
    rt = _rt(ctx)
    with rt.transaction() as session:
        issued = users.issue_token(session, rt.enforcer, actor(ctx), username, days=days, label=label)
    if json_out:
        emit_json(issued.__dict__)
    else:
        console.print(f"令牌（只显示这一次，请妥善保存）：\n{issued.token}\n"
                      f"编号 {issued.prefix}，有效期至 {issued.expires_at:%Y-%m-%d %H:%M} UTC")


@tokens_app.command("revoke")
def tokens_revoke(ctx: typer.Context, prefix: str = typer.Argument(..., help="令牌编号（前缀）"),
                  comment: str = typer.Option("", "--comment"), json_out: bool = JSON_OPTION) -> None:
    """吊销 API 令牌。"""
    rt = _rt(ctx)
    with rt.transaction() as session:
        row = users.revoke_token(session, rt.enforcer, actor(ctx), prefix, comment)
        revoked_at = row.revoked_at
    if json_out:
        emit_json({"prefix": prefix, "revoked_at": revoked_at})
    else:
        console.print(f"已吊销令牌 {prefix}")


@audit_app.command("verify")
def audit_verify(ctx: typer.Context, json_out: bool = JSON_OPTION) -> None:
    """逐条核验审计记录的哈希链；被改动、删除的记录会被指出（失败时退出码 4）。"""
    rt = runtime(ctx)
    with rt.read() as session:
        report = audit.verify_for(session, rt.enforcer, actor(ctx), city_code=rt.settings.city_code)
    if json_out:
        emit_json(report.as_dict())
    elif report.ok:
        console.print(f"审计链完整：共 {report.checked} 条，末条哈希 {report.head_hash or '（无记录）'}")
    else:
        assert report.broken is not None
        console.print(f"[red]审计链断裂[/red]：第 {report.broken.id} 条（{report.broken.reason}）"
                      f"— {report.broken.message}；此前 {report.checked} 条完好")
    if not report.ok:
        raise typer.Exit(AUDIT_BROKEN_EXIT)


def _when(value: str | None, field: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(value), datetime.min.time())
        except ValueError:
            raise ValidationFailed(f"{field} 应为日期或时间（如 2024-03-31 或 2024-03-31T08:00）",
                                   code="bad_datetime") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@audit_app.command("log")
def audit_log(
    ctx: typer.Context,
    tenant: str | None = typer.Option(None, "--tenant"),
    by: str | None = typer.Option(None, "--actor", help="用户名（命令行操作为 system:cli）"),
    object: str | None = typer.Option(None, "--object", help="对象类型或 类型:编号，如 user:alice"),
    action: str | None = typer.Option(None, "--action"),
    since: str | None = typer.Option(None, "--since", help="起（含），UTC"),
    until: str | None = typer.Option(None, "--until", help="止（不含），UTC"),
    limit: int = typer.Option(200, "--limit"),
    json_out: bool = JSON_OPTION,
) -> None:
    """按租户、操作人、对象、时间查询审计记录。"""
    rt = runtime(ctx)
    with rt.read() as session:
        rows = audit.read_log(session, rt.enforcer, actor(ctx), city_code=rt.settings.city_code,
                              tenant=tenant, actor=by, object=object, action=action,
                              since=_when(since, "--since"), until=_when(until, "--until"), limit=limit)
        stamps = [audit.stamp_dict(r) for r in rows]
    if json_out:
        emit_json({"stamps": stamps})
        return
    table = Table(title="审计记录")
    for col in ("#", "时间（UTC）", "操作人", "角色", "租户", "操作", "对象", "说明"):
        table.add_column(col)
    for s in stamps:
        table.add_row(str(s["id"]), s["at"][:19], s["actor"], s["role"], s["tenant"] or "", s["action"],
                      f"{s['object_type']}:{s['object_id']}", s["comment"])
    console.print(table)


def _object(session: Session, spec: str) -> tuple[Any, str]:
    """`person:<ID number>`, `person:#<id>`, `training:<id>`, `org:<code>`, `batch:<id>@<base code>`."""
    kind, _, key = spec.partition(":")
    obj: Any = None
    if kind == "person":
        if key.startswith("#"):
            obj = session.get(Person, int(key[1:]))
        else:
            obj = session.scalar(select(Person).where(Person.id_number == idnumber.normalise(key)))
        label = f"person:{idnumber.mask(obj.id_number)}" if obj is not None else spec
    elif kind == "training" and key.isdigit():
        obj, label = session.get(Training, int(key)), spec
    elif kind == "org":
        obj, label = session.scalar(select(Organisation).where(Organisation.code == key)), spec
    elif kind == "batch":
        # Batches are checked by base and tenant; name the base by its code.
        bid, _, base_code = key.partition("@")
        base = session.scalar(select(Organisation).where(Organisation.code == base_code))
        if base is None:
            raise NotFound(f"找不到基地「{base_code}」", code="org_not_found")
        obj, label = ObjectRef("batch", bid, tenant_id=base.tenant_id, base_id=base.id), spec
    else:
        raise ValidationFailed("--object 应为 person:<身份证号>、training:<编号>、org:<编码> 或 "
                               "batch:<编号>@<基地编码>", code="bad_object")
    if obj is None:
        raise NotFound(f"找不到对象「{spec}」", code="object_not_found")
    return obj, label


@authz_app.command("explain")
def authz_explain(
    ctx: typer.Context,
    user: str = typer.Option(..., "--user"),
    action: str = typer.Option(..., "--action"),
    tenant: str = typer.Option(..., "--tenant", help="租户编码"),
    object: str | None = typer.Option(None, "--object", help="如 person:<身份证号>、training:12"),
    json_out: bool = JSON_OPTION,
) -> None:
    """回答某用户能否在某租户做某操作，并指出起决定作用的策略行。"""
    with runtime(ctx).read() as session:
        enforcer = PlatformEnforcer.load(session)
        row = session.scalar(select(User).where(User.username == user))
        if row is None:
            raise NotFound(f"找不到用户「{user}」", code="user_not_found")
        asked = users.actor_for(session, row)
        obj, label = _object(session, object) if object else (None, None)
        result = explain(enforcer, asked, action, tenant, obj, label)
    if json_out:
        emit_json(result.as_dict())
        return
    verdict = "[green]允许[/green]" if result.allowed else "[red]拒绝[/red]"
    console.print(f"{verdict} {result.message}")
    console.print(f"  请求：{asked.subject}, {result.domain}, {action}"
                  + (f"，对象 {label}" if label else ""))
    for ln in result.decided_by:
        console.print(f"  依据：{ln}")
    if not result.allowed:
        console.print("  该用户的角色：" + ("；".join(result.role_links) or "（无）"))
        console.print("  可授予此操作的策略：" + ("；".join(result.candidate_policies) or "（无）"))


@authz_app.command("sync")
def authz_sync(ctx: typer.Context, json_out: bool = JSON_OPTION) -> None:
    """把仓库中的 policy.csv 载入数据库（只替换 p 行，用户角色不变）。"""
    rt = _rt(ctx)
    with rt.transaction() as session:
        result = adapter.sync_policy(session, actor=actor(ctx))
    if json_out:
        emit_json({"added": [list(r) for r in result.added], "removed": [list(r) for r in result.removed],
                   "version": result.version})
    else:
        console.print(f"策略已同步：新增 {len(result.added)} 行，删除 {len(result.removed)} 行，"
                      f"版本 {result.version}")


def register(app: typer.Typer) -> None:
    """Attach this module's commands to the root app."""
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
    app.add_typer(audit_app, name="audit")
    app.add_typer(authz_app, name="authz")
