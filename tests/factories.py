"""Small builders for test data, written through the ORM on a session the test owns."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_core.models import (
    HourRecord,
    Organisation,
    Person,
    PublicSubjectPass,
    PublicTopic,
    Tenant,
    Training,
)
from platform_core.validation.idnumber import make

_seq = itertools.count(1)


def tenant(session: Session, code: str) -> Tenant:
    return session.scalars(select(Tenant).where(Tenant.code == code)).one()


def person(session: Session, tenant_code: str = "340822", series: str = "工程", *,
           qualification: str | None = None, name: str = "测试人员", address: str | None = None) -> Person:
    t = tenant(session, tenant_code)
    n = next(_seq)
    number = make(address or (t.division_code or "340800"), date(1985, 1, 1 + n % 28), (n * 2 + 1) % 1000)
    while session.scalar(select(Person.id).where(Person.id_number == number)):
        n = next(_seq)
        number = make(address or (t.division_code or "340800"), date(1985, 1, 1 + n % 28), (n * 2 + 1) % 1000)
    p = Person(tenant_id=t.id, id_number=number, name=name, gender="男", birth_date=date(1985, 1, 1),
               series=series, qualification=qualification)
    session.add(p)
    session.flush()
    return p


def hours(session: Session, p: Person, year: int, kind: str, amount: str | int, *, unit: str = "hours",
          category: str | None = None, training: Training | None = None, project: str = "培训") -> HourRecord:
    r = HourRecord(tenant_id=p.tenant_id, person_id=p.id, year=year, kind=kind, amount=Decimal(str(amount)),
                   unit=unit, category=category, project_name=project, source="test",
                   training_id=training.id if training else None, dedupe_key=f"test:{next(_seq)}")
    session.add(r)
    session.flush()
    return r


def public_pass(session: Session, p: Person, topic_year: int, passed_on: date,
                topic_name: str | None = None) -> PublicSubjectPass:
    stmt = select(PublicTopic).where(PublicTopic.year == topic_year)
    if topic_name:
        stmt = stmt.where(PublicTopic.name == topic_name)
    topic = session.scalars(stmt.order_by(PublicTopic.id)).first()
    assert topic is not None, f"no topic for {topic_year}"
    row = PublicSubjectPass(tenant_id=p.tenant_id, person_id=p.id, topic_id=topic.id, passed_on=passed_on,
                            certificate_no=f"GX{next(_seq):08d}")
    session.add(row)
    session.flush()
    return row


def base(session: Session, tenant_code: str = "340822", name: str = "测试继续教育基地") -> Organisation:
    t = tenant(session, tenant_code)
    org = Organisation(tenant_id=t.id, kind="training_base", code=f"BASE-{next(_seq)}", name=name)
    session.add(org)
    session.flush()
    return org


def training(session: Session, status: str = "approved", tenant_code: str = "340822") -> Training:
    b = base(session, tenant_code, name=f"基地{next(_seq)}")
    tr = Training(tenant_id=b.tenant_id, base_id=b.id, name="专业科目培训班", start_date=date(2023, 6, 1),
                  end_date=date(2023, 6, 5), hours=Decimal(40), registered_hours=Decimal(40),
                  filed_on=date(2023, 5, 1), status=status)
    session.add(tr)
    session.flush()
    return tr
