"""The per-invocation Runtime, built from the environment by the root callback."""

from __future__ import annotations

import typer

from platform_core.runtime import Runtime
from platform_core.settings import settings_from_env


def runtime(ctx: typer.Context) -> Runtime:
    root = ctx.find_root()
    if not isinstance(root.obj, Runtime):
        root.obj = Runtime(settings=settings_from_env())
        root.call_on_close(root.obj.close)
    return root.obj


JSON_OPTION = typer.Option(False, "--json", help="输出一个 JSON 文档（供程序读取）")
