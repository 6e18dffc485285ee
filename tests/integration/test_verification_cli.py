"""``ceplat verify run`` / ``jobs status`` / ``jobs resume`` / ``worker`` with no broker
configured: the embedded default, where Celery runs every task eagerly in the CLI's process."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from platform_core.cli import main
from platform_core.models import AnnualStatusRow, Person
from platform_core.runtime import Runtime
from tests.integration.verification_population import build_population


@pytest.fixture
def cli(city: Runtime, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("CEPLAT_DATABASE_URL", city.settings.database_url)
    monkeypatch.delenv("CEPLAT_BROKER_URL", raising=False)
    with city.transaction() as s:
        build_population(s, 120, seed=9)

    def run(*args: str) -> tuple[int, dict | None]:
        capsys.readouterr()
        code = main(list(args))
        out = capsys.readouterr().out
        return code, (json.loads(out) if "--json" in args and out.strip() else None)

    return run


def test_r16_verify_run_all_records_every_person_eagerly(cli, city: Runtime) -> None:
    code, out = cli("verify", "run", "--year", "2023", "--all", "--chunk-size", "50", "--json")
    assert code == 0 and out is not None
    assert out["status"] == "done" and out["chunks"] == {"total": 3, "done": 3, "failed": 0}
    assert out["items"] == {"total": 120, "done": 120} and out["created_by"] == "system:cli"
    with city.read() as s:
        assert s.scalar(select(func.count()).select_from(AnnualStatusRow)) == 120
    code, status = cli("jobs", "status", str(out["id"]), "--json")
    assert code == 0 and status is not None and status["progress"] == 1.0


def test_verify_run_for_one_tenant_and_for_listed_persons(cli, city: Runtime) -> None:
    with city.read() as s:
        numbers = list(s.scalars(select(Person.id_number).order_by(Person.id).limit(3)))
    code, out = cli("verify", "run", "--year", "2023", "--tenant", "340822", "--json")
    assert code == 0 and out is not None and out["params"]["tenants"] == ["340822"]
    code, out = cli("verify", "run", "--year", "2022", *sum((["--id-number", n] for n in numbers), []),
                    "--json")
    assert code == 0 and out is not None and out["items"]["total"] == 3
    with city.read() as s:
        assert s.scalar(select(func.count()).where(AnnualStatusRow.year == 2022)) == 3


def test_jobs_resume_finishes_nothing_twice(cli) -> None:
    code, out = cli("verify", "run", "--year", "2023", "--all", "--json")
    assert out is not None
    code, again = cli("jobs", "resume", str(out["id"]), "--json")
    assert code == 0 and again is not None and again["resent_chunks"] == 0 and again["status"] == "done"


@pytest.mark.parametrize(("args", "exit_code"), [
    (("verify", "run", "--year", "2023"), 2),  # neither --tenant, --all nor --id-number
    (("verify", "run", "--year", "2023", "--all", "--tenant", "340822"), 2),
    (("verify", "run", "--year", "2023", "--tenant", "999999"), 1),
    (("jobs", "status", "424242"), 1),
    (("worker",), 2),  # no broker configured: nothing to start
])
def test_bad_invocations_exit_with_the_documented_codes(cli, args, exit_code) -> None:
    code, _ = cli(*args, "--json") if args[0] != "worker" else cli(*args)
    assert code == exit_code


def test_r16_a_county_reviewer_may_not_run_final_verification(cli, city: Runtime) -> None:
    from platform_core import users
    from platform_core.authz import adapter
    from platform_core.authz.actors import Actor

    with city.transaction() as s:
        adapter.sync_policy(s)
        for name, role, tenant in (("cr", "county_reviewer", "340822"), ("cv", "city_verifier", "340800")):
            users.add_user(s, None, Actor.system("test"), username=name, role=role, tenant_code=tenant)
    code, out = cli("--as", "cr", "verify", "run", "--year", "2023", "--tenant", "340822", "--json")
    assert code == 3 and out is not None and out["error"]["code"] == "action_not_allowed"
    code, out = cli("--as", "cv", "verify", "run", "--year", "2023", "--tenant", "340822", "--json")
    assert code == 0 and out is not None and out["created_by"] == "cv" and out["status"] == "done"
