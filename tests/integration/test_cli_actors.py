"""The CLI acts as an explicit actor (`--as USER`): scope, object rules and masking apply."""

from __future__ import annotations

import json

import pytest

from platform_core import users
from platform_core.authz.actors import Actor
from platform_core.authz.adapter import sync_policy
from platform_core.cli import main
from platform_core.models import AuditStamp
from tests import factories as f

SYSTEM = Actor.system("test")


@pytest.fixture
def people(city, monkeypatch):
    monkeypatch.setenv("CEPLAT_DATABASE_URL", city.settings.database_url)
    with city.transaction() as s:
        sync_policy(s)
        hn = f.person(s, "340822", "工程")
        hn.mobile = "13800138000"
        tc = f.person(s, "340881", "工程")
        yj_teacher = f.person(s, "340802", "中小学教师")
        f.hours(s, hn, 2023, "professional", 60)
        users.add_user(s, None, SYSTEM, username="hn_reviewer", role="county_reviewer",
                       tenant_code="340822", org_code="BUREAU-340822")
        users.add_user(s, None, SYSTEM, username="health_reviewer", role="industry_reviewer",
                       tenant_code="340800", org_code="AQ-WJW")
        users.add_user(s, None, SYSTEM, username="city_admin", role="city_admin", tenant_code="340800",
                       org_code="BUREAU-340800")
        users.add_user(s, None, SYSTEM, username="auditor", role="auditor", tenant_code="340800")
    return {"hn": hn.id_number, "tc": tc.id_number, "yj_teacher": yj_teacher.id_number}


def run(capsys, *args: str) -> tuple[int, dict]:
    code = main(list(args))
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}


def test_r15_county_reviewer_reads_own_county_person_id_masked_unless_asked(people, capsys) -> None:
    code, view = run(capsys, "--as", "hn_reviewer", "persons", "show", "--id-number", people["hn"], "--json")
    assert code == 0
    assert view["id_number"] == people["hn"][:6] + "********" + people["hn"][14:]
    assert view["mobile"] == "13800138000"  # the county bureau may see its own people's numbers
    code, view = run(capsys, "--as", "auditor", "persons", "show", "--id-number", people["hn"], "--json")
    assert code == 0 and view["mobile"] == "138****8000"
    code, status = run(capsys, "--as", "hn_reviewer", "evaluate", "--id-number", people["hn"], "--year",
                       "2023", "--json")
    assert code == 0 and status["professional"]["earned"] == "60"


def test_r15_county_reviewer_cannot_even_find_another_countys_person(people, capsys) -> None:
    code, out = run(capsys, "--as", "hn_reviewer", "evaluate", "--id-number", people["tc"], "--year", "2023",
                    "--json")
    assert code == 1
    assert out["error"]["code"] == "person_not_found"


def test_r15_health_reviewer_cannot_read_a_teacher(people, capsys) -> None:
    code, out = run(capsys, "--as", "health_reviewer", "persons", "show", "--id-number", people["yj_teacher"],
                    "--json")
    assert code == 1 and out["error"]["code"] == "person_not_found"


def test_r24_reading_a_full_id_number_is_stamped(people, capsys, city) -> None:
    code, view = run(capsys, "--as", "city_admin", "persons", "show", "--id-number", people["hn"],
                     "--full-id", "--json")
    assert code == 0 and view["id_number"] == people["hn"]
    with city.read() as s:
        stamps = s.query(AuditStamp).filter(AuditStamp.action == "person.read_full_id").all()
    assert [st.actor for st in stamps] == ["city_admin"]
    code, out = run(capsys, "--as", "auditor", "persons", "show", "--id-number", people["hn"],
                    "--full-id", "--json")
    assert code == 3 and out["error"]["code"] == "action_not_allowed"
