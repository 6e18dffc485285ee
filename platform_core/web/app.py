"""The Litestar application: public pages and the JSON API.

Errors from the one exception hierarchy are mapped to HTTP once, here, as problem details
with the stable code and the Chinese message.
"""

from __future__ import annotations

import html
from collections.abc import AsyncGenerator
from datetime import date
from typing import Any

from litestar import Litestar, MediaType, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from platform_core.cli.output import to_json
from platform_core.errors import CeplatError, ValidationFailed
from platform_core.models import Organisation, Tenant, Training
from platform_core.reference import series_catalogue
from platform_core.runtime import Runtime
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
                year: FromQuery[int], tenant: FromQuery[str] = "340800") -> Response[Any]:
    found = series_catalogue().find(series)
    if found is None:
        raise ValidationFailed(f"未知的职称系列「{series}」", code="unknown_series")
    info = tenant_info(get_tenant(session, tenant), runtime.settings.city_code)
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


def create_app(runtime: Runtime | None = None) -> Litestar:
    rt = runtime or Runtime()

    async def provide_session() -> AsyncGenerator[Session, None]:
        with rt.sessions() as session:
            yield session

    def provide_runtime() -> Runtime:
        return rt

    return Litestar(
        route_handlers=[health, tenants, requirement, public_trainings],
        dependencies={"session": Provide(provide_session),
                      "runtime": Provide(provide_runtime, sync_to_thread=False)},
        exception_handlers={CeplatError: _problem},
        on_shutdown=[rt.close],
    )
