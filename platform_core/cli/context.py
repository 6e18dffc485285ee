"""The per-invocation Runtime, built from the environment by the root callback."""

from __future__ import annotations

import logging

import typer

from platform_core.authz.actors import Actor
from platform_core.runtime import Runtime
from platform_core.settings import settings_from_env
from platform_core.users import resolve_actor


def runtime(ctx: typer.Context) -> Runtime:
    root = ctx.find_root()
    if not isinstance(root.obj, Runtime):
        settings = settings_from_env()
        # Application logs carry no personal data (ID and mobile numbers are masked at source).
        logging.basicConfig(level=settings.log_level.upper(),
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        root.obj = Runtime(settings=settings)
        root.call_on_close(root.obj.close)
    return root.obj


def actor(ctx: typer.Context, user: str | None = None) -> Actor:
    """Who acts: ``user`` (a command's own ``--as``), else the root ``--as`` / ``$CEPLAT_USER``,
    else the shell operator as the system actor (named ``system:cli`` in every stamp)."""
    name = user or ctx.find_root().meta.get(AS_USER_KEY)
    if not name:
        return Actor.system("cli")
    with runtime(ctx).read() as session:
        return resolve_actor(session, int(name) if name.isdigit() else name)


AS_USER_KEY = "ceplat.as_user"
JSON_OPTION = typer.Option(False, "--json", help="输出一个 JSON 文档（供程序读取）")
