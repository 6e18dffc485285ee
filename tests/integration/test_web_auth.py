"""The JSON API acts for an authenticated actor; lists are scoped, numbers masked."""

from __future__ import annotations

import base64

import pytest
from litestar.testing import TestClient

from platform_core import users
from platform_core.authz import Actor
from platform_core.authz.adapter import sync_policy
from platform_core.web.app import create_app
from tests import factories as f

SYSTEM = Actor.system("test")


def basic(username: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


@pytest.fixture
def api(city):
    with city.transaction() as s:
        sync_policy(s)
        ids = {
            "hn": [f.person(s, "340822", "工程").id_number for _ in range(3)],
            "tc": [f.person(s, "340881", "工程").id_number for _ in range(2)],
        }
        f.hours(s, f.person(s, "340822", "卫生"), 2023, "professional", 10)
        users.add_user(s, None, SYSTEM, username="hn", role="county_reviewer", tenant_code="340822",
                       org_code="BUREAU-340822", password="s3cret-pass")
        users.add_user(s, None, SYSTEM, username="admin", role="city_admin", tenant_code="340800",
                       org_code="BUREAU-340800", password="adm1n-pass")
        token = users.issue_token(s, None, SYSTEM, "admin").token
    with TestClient(app=create_app(city, policy_sync=False)) as client:
        yield client, ids, token


def test_unauthenticated_calls_are_refused(api) -> None:
    client, ids, _ = api
    response = client.get("/api/persons")
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"
    wrong = client.get("/api/persons", headers=basic("hn", "wrong-pass"))
    assert wrong.status_code == 403 and wrong.json()["code"] == "bad_credentials"


def test_r15_county_reviewer_lists_only_its_own_county(api) -> None:
    client, ids, _ = api
    page = client.get("/api/persons", headers=basic("hn", "s3cret-pass")).json()
    assert page["total"] == 4
    assert {p["tenant"] for p in page["persons"]} == {"340822"}
    assert all("********" in p["id_number"] for p in page["persons"])
    other = client.get("/api/persons", params={"tenant": "340881"}, headers=basic("hn", "s3cret-pass"))
    assert other.status_code == 403
    hidden = client.get(f"/api/persons/{ids['tc'][0]}/status", params={"year": 2023},
                        headers=basic("hn", "s3cret-pass"))
    assert hidden.status_code == 404 and hidden.json()["code"] == "person_not_found"


def test_bearer_token_reads_every_tenant_for_the_city_office(api) -> None:
    client, ids, token = api
    headers = {"Authorization": f"Bearer {token}"}
    page = client.get("/api/persons", headers=headers).json()
    assert page["total"] == 6
    status = client.get(f"/api/persons/{ids['tc'][0]}/status", params={"year": 2023}, headers=headers)
    assert status.status_code == 200 and status.json()["complete"] is False
    cycle = client.get(f"/api/persons/{ids['tc'][0]}/status", params={"cycle": "2019-2023"}, headers=headers)
    assert cycle.status_code == 200 and len(cycle.json()["years"]) == 5


def test_r17_r23_reports_through_the_api(api, city) -> None:
    from platform_core.verification import plan_verification, run_job_inline

    client, ids, token = api
    with city.transaction() as s:
        job = plan_verification(s, SYSTEM, 2023)
    run_job_inline(city.sessions, city.plugins, job.id)
    headers = {"Authorization": f"Bearer {token}"}
    report = client.get("/api/reports/compliance", params={"year": 2023}, headers=headers).json()
    assert report["totals"]["persons"] == 6 and report["totals"]["complete"] == 0
    mine = client.get("/api/reports/incomplete", params={"year": 2023}, headers=basic("hn", "s3cret-pass"))
    assert mine.status_code == 200
    assert {p["tenant"] for p in mine.json()["persons"]} == {"340822"} and mine.json()["count"] == 4
    other = client.get("/api/reports/compliance", params={"year": 2023, "tenant": "340881"},
                       headers=basic("hn", "s3cret-pass"))
    assert other.status_code == 403
