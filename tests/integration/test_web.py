from __future__ import annotations

from datetime import date
from decimal import Decimal

from litestar.testing import TestClient

from platform_core.models import Training
from platform_core.web.app import create_app
from tests import factories as f


def test_requirement_api_names_the_deciding_plugin(city) -> None:
    with TestClient(app=create_app(city)) as client:
        ok = client.get("/api/requirement", params={"series": "工程", "year": 2023, "tenant": "340822"})
        assert ok.status_code == 200
        assert ok.json()["decided_by"] == "county_defaults"
        assert ok.json()["professional"]["minimum"] == "60"
        bad = client.get("/api/requirement", params={"series": "炼金术", "year": 2023})
        assert bad.status_code == 422
        assert bad.json()["code"] == "unknown_series"
        missing = client.get("/api/requirement", params={"series": "工程", "year": 2023, "tenant": "999999"})
        assert missing.status_code == 404 and missing.json()["code"] == "tenant_not_found"


def test_r10_public_page_lists_only_approved_trainings_without_login(city) -> None:
    with city.transaction() as s:
        approved = f.training(s, "approved")
        approved.name = "急诊医学新进展培训班"
        pending = f.training(s, "filed")
        pending.name = "尚未审批的培训班"
        s.add(Training(tenant_id=approved.tenant_id, base_id=approved.base_id, name="被驳回培训",
                       start_date=date(2023, 1, 1), end_date=date(2023, 1, 2), hours=Decimal(8),
                       registered_hours=Decimal(8), status="rejected"))
    with TestClient(app=create_app(city)) as client:
        page = client.get("/public/trainings")
    assert page.status_code == 200
    assert "急诊医学新进展培训班" in page.text
    assert "尚未审批的培训班" not in page.text and "被驳回培训" not in page.text
