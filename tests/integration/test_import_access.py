"""Imports act for an explicit actor: the policy decides per tenant, and each write is stamped."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from platform_core import users
from platform_core.authz import Actor, PlatformEnforcer
from platform_core.authz.adapter import sync_policy
from platform_core.errors import PermissionDenied
from platform_core.importing import ImportOptions, import_hours, import_persons
from platform_core.models import AuditStamp, HourRecord
from platform_core.users import resolve_actor
from platform_core.validation.idnumber import make
from tests.integration.test_import_hours import HEADER, PERSON_HEADER, write_csv

SYSTEM = Actor.system("test")
ID_HN = make("340822", date(1986, 4, 5), 31)
ID_TC = make("340881", date(1987, 6, 7), 41)


@pytest.fixture
def setup(city, tmp_path):
    with city.transaction() as s:
        sync_policy(s)
        users.add_user(
            s,
            None,
            SYSTEM,
            username="hn_reviewer",
            role="county_reviewer",
            tenant_code="340822",
            org_code="BUREAU-340822",
        )
        for tenant, id_number in (("340822", ID_HN), ("340881", ID_TC)):
            path = write_csv(
                tmp_path / f"p{tenant}.csv",
                [
                    PERSON_HEADER,
                    [
                        "王五",
                        "男",
                        id_number,
                        "本科",
                        "土木",
                        "工程师",
                        "2020-01-01",
                        "13800138000",
                        "某公司",
                        "工程",
                    ],
                ],
            )
            assert import_persons(s, path, tenant, actor=SYSTEM, enforcer=None).created == 1
    with city.read() as s:
        return resolve_actor(s, "hn_reviewer"), PlatformEnforcer.load(s)


def test_r24_each_import_that_writes_leaves_one_stamp(city, setup, tmp_path) -> None:
    with city.read() as s:
        stamps = s.scalars(select(AuditStamp).where(AuditStamp.action == "person.import")).all()
    assert [(st.tenant_code, st.actor, st.object_type) for st in stamps] == [
        ("340822", "system:test", "import"),
        ("340881", "system:test", "import"),
    ]
    assert stamps[0].after["created"] == 1


def test_r15_county_reviewer_may_not_import_persons_into_another_county(city, setup, tmp_path) -> None:
    reviewer, enforcer = setup
    path = write_csv(
        tmp_path / "x.csv",
        [
            PERSON_HEADER,
            [
                "赵六",
                "男",
                make("340881", date(1990, 1, 1), 51),
                "本科",
                "土木",
                "工程师",
                "2020-01-01",
                "",
                "某公司",
                "工程",
            ],
        ],
    )
    with city.transaction() as s, pytest.raises(PermissionDenied):
        import_persons(s, path, "340881", actor=reviewer, enforcer=enforcer)


def test_r15_hours_for_another_countys_person_are_refused_row_by_row(city, setup, tmp_path) -> None:
    reviewer, enforcer = setup
    path = write_csv(
        tmp_path / "h.csv",
        [
            HEADER,
            [ID_HN, "2023", "专业", "60", "", "培训", "2023-05-01", "怀宁基地"],
            [ID_TC, "2023", "专业", "60", "", "培训", "2023-05-01", "桐城基地"],
        ],
    )
    with city.transaction() as s:
        report = import_hours(s, path, actor=reviewer, enforcer=enforcer)
    assert not report.written
    assert [(e.row, e.code) for e in report.errors] == [(3, "not_permitted")]
    with city.transaction() as s:
        report = import_hours(s, path, ImportOptions(skip_invalid=True), actor=reviewer, enforcer=enforcer)
    assert report.created == 1
    with city.read() as s:
        assert s.scalar(select(func.count()).select_from(HourRecord)) == 1
        stamp = s.scalars(select(AuditStamp).where(AuditStamp.action == "hours.import")).one()
    assert (stamp.actor, stamp.tenant_code) == ("hn_reviewer", "340822")
