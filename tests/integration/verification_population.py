"""A synthetic population built to exercise every branch of the annual assessment.

Written in bulk with Core (thousands of persons in a second). Deliberately messy: hours from
unapproved trainings (R12), records in the wrong unit (R3), CME categories missing, misspelt
or over the per-project cap (health plugin), passes outside their window (R6) and on expired
topics (R7), tenants with plugin settings and a disabled plugin (requirements per tenant).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.orm import Session

from platform_core.models import (
    HourRecord,
    Organisation,
    Person,
    PublicSubjectPass,
    PublicTopic,
    Tenant,
    Training,
    utcnow,
)

SERIES = (("工程", 3), ("卫生", 3), ("会计", 2), ("中小学教师", 2), ("农业", 1))
AMOUNTS = tuple(Decimal(a) for a in ("0.5", "1", "2.5", "4", "6", "8", "10", "12.25", "16", "20", "24",
                                      "26", "30", "45"))
CATEGORIES = (("I类", 40), ("II类", 45), (None, 5), (" I类", 3), ("III类", 2))


def _pick(rng: random.Random, weighted: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def configure_tenants(session: Session) -> None:
    """Tenant-specific rules, so a requirement cache keyed only by series would be wrong."""
    conn = session.connection()
    conn.execute(update(Tenant).where(Tenant.code == "340825").values(
        plugin_settings={"county_defaults": {"professional_hours": 72}}))
    conn.execute(update(Tenant).where(Tenant.code == "340826").values(
        plugin_settings={"health": {"annual_credits": 30, "category_i_min": 8}}))
    conn.execute(update(Tenant).where(Tenant.code == "340827").values(disabled_plugins=["health"]))


def build_population(session: Session, persons: int, *, seed: int = 7, first_serial: int = 0) -> list[int]:
    """Insert ``persons`` persons with records for 2022–2023; returns their ids."""
    rng = random.Random(seed)
    conn: Connection = session.connection()
    configure_tenants(session)
    tenants = conn.execute(select(Tenant.id, Tenant.code)).all()
    now = utcnow()
    trainings: dict[int, dict[str, list[int]]] = {}
    for tenant_id, code in tenants:
        org_id = conn.execute(insert(Organisation).values(
            tenant_id=tenant_id, kind="training_base", code=f"POP-{seed}-{first_serial}-{code}",
            name=f"测试基地{seed}-{first_serial}-{code}", series=[], status="active", created_at=now,
        ).returning(Organisation.id)).scalar_one()
        trainings[tenant_id] = {}
        for status in ("approved", "approved", "filed", "rejected", "draft"):
            tid = conn.execute(insert(Training).values(
                tenant_id=tenant_id, base_id=org_id, name=f"{status}培训班", start_date=date(2023, 5, 1),
                end_date=date(2023, 5, 3), hours=Decimal(24), registered_hours=Decimal(24),
                filed_on=date(2023, 4, 1), status=status, created_at=now).returning(Training.id)).scalar_one()
            trainings[tenant_id].setdefault(status, []).append(tid)
    topics: dict[int, list[int]] = {}
    for tid, year in conn.execute(select(PublicTopic.id, PublicTopic.year)):
        topics.setdefault(year, []).append(tid)

    person_rows = []
    for i in range(persons):
        serial = first_serial + i
        tenant_id, _code = rng.choice(tenants)
        person_rows.append({
            "tenant_id": tenant_id, "id_number": f"9{seed:03d}{serial:014d}", "name": f"测试{serial}",
            "gender": "男", "birth_date": date(1980, 1, 1), "series": _pick(rng, SERIES),
            "updated_at": now, "created_at": now})
    conn.execute(insert(Person), person_rows)
    numbers = [r["id_number"] for r in person_rows]
    people = conn.execute(select(Person.id, Person.tenant_id, Person.series)
                          .where(Person.id_number.in_(numbers)).order_by(Person.id)).all()

    records: list[dict[str, Any]] = []
    passes: list[dict[str, Any]] = []
    for pid, tenant_id, series in people:
        credits_series = series in ("卫生", "会计")
        for n in range(rng.randint(0, 9)):
            kind = "public" if rng.random() < 0.25 else "professional"
            if kind == "professional" and credits_series:
                unit = "credits" if rng.random() < 0.9 else "hours"
            else:
                unit = "hours" if rng.random() < 0.92 else "credits"
            category = None
            if series == "卫生" and kind == "professional":
                category = _pick(rng, CATEGORIES)
            elif rng.random() < 0.04:
                category = "I类"
            roll = rng.random()
            training_id = None
            if roll < 0.2:
                training_id = rng.choice(trainings[tenant_id]["approved"])
            elif roll < 0.3:
                training_id = rng.choice(trainings[tenant_id][rng.choice(("filed", "rejected", "draft"))])
            records.append({
                "tenant_id": tenant_id, "person_id": pid, "year": 2023 if rng.random() < 0.7 else 2022,
                "kind": kind, "amount": rng.choice(AMOUNTS), "unit": unit, "category": category,
                "project_name": f"项目{n}", "source": "pop", "training_id": training_id,
                "registered_by": "", "registered_at": now, "created_at": now,
                "dedupe_key": f"pop:{seed}:{pid}:{n}"})
        chosen: set[int] = set()
        roll = rng.random()
        if roll < 0.55:
            chosen.add(rng.choice(topics[2023]))
            if rng.random() < 0.15:
                chosen.add(rng.choice(topics[2023]))
        elif roll < 0.75:
            chosen.add(rng.choice(topics[2022]))
        for topic_id in chosen:
            if topic_id in topics[2023]:
                passed = date(2023, 1, 15) + timedelta(days=rng.randint(0, 500))  # to 2024-05-29
            else:
                passed = date(2022, 6, 1) + timedelta(days=rng.randint(0, 395))  # to 2023-07-01
            passes.append({"tenant_id": tenant_id, "person_id": pid, "topic_id": topic_id,
                           "passed_on": passed, "certificate_no": None, "source": "pop", "created_at": now})
    for start in range(0, len(records), 5000):
        conn.execute(insert(HourRecord), records[start:start + 5000])
    if passes:
        conn.execute(insert(PublicSubjectPass), passes)
    return [p[0] for p in people]
