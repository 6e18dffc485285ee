"""The Litestar application: public pages and the JSON API.

Errors from the one exception hierarchy are mapped to HTTP once, here, as problem details
with the stable code and the Chinese message.
"""

from __future__ import annotations

import base64
import html
from collections.abc import AsyncGenerator
from datetime import date
from typing import Any

from litestar import Litestar, MediaType, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from platform_core import users
from platform_core.authz import Actor
from platform_core.authz.sync import PolicySync
from platform_core.cli.output import to_json
from platform_core.compliance import compliance_report, incomplete_persons
from platform_core.errors import CeplatError, Unauthenticated, ValidationFailed
from platform_core.evaluation import parse_cycle
from platform_core.models import Organisation, Tenant, Training
from platform_core.reference import series_catalogue
from platform_core.runtime import Runtime
from platform_core.status import annual_status, cycle_status, list_persons, profile
from platform_core.tenancy import get_tenant, list_tenants, tenant_info


def _problem(request: Request[Any, Any, Any], exc: CeplatError) -> Response[Any]:
    body = {"type": f"urn:ceplat:error:{exc.code}", "title": exc.message, "status": exc.http_status,
            **exc.as_dict()}
    return Response(content=to_json(body), status_code=exc.http_status,
                    media_type="application/problem+json")


def _json(payload: Any) -> Response[Any]:
    # Our encoder keeps Decimals as strings; never floats.
    return Response(content=to_json(payload), media_type=MediaType.JSON)


@get("/api/health", sync_to_thread=False)
def health(session: NamedDependency[Session]) -> Response[Any]:
    session.execute(text("SELECT 1"))
    return _json({"status": "ok"})


@get("/api/tenants", sync_to_thread=False)
def tenants(session: NamedDependency[Session]) -> Response[Any]:
    return _json({"tenants": [
        {"code": t.code, "name": t.name, "short_name": t.short_name, "kind": t.kind,
         "display_name": t.display_name} for t in list_tenants(session)]})


@get("/api/requirement", sync_to_thread=False)
def requirement(session: NamedDependency[Session], runtime: NamedDependency[Runtime], series: FromQuery[str],
                year: FromQuery[int], tenant: FromQuery[str | None] = None) -> Response[Any]:
    found = series_catalogue().find(series)
    if found is None:
        raise ValidationFailed(f"未知的职称系列「{series}」", code="unknown_series")
    info = tenant_info(get_tenant(session, tenant or runtime.settings.city_code), runtime.settings.city_code)
    return _json(runtime.plugins.requirement(found.key, year, info).as_dict())


def approved_trainings(session: Session, since: date | None = None) -> list[dict[str, Any]]:
    """R10: approved training plans, published without login so resources are shared."""
    stmt = (select(Training, Organisation.name, Tenant.name)
            .join(Organisation, Organisation.id == Training.base_id)
            .join(Tenant, Tenant.id == Training.tenant_id)
            .where(Training.status == "approved"))
    if since:
        stmt = stmt.where(Training.end_date >= since)
    rows = session.execute(stmt.order_by(Training.start_date.desc()).limit(500))
    return [{"name": t.name, "base": base, "tenant": tenant, "series": t.series,
             "start_date": t.start_date, "end_date": t.end_date, "hours": t.hours,
             "registered_hours": t.registered_hours} for t, base, tenant in rows]


@get("/public/trainings", media_type=MediaType.HTML, sync_to_thread=False)
def public_trainings(session: NamedDependency[Session]) -> str:
    rows = approved_trainings(session)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v if v is not None else ''))}</td>" for v in (
            r["name"], r["base"], r["tenant"], r["series"], r["start_date"], r["end_date"],
            r["registered_hours"])) + "</tr>" for r in rows)
    return (
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
        "<title>已备案继续教育培训项目</title><style>body{font-family:sans-serif;margin:2em}"
        "table{border-collapse:collapse}td,th{border:1px solid #999;padding:4px 8px}</style></head>"
        "<body><h1>安庆市专业技术人员继续教育 · 已备案培训项目</h1>"
        f"<p>共 {len(rows)} 项（仅列出经审批备案的培训，R10）。</p>"
        "<table><thead><tr><th>培训班名称</th><th>主办基地</th><th>地区</th><th>系列</th>"
        "<th>开始</th><th>结束</th><th>登记学时</th></tr></thead>"
        f"<tbody>{body}</tbody></table></body></html>")


# -- authenticated API ---------------------------------------------------------------------


def authenticate(request: Request[Any, Any, Any], session: NamedDependency[Session]) -> Actor:
    """The actor behind `Authorization: Bearer <token>` (bases submitting in bulk) or HTTP Basic
    (staff). No anonymous access past this point; every call acts for an explicit actor."""
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials:
        who = users.authenticate_token(session, credentials)
    elif scheme.lower() == "basic" and credentials:
        try:
            username, _, password = base64.b64decode(credentials).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError) as exc:
            raise Unauthenticated("认证信息格式错误", code="bad_credentials") from exc
        who = users.authenticate_password(session, username, password)
    else:
        raise Unauthenticated("请先登录（Authorization: Bearer 令牌 或 Basic 用户名密码）")
    session.commit()  # token last-used time, password rehash
    return who


@get("/api/persons", sync_to_thread=False)
def persons(session: NamedDependency[Session], runtime: NamedDependency[Runtime],
            actor: NamedDependency[Actor], tenant: FromQuery[str | None] = None,
            series: FromQuery[str | None] = None, limit: FromQuery[int] = 100,
            offset: FromQuery[int] = 0) -> Response[Any]:
    """Persons the actor may see (scoped in the query itself), numbers masked."""
    return _json(list_persons(session, runtime.enforcer, actor, tenant_code=tenant, series=series,
                              limit=min(max(limit, 1), 500), offset=max(offset, 0)))


@get("/api/persons/{id_number:str}", sync_to_thread=False)
def person(session: NamedDependency[Session], runtime: NamedDependency[Runtime],
           actor: NamedDependency[Actor], id_number: FromPath[str]) -> Response[Any]:
    return _json(profile(session, runtime.plugins, runtime.enforcer, actor, id_number,
                         runtime.settings.city_code))


@get("/api/persons/{id_number:str}/status", sync_to_thread=False)
def person_status(session: NamedDependency[Session], runtime: NamedDependency[Runtime],
                  actor: NamedDependency[Actor], id_number: FromPath[str], year: FromQuery[int | None] = None,
                  cycle: FromQuery[str | None] = None) -> Response[Any]:
    if (year is None) == (cycle is None):
        raise ValidationFailed("请给出 year 或 cycle 之一", code="usage")
    if cycle is not None:
        first, last = parse_cycle(cycle)
        result: Any = cycle_status(session, runtime.plugins, runtime.enforcer, actor, id_number, first, last,
                                   runtime.settings.city_code)
    else:
        assert year is not None
        result = annual_status(session, runtime.plugins, runtime.enforcer, actor, id_number, year,
                               runtime.settings.city_code)
    return _json(result.as_dict())


@get("/api/reports/compliance", sync_to_thread=False)
def report_compliance(session: NamedDependency[Session], runtime: NamedDependency[Runtime],
                      actor: NamedDependency[Actor], year: FromQuery[int],
                      tenant: FromQuery[str | None] = None) -> Response[Any]:
    """Compliance by tenant from the recorded statuses (R23)."""
    return _json(compliance_report(session, runtime.enforcer, actor, year, [tenant] if tenant else None)
                 .as_dict())


@get("/api/reports/incomplete", sync_to_thread=False)
def report_incomplete(session: NamedDependency[Session], runtime: NamedDependency[Runtime],
                      actor: NamedDependency[Actor], year: FromQuery[int],
                      tenant: FromQuery[str | None] = None) -> Response[Any]:
    """Who has not completed the year, as far as the actor may see (R17: employers)."""
    people = incomplete_persons(session, runtime.enforcer, actor, year, tenant_code=tenant)
    return _json({"year": year, "count": len(people), "persons": [p.as_dict() for p in people]})


def create_app(runtime: Runtime | None = None, *, policy_sync: bool = True) -> Litestar:
    """The web app over `runtime`. ``policy_sync`` keeps the loaded policy fresh (a change
    made by any process is enforced here within a second, or at once over Redis)."""
    rt = runtime or Runtime()
    watcher: list[PolicySync] = []

    async def provide_session() -> AsyncGenerator[Session, None]:
        with rt.sessions() as session:
            yield session

    def provide_runtime() -> Runtime:
        return rt

    def start_policy_sync() -> None:
        if policy_sync:
            watcher.append(PolicySync(rt.enforcer, rt.sessions, redis_url=rt.settings.broker_url).start())

    def shutdown() -> None:
        for w in watcher:
            w.stop()
        rt.close()

    return Litestar(
        route_handlers=[health, tenants, requirement, public_trainings, persons, person, person_status,
                        report_compliance, report_incomplete],
        dependencies={"session": Provide(provide_session),
                      "runtime": Provide(provide_runtime, sync_to_thread=False),
                      "actor": Provide(authenticate, sync_to_thread=False)},
        exception_handlers={CeplatError: _problem},
        on_startup=[start_policy_sync],
        on_shutdown=[shutdown],
    )
