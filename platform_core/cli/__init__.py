"""The ``ceplat`` command. Commands are thin adapters over platform_core services."""

from __future__ import annotations

import sys

import typer
from rich.markup import escape
from typer._click import exceptions as click_exceptions  # typer ships its own click

from platform_core.cli import core, demo, imports, jobs, numbers, reports, review, security
from platform_core.cli.output import emit_json, err_console
from platform_core.errors import CeplatError

app = typer.Typer(
    name="ceplat",
    help="安庆市专业技术人员继续教育管理平台（ce-platform）命令行",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
core.register(app)
imports.register(app)
security.register(app)
jobs.register(app)
demo.register(app)
numbers.register(app)
reports.register(app)
review.register(app)


def main(argv: list[str] | None = None) -> int:
    """Entry point: maps the one exception hierarchy to exit codes (0 answer, 1 not found,
    2 bad input or usage, 3 permission denied)."""
    args = list(sys.argv[1:] if argv is None else argv)
    want_json = "--json" in args
    try:
        # Without standalone mode, `typer.Exit(n)` comes back as the return value.
        result = app(args=args, standalone_mode=False, prog_name="ceplat")
    except CeplatError as exc:
        if want_json:
            emit_json({"error": exc.as_dict()})
        else:
            err_console.print(f"[red]错误[/red] {escape(f'[{exc.code}]')} {escape(exc.message)}")
            for issue in exc.issues[:200]:
                where = " ".join(p for p in (
                    f"第{issue.row}行" if issue.row else "",
                    f"[{issue.field}]" if issue.field else "") if p)
                err_console.print(f"  {escape(where)} {issue.code}: {escape(issue.message)}")
            if len(exc.issues) > 200:
                err_console.print(f"  …… 共 {len(exc.issues)} 条")
        return exc.exit_code
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        err_console.print("已取消")
        return 1
    except click_exceptions.ClickException as exc:
        exc.show()
        return 2
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    raise SystemExit(main())
