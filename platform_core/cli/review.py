"""CLI command: review first — the first-review stamp (初审, R15) on a person's annual record."""

from __future__ import annotations

import typer

from platform_core.authz import Action
from platform_core.cli.context import JSON_OPTION, actor, runtime
from platform_core.cli.output import console, emit_json
from platform_core.review import DECISIONS, first_review
from platform_core.status import visible_person

review_app = typer.Typer(help="初审（R15）", no_args_is_help=True)


@review_app.command("first")
def first(
    ctx: typer.Context,
    id_number: str = typer.Option(..., "--id-number", help="身份证号码"),
    year: int = typer.Option(..., "--year"),
    decision: str = typer.Option(..., "--decision", help="approved（通过）或 returned（退回）"),
    comment: str = typer.Option("", "--comment", help="意见（退回时必填）"),
    json_out: bool = JSON_OPTION,
) -> None:
    """加盖初审章：县（市）人员由县（市）人社局、市直及区、开发区人员由行业主管部门初审。"""
    rt = runtime(ctx)
    who = actor(ctx)
    with rt.transaction() as session:
        person = visible_person(session, rt.enforcer, who, id_number, Action.BATCH_FIRST_REVIEW)
        result = first_review(session, rt.plugins, rt.enforcer, who, person, year, decision,
                              city_code=rt.settings.city_code, comment=comment)
    if json_out:
        emit_json(result.as_dict())
        return
    console.print(f"已{DECISIONS[result.decision]}（{year} 年度，初审单位 {result.authority.name}，"
                  f"审计记录 #{result.stamp_id}）")


def register(app: typer.Typer) -> None:
    app.add_typer(review_app, name="review")
