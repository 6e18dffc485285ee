"""A synthetic Anqing: persons, employers, bases, trainings and 2019–2023 records, in bulk.

Deterministic for a seed (one ``random.Random(seed)``, consumed in a fixed order). Used by
``ceplat demo`` (a few thousand persons on SQLite) and by the benchmark (200,000 persons,
~2 million hour records on PostgreSQL), so rows are built as dicts and written with Core
executemany in chunks (COPY for hour records on PostgreSQL), one chunk of persons at a time
so memory stays flat.

The data follow the requirement in force for each person's series, tenant and year: with a
plugin host the amounts, units and categories come from the plugins (health credits in
I类/II类, accountants' credits, teachers' cycle share); without one, built-in defaults of the
same shape are used. Each person gets a profile (complete, short of hours, crammed, …) and
a small share of persons carries the rule edge cases (R6, R7, R12, R22); see ``Profile``.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, func, select
from sqlalchemy.orm import Session

from platform_core.bulk import insert_keyed, insert_returning_ids, insert_rows
from platform_core.errors import ValidationFailed
from platform_core.models import (
    CECertificate,
    HourRecord,
    Organisation,
    OrgKind,
    Person,
    PublicSubjectPass,
    PublicTopic,
    Tenant,
    Training,
    utcnow,
)
from platform_core.plugins import PluginHost
from platform_core.reference import series_catalogue
from platform_core.settings import get_settings
from platform_core.synthetic import vocabulary as V
from platform_core.synthetic.reset import SYNTHETIC_ORG_PREFIX
from platform_core.tenancy import load_tenant_files, sync_tenants, tenant_info
from platform_core.topics import load_topics, sync_topics
from platform_core.validation import idnumber

ProgressCallback = Callable[[str, int, int], None]
"""``progress(phase, done, total)``; phase is "persons" while persons and their records are written."""


class Profile(StrEnum):
    """What a person's record looks like; the last year is the one the demo evaluates."""

    COMPLETE = "complete"  # every year meets the requirement
    SHORT_PROFESSIONAL = "short_professional"  # last year: professional below the minimum
    SHORT_PUBLIC = "short_public"  # last year: no public subject
    SHORT_BOTH = "short_both"
    NEWCOMER = "newcomer"  # started in one of the last three years; no certificate number yet
    CRAMMED = "crammed_r22"  # one earlier year holds 3–4× the professional minimum, others little
    R12_SHORT = "r12_unapproved_short"  # last year: part of the hours from an unapproved training
    R12_EXTRA = "r12_unapproved_extra"  # complete, plus a record from an unapproved training
    R6_LAST_DAY = "r06_last_day"  # last year's topic passed on the window's last day: counts
    R6_LATE = "r06_late"  # passed the day after the window closed: does not count
    R7_EXPIRED = "r07_expired_topic"  # last year: only a previous-year topic passed after its cut-off
    R7_BEFORE_CUTOFF = "r07_before_cutoff"  # previous year's topic passed 16 days before its cut-off


EDGE_PROFILES = (Profile.R12_SHORT, Profile.R12_EXTRA, Profile.R6_LAST_DAY, Profile.R6_LATE,
                 Profile.R7_EXPIRED, Profile.R7_BEFORE_CUTOFF)
COMMON_PROFILES: tuple[tuple[Profile, int], ...] = (
    (Profile.COMPLETE, 72), (Profile.SHORT_PROFESSIONAL, 10), (Profile.SHORT_PUBLIC, 6),
    (Profile.SHORT_BOTH, 3), (Profile.NEWCOMER, 5),
)

PERSON_CHUNK = 5000
ONLINE_PASS_SOURCE = "安徽省专业技术人员继续教育在线"
IMPORTED_SOURCE = "历史登记（导入）"
REGISTRAR = "synthetic"


@dataclass
class SyntheticSummary:
    seed: int
    persons: int
    years: tuple[int, ...]
    persons_by_tenant: dict[str, int]
    persons_by_series: dict[str, int]
    profiles: dict[str, int]
    employers: int
    training_bases: int
    trainings: int
    trainings_unapproved: int
    hour_records: int
    public_passes: int
    certificates: int
    # One ID number per profile, to try `ceplat evaluate --id-number …` on.
    examples: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed, "persons": self.persons, "years": list(self.years),
            "persons_by_tenant": self.persons_by_tenant, "persons_by_series": self.persons_by_series,
            "profiles": self.profiles, "employers": self.employers,
            "training_bases": self.training_bases, "trainings": self.trainings,
            "trainings_unapproved": self.trainings_unapproved, "hour_records": self.hour_records,
            "public_passes": self.public_passes, "certificates": self.certificates,
            "examples": self.examples, "seconds": round(self.seconds, 2),
        }


@dataclass(frozen=True)
class PartSpec:
    """The shape of one part's requirement the data are generated against."""

    unit: str
    minimum: Decimal
    categories: dict[str, Decimal]
    target: int  # a whole amount that meets the part (and every category minimum)


@dataclass(frozen=True)
class _Topic:
    id: int
    year: int
    name: str
    window_start: date
    window_end: date


@dataclass(frozen=True)
class _TrainingRef:
    id: int
    name: str
    base_id: int
    base_name: str
    end_date: date


@dataclass(frozen=True)
class _TenantRef:
    id: int
    code: str
    name: str
    label: str  # what employer names start with
    kind: str


@dataclass
class _PersonPlan:
    tenant: _TenantRef
    series: str
    profile: Profile
    start_year: int
    id_number: str = ""
    qualification_date: date | None = None


def generate_city(target: Engine | Session, persons: int, seed: int = 2023,
                  years: Iterable[int] = range(2019, 2024), progress: ProgressCallback | None = None,
                  *, host: PluginHost | None = None, tenants_dir: Path | None = None,
                  city_code: str | None = None, copy: bool = True) -> SyntheticSummary:
    """Seed a synthetic city of ``persons`` persons into an empty, migrated database.

    ``target`` is an Engine (the work commits at the end) or a Session (the caller commits).
    Tenants and public topics are synced first. ``host`` makes the data follow the installed
    plugins' requirements; ``copy`` lets PostgreSQL load hour records with COPY. Raises
    ``ValidationFailed`` (``synthetic_target_not_empty``) if persons already exist.
    """
    if isinstance(target, Session):
        return _Generator(target, persons, seed, years, progress, host, tenants_dir, city_code,
                          copy).run()
    with Session(target) as session, session.begin():
        return _Generator(session, persons, seed, years, progress, host, tenants_dir, city_code,
                          copy).run()


class _Generator:
    def __init__(self, session: Session, persons: int, seed: int, years: Iterable[int],
                 progress: ProgressCallback | None, host: PluginHost | None,
                 tenants_dir: Path | None, city_code: str | None, copy: bool):
        if persons < 1:
            raise ValidationFailed("人数至少为 1", code="synthetic_bad_persons")
        self.session = session
        self.n = persons
        self.seed = seed
        self.years = tuple(sorted(set(years)))
        if not self.years:
            raise ValidationFailed("至少需要一个年度", code="synthetic_bad_years")
        self.last = self.years[-1]
        self.progress = progress
        self.host = host
        settings = get_settings()
        self.tenants_dir = tenants_dir or settings.tenants_dir
        self.city_code = city_code or settings.city_code
        self.copy = copy
        self.rng = random.Random(seed)
        self.now = utcnow()
        self.record_no = 0
        self.pass_no = 0
        self.cert_seq: Counter[tuple[str, int]] = Counter()
        self.id_numbers: set[str] = set()
        self.spec_cache: dict[tuple[str, str, int], tuple[PartSpec, PartSpec]] = {}
        self.counts: Counter[str] = Counter()
        self.examples: dict[str, str] = {}

    # -- the run ---------------------------------------------------------------------------

    def run(self) -> SyntheticSummary:
        started = time.perf_counter()
        s = self.session
        sync_tenants(s, load_tenant_files(self.tenants_dir))
        sync_topics(s, load_topics())
        s.flush()
        if s.scalar(select(func.count()).select_from(Person)):
            raise ValidationFailed("数据库中已有专业技术人员数据；请在空库上生成模拟数据",
                                   code="synthetic_target_not_empty")
        self.conn: Connection = s.connection()
        self.tenants = self._load_tenants()
        self.topics = self._load_topics()
        plans = self._plan_persons()
        groups = Counter((p.tenant.code, p.series) for p in plans)
        self.r12_groups = {(p.tenant.code, p.series) for p in plans
                           if p.profile in (Profile.R12_SHORT, Profile.R12_EXTRA)}
        self.employers = self._make_employers(groups)
        self.bases, self.base_for = self._make_bases(groups)
        self.approved, self.unapproved = self._make_trainings(groups)
        total = len(plans)
        if self.progress:
            self.progress("persons", 0, total)
        for start in range(0, total, PERSON_CHUNK):
            self._write_chunk(plans[start:start + PERSON_CHUNK])
            if self.progress:
                self.progress("persons", min(start + PERSON_CHUNK, total), total)
        return SyntheticSummary(
            seed=self.seed, persons=total, years=self.years,
            persons_by_tenant=dict(Counter(p.tenant.code for p in plans)),
            persons_by_series=dict(Counter(p.series for p in plans).most_common()),
            profiles={p.value: c for p, c in Counter(p.profile for p in plans).most_common()},
            employers=self.counts["employers"], training_bases=self.counts["bases"],
            trainings=self.counts["trainings"], trainings_unapproved=self.counts["unapproved"],
            hour_records=self.counts["records"], public_passes=self.counts["passes"],
            certificates=self.counts["certificates"], examples=self.examples,
            seconds=time.perf_counter() - started,
        )

    def _load_tenants(self) -> list[_TenantRef]:
        out = []
        for t in self.session.scalars(select(Tenant).order_by(Tenant.id)):
            if t.kind == "city":
                label = t.name
            elif t.kind == "zone":
                label = f"安庆{t.short_name or t.name}"
            else:
                label = t.name
            out.append(_TenantRef(t.id, t.code, t.name, label, t.kind))
        return out

    def _load_topics(self) -> dict[int, list[_Topic]]:
        out: dict[int, list[_Topic]] = defaultdict(list)
        for t in self.session.scalars(select(PublicTopic).order_by(PublicTopic.year, PublicTopic.id)):
            out[t.year].append(_Topic(t.id, t.year, t.name, t.window_start, t.window_end))
        return out

    # -- planning --------------------------------------------------------------------------

    def _plan_persons(self) -> list[_PersonPlan]:
        rng = self.rng
        tenant_list = _apportion(self.n, [(t, V.TENANT_WEIGHTS.get(t.code, 5)) for t in self.tenants])
        catalogue = series_catalogue()
        series_weights = [(s, w) for s, w in V.SERIES_WEIGHTS if catalogue.find(s) is not None]
        series_list = _apportion(self.n, series_weights)
        rng.shuffle(tenant_list)
        rng.shuffle(series_list)
        profiles: list[Profile | None] = [None] * self.n
        edge_count = max(3, self.n // 200)
        crammed = max(3, self.n * 3 // 100)
        wanted = [(p, edge_count) for p in EDGE_PROFILES] + [(Profile.CRAMMED, crammed)]
        pool = rng.sample(range(self.n), min(self.n, sum(c for _, c in wanted)))
        at = 0
        for profile, count in wanted:
            for i in pool[at:at + count]:
                profiles[i] = profile
            at += count
        names, weights = zip(*COMMON_PROFILES, strict=True)
        plans = []
        for i in range(self.n):
            profile = profiles[i] or rng.choices(names, weights)[0]
            start = self.years[0]
            if profile is Profile.NEWCOMER:
                start = rng.choice(self.years[-3:])
            plans.append(_PersonPlan(tenant_list[i], series_list[i], profile, start))
        return plans

    # -- organisations and trainings -------------------------------------------------------

    def _make_employers(self, groups: Counter[tuple[str, str]]) -> dict[tuple[str, str], list[int]]:
        rng = self.rng
        rows: list[dict[str, Any]] = []
        index: dict[tuple[str, str], int] = {}  # (tenant code, name) -> row index
        members: dict[tuple[str, str], list[int]] = defaultdict(list)
        by_code = {t.code: t for t in self.tenants}
        for (code, series), count in sorted(groups.items()):
            tenant = by_code[code]
            templates = V.EMPLOYERS.get(series, V.EMPLOYERS_OTHER)
            places = V.PLACES.get(code, (tenant.name,))
            wanted = max(1, min(len(templates) * 4, math.ceil(count / 45)))
            for j in range(wanted):
                name = templates[j % len(templates)].format(
                    t=tenant.label, p=rng.choice(places), w=rng.choice(V.FIRM_WORDS))
                key = (code, name)
                if key not in index:
                    index[key] = len(rows)
                    rows.append({"tenant_id": tenant.id, "kind": OrgKind.EMPLOYER.value,
                                 "code": f"{SYNTHETIC_ORG_PREFIX}EMP-{code}-{len(rows) + 1:05d}",
                                 "name": name, "series": [], "status": "active",
                                 "created_at": self.now})
                if index[key] not in members[(code, series)]:
                    members[(code, series)].append(index[key])
        ids = insert_returning_ids(self.conn, _table(Organisation), rows)
        self.counts["employers"] = len(rows)
        return {k: [ids[i] for i in v] for k, v in members.items()}

    def _make_bases(self, groups: Counter[tuple[str, str]]) -> tuple[
            dict[int, str], dict[tuple[str, str], list[int]]]:
        rows: list[dict[str, Any]] = []
        served: list[tuple[str, tuple[str, ...]]] = []
        for tenant in self.tenants:
            if tenant.kind == "city":
                templates = V.CITY_BASES
            elif tenant.kind == "county":
                templates = V.COUNTY_BASES
            else:
                templates = V.OTHER_BASES
            for n, (template, series) in enumerate(templates, start=1):
                rows.append({"tenant_id": tenant.id, "kind": OrgKind.TRAINING_BASE.value,
                             "code": f"{SYNTHETIC_ORG_PREFIX}BASE-{tenant.code}-{n:02d}",
                             "name": template.format(t=tenant.label), "series": list(series),
                             "status": "active", "created_at": self.now})
                served.append((tenant.code, series))
        ids = insert_returning_ids(self.conn, _table(Organisation), rows)
        self.counts["bases"] = len(rows)
        names = {ids[i]: r["name"] for i, r in enumerate(rows)}
        base_for: dict[tuple[str, str], list[int]] = {}
        for code, wanted in groups:
            specific = [ids[i] for i, (c, s) in enumerate(served) if c == code and wanted in s]
            general = [ids[i] for i, (c, s) in enumerate(served) if c == code and not s]
            base_for[(code, wanted)] = specific or general
        return names, base_for

    def _make_trainings(self, groups: Counter[tuple[str, str]]) -> tuple[
            dict[tuple[str, str, int], list[_TrainingRef]], dict[tuple[str, str, int], list[_TrainingRef]]]:
        rng = self.rng
        by_code = {t.code: t for t in self.tenants}
        rows: list[dict[str, Any]] = []
        keys: list[tuple[str, str, int, bool]] = []
        for (code, series), count in sorted(groups.items()):
            titles = V.TRAININGS.get(series, V.TRAININGS_OTHER)
            for year in self.years:
                approved = max(1, min(12, math.ceil(count / 60)))
                statuses = ["approved"] * approved
                if year == self.last and (code, series) in self.r12_groups:
                    # R12: never approved (rejected: filed too late; filed: still pending).
                    statuses.append("rejected" if len(rows) % 2 else "filed")
                for k, status in enumerate(statuses):
                    base_id = rng.choice(self.base_for[(code, series)])
                    start = date(year, 3, 1) + timedelta(days=rng.randrange(0, 260))
                    days = rng.randint(1, 5)
                    hours = Decimal(days * 6)
                    if status == "approved":
                        filed = start - timedelta(days=rng.randint(16, 45))
                        approved_at: datetime | None = datetime.combine(
                            filed + timedelta(days=rng.randint(2, 10)), datetime.min.time(), UTC)
                    elif status == "rejected":
                        filed = start - timedelta(days=rng.randint(3, 14))  # too late (R9)
                        approved_at = None
                    else:
                        filed = start - timedelta(days=rng.randint(16, 30))
                        approved_at = None
                    title = titles[k % len(titles)].format(y=year)
                    if k >= len(titles):
                        title += f"（第{k // len(titles) + 1}期）"
                    rows.append({"tenant_id": by_code[code].id, "base_id": base_id, "name": title,
                                 "series": series, "start_date": start,
                                 "end_date": start + timedelta(days=days - 1), "hours": hours,
                                 "registered_hours": hours, "filed_on": filed, "status": status,
                                 "approved_at": approved_at, "created_at": self.now})
                    keys.append((code, series, year, status == "approved"))
        ids = insert_returning_ids(self.conn, _table(Training), rows)
        approved_refs: dict[tuple[str, str, int], list[_TrainingRef]] = defaultdict(list)
        unapproved_refs: dict[tuple[str, str, int], list[_TrainingRef]] = defaultdict(list)
        for tid, row, (code, series, year, ok) in zip(ids, rows, keys, strict=True):
            ref = _TrainingRef(tid, row["name"], row["base_id"], self.bases[row["base_id"]],
                               row["end_date"])
            (approved_refs if ok else unapproved_refs)[(code, series, year)].append(ref)
        self.counts["trainings"] = len(rows)
        self.counts["unapproved"] = sum(1 for *_, ok in keys if not ok)
        return approved_refs, unapproved_refs

    # -- persons ---------------------------------------------------------------------------

    def _write_chunk(self, plans: Sequence[_PersonPlan]) -> None:
        rows = [self._person_row(p) for p in plans]
        ids = insert_keyed(self.conn, _table(Person), rows, "id_number", copy=self.copy)
        records: list[dict[str, Any]] = []
        passes: list[dict[str, Any]] = []
        certs: list[dict[str, Any]] = []
        for pid, plan in zip(ids, plans, strict=True):
            self.examples.setdefault(plan.profile.value, plan.id_number)
            cert = self._certificate(pid, plan)
            if cert:
                certs.append(cert)
            self._person_years(pid, plan, records, passes)
        insert_rows(self.conn, _table(CECertificate), certs, copy=self.copy)
        insert_rows(self.conn, _table(PublicSubjectPass), passes, copy=self.copy)
        insert_rows(self.conn, _table(HourRecord), records, copy=self.copy)
        self.counts["records"] += len(records)
        self.counts["passes"] += len(passes)
        self.counts["certificates"] += len(certs)

    def _person_row(self, plan: _PersonPlan) -> dict[str, Any]:
        rng = self.rng
        female_share = {"卫生": 0.65, "中小学教师": 0.62, "会计": 0.68}.get(plan.series, 0.42)
        male = rng.random() >= female_share
        age = rng.randint(22, 30) if plan.profile is Profile.NEWCOMER else rng.randint(24, 59)
        born = date(self.last - age, 1, 1) + timedelta(days=rng.randrange(0, 365))
        address = self._address(plan.tenant.code)
        while True:
            seq = rng.randrange(0, 499) * 2 + 1 if male else rng.randrange(1, 500) * 2
            number = idnumber.make(address, born, seq)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                break
        plan.id_number = number
        surnames, sweights = _SURNAMES
        name = rng.choices(surnames, sweights)[0] + rng.choice(V.GIVEN_MALE if male else V.GIVEN_FEMALE)
        catalogue = series_catalogue()
        quals = catalogue.get(plan.series).qualifications
        qual = rng.choices(quals, [1 if q.startswith(_SENIOR) else 3 for q in quals])[0]
        if plan.profile is Profile.NEWCOMER:
            qdate = date(plan.start_year - 1, 7, 1) + timedelta(days=rng.randrange(0, 365))
        else:
            first = max(born.year + 22, 1995)
            qdate = date(rng.randint(min(first, self.last - 2), self.last - 2), rng.randint(1, 12), 1)
        plan.qualification_date = qdate
        education = rng.choices(*_EDUCATION)[0]
        return {
            "tenant_id": plan.tenant.id, "id_number": number, "name": name,
            "gender": "男" if male else "女", "birth_date": born, "education": education,
            "major": rng.choice(V.MAJORS.get(plan.series, V.MAJORS_OTHER)), "series": plan.series,
            "qualification": qual, "qualification_date": qdate,
            "mobile": rng.choice(V.MOBILE_PREFIXES) + f"{rng.randrange(0, 10**8):08d}",
            "employer_id": rng.choice(self.employers[(plan.tenant.code, plan.series)]),
            "created_at": self.now, "updated_at": self.now,
        }

    def _address(self, tenant_code: str) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.10:
            return rng.choice(V.OTHER_ADDRESS_CODES)  # born elsewhere
        if roll < 0.12:
            return V.OLD_QIANSHAN  # moved from 潜山 with a pre-2018 number
        if tenant_code == "340882" and roll < 0.45:
            return V.OLD_QIANSHAN
        if tenant_code in V.ZONE_ADDRESSES:
            return rng.choice(V.ZONE_ADDRESSES[tenant_code])
        if tenant_code not in V.ANQING_ADDRESS_CODES or roll > 0.92:
            return rng.choice(V.ANQING_ADDRESS_CODES)
        return tenant_code

    def _certificate(self, person_id: int, plan: _PersonPlan) -> dict[str, Any] | None:
        if plan.profile is Profile.NEWCOMER or self.rng.random() >= 0.7:
            return None
        assert plan.qualification_date is not None
        year = min(max(plan.qualification_date.year, 2012), self.last - 1)
        code = series_catalogue().get(plan.series).code
        self.cert_seq[(code, year)] += 1
        number = f"{self.city_code}{code}{year:04d}{self.cert_seq[(code, year)]:06d}"
        allocated = datetime(year, self.rng.randint(1, 12), self.rng.randint(1, 28), 9, tzinfo=UTC)
        return {"person_id": person_id, "tenant_id": plan.tenant.id, "number": number,
                "series": plan.series, "source": "imported", "allocated_at": allocated,
                "created_at": self.now}

    # -- a person's years ------------------------------------------------------------------

    def _person_years(self, pid: int, plan: _PersonPlan, records: list[dict[str, Any]],
                      passes: list[dict[str, Any]]) -> None:
        rng = self.rng
        last, prev = self.last, self.last - 1
        used_topics: set[int] = set()
        cram_year = rng.choice(self.years[:-1]) if len(self.years) > 1 else last
        for year in self.years:
            if year < plan.start_year:
                continue
            public_spec, pro_spec = self._specs(plan, year)
            p = plan.profile
            factor = rng.uniform(1.0, 1.3)
            if year < last and p is not Profile.CRAMMED and rng.random() < 0.05:
                factor = rng.uniform(0.3, 0.9)  # an old gap: realistic history
            public_mode = "pass" if rng.random() >= (0.6 if year <= last - 2 else 0.15) else "record"
            if year == last:
                if p in (Profile.SHORT_PROFESSIONAL, Profile.SHORT_BOTH):
                    factor = 0.0 if rng.random() < 0.1 else rng.uniform(0.2, 0.85)
                if p in (Profile.SHORT_PUBLIC, Profile.SHORT_BOTH):
                    public_mode = "none"
                if p in (Profile.R6_LAST_DAY, Profile.R6_LATE, Profile.R7_EXPIRED):
                    public_mode = p.value
            if year == prev and p is Profile.R7_BEFORE_CUTOFF:
                public_mode = p.value
            if p is Profile.CRAMMED and year < last:
                factor = rng.uniform(3.0, 4.0) if year == cram_year else rng.uniform(0.0, 0.3)
            self._public(pid, plan, year, public_spec, public_mode, used_topics, records, passes)
            if year == last and p is Profile.R12_SHORT:
                self._professional(pid, plan, year, pro_spec, rng.uniform(0.5, 0.8), records)
                self._unapproved(pid, plan, year, pro_spec, rng.uniform(0.3, 0.5), records)
            else:
                self._professional(pid, plan, year, pro_spec, factor, records)
                if year == last and p is Profile.R12_EXTRA:
                    self._unapproved(pid, plan, year, pro_spec, 0.2, records)

    def _specs(self, plan: _PersonPlan, year: int) -> tuple[PartSpec, PartSpec]:
        key = (plan.tenant.code, plan.series, year)
        if key not in self.spec_cache:
            self.spec_cache[key] = self._resolve_specs(plan.tenant, plan.series, year)
        return self.spec_cache[key]

    def _resolve_specs(self, tenant: _TenantRef, series: str, year: int) -> tuple[PartSpec, PartSpec]:
        if self.host is None:
            return _default_specs(series)
        row = self.session.get(Tenant, tenant.id)
        assert row is not None
        req = self.host.requirement(series, year, tenant_info(row, self.city_code))
        out = []
        for part in (req.public, req.professional):
            floor = max(part.minimum, sum(part.category_minima.values(), Decimal(0)))
            if part.cycle_years and part.cycle_total is not None:
                floor = max(floor, part.cycle_total / part.cycle_years)
            out.append(PartSpec(part.unit.value, part.minimum, dict(part.category_minima),
                                math.ceil(floor)))
        return out[0], out[1]

    def _public(self, pid: int, plan: _PersonPlan, year: int, spec: PartSpec, mode: str,
                used: set[int], records: list[dict[str, Any]], passes: list[dict[str, Any]]) -> None:
        rng = self.rng
        if mode == "none":
            return
        topics = self.topics.get(year, [])
        prev_topics: list[_Topic] = []
        if mode == Profile.R7_EXPIRED.value:
            prev_topics = [t for t in self.topics.get(year - 1, []) if t.id not in used]
        if mode == "record" or not topics or (mode == Profile.R7_EXPIRED.value and not prev_topics):
            topic_name = rng.choice(topics).name if topics else f"{year}年度公需科目"
            self._record(pid, plan, year, "public", Decimal(spec.target), spec.unit, None, topic_name,
                         _random_day(rng, year), IMPORTED_SOURCE, None, records)
            return
        if mode == Profile.R7_EXPIRED.value:
            # A previous year's topic, passed after its topics stopped counting (R7).
            topic = rng.choice(prev_topics)
            passed = topic.window_end + timedelta(days=rng.randint(1, 60))
        else:
            topic = rng.choice([t for t in topics if t.id not in used] or topics)
            if mode == Profile.R6_LAST_DAY.value:
                passed = topic.window_end
            elif mode == Profile.R6_LATE.value:
                passed = topic.window_end + timedelta(days=1)
            elif mode == Profile.R7_BEFORE_CUTOFF.value:
                passed = topic.window_end - timedelta(days=16)
            else:
                end = min(topic.window_end, date(year, 12, 31))
                if topic.window_end > end and rng.random() < 0.2:
                    lo, hi = end + timedelta(days=1), topic.window_end
                else:
                    lo, hi = max(topic.window_start, date(year, 1, 1)), end
                passed = lo + timedelta(days=rng.randrange(0, (hi - lo).days + 1))
        if topic.id in used:
            return
        used.add(topic.id)
        self.pass_no += 1
        passes.append({"tenant_id": plan.tenant.id, "person_id": pid, "topic_id": topic.id,
                       "passed_on": passed, "certificate_no": f"AH{topic.year}{self.pass_no:08d}",
                       "source": ONLINE_PASS_SOURCE, "created_at": self.now})

    def _professional(self, pid: int, plan: _PersonPlan, year: int, spec: PartSpec, factor: float,
                      records: list[dict[str, Any]]) -> None:
        rng = self.rng
        for category, amount in _amounts(rng, spec, factor):
            # CME projects give at most 25 credits each; other records can be a year's worth.
            for piece in _split(rng, amount, 24 if spec.categories else 90, bool(spec.categories)):
                training = None
                refs = self.approved.get((plan.tenant.code, plan.series, year))
                if refs and rng.random() < 0.45:
                    training = rng.choice(refs)
                if training:
                    self._record(pid, plan, year, "professional", piece, spec.unit, category,
                                 training.name, training.end_date, training.base_name, training, records)
                else:
                    source, title = rng.choice(V.OTHER_SOURCES)
                    self._record(pid, plan, year, "professional", piece, spec.unit, category,
                                 title.format(y=year), _random_day(rng, year), source, None, records)

    def _unapproved(self, pid: int, plan: _PersonPlan, year: int, spec: PartSpec, share: float,
                    records: list[dict[str, Any]]) -> None:
        """One record from a training that was never approved: R12 refuses it."""
        refs = self.unapproved.get((plan.tenant.code, plan.series, year))
        if not refs:
            return
        training = self.rng.choice(refs)
        amount = Decimal(max(1, math.ceil(spec.target * share)))
        category = _category_for_extra(spec)
        self._record(pid, plan, year, "professional", amount, spec.unit, category, training.name,
                     training.end_date, training.base_name, training, records)

    def _record(self, pid: int, plan: _PersonPlan, year: int, kind: str, amount: Decimal, unit: str,
                category: str | None, project: str, day: date, source: str,
                training: _TrainingRef | None, records: list[dict[str, Any]]) -> None:
        self.record_no += 1
        registered = datetime.combine(day + timedelta(days=3), datetime.min.time(), UTC)
        records.append({
            "tenant_id": plan.tenant.id, "person_id": pid, "year": year, "kind": kind,
            "amount": amount, "unit": unit, "category": category, "project_name": project[:200],
            "occurred_on": day, "source": source[:128],
            "training_id": training.id if training else None,
            "registered_by_org_id": training.base_id if training else None,
            "registered_by": REGISTRAR, "registered_at": registered,
            "dedupe_key": f"synthetic:{self.seed}:{self.record_no}", "created_at": self.now,
        })


# -- helpers ---------------------------------------------------------------------------------


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


_SURNAMES = tuple(zip(*V.SURNAMES, strict=True))
_EDUCATION = tuple(zip(*V.EDUCATION_WEIGHTS, strict=True))
_SENIOR = ("正高", "主任", "研究员", "编审", "教授", "译审", "一级", "高级", "国家级")


def _default_specs(series: str) -> tuple[PartSpec, PartSpec]:
    """Without a plugin host: the shapes of R2 and the health/accounting rules."""
    public = PartSpec("hours", Decimal(30), {}, 30)
    if series == "卫生":
        return public, PartSpec("credits", Decimal(25), {"I类": Decimal(5), "II类": Decimal(15)}, 25)
    if series == "会计":
        return public, PartSpec("credits", Decimal(60), {}, 60)
    return public, PartSpec("hours", Decimal(60), {}, 60)


def _amounts(rng: random.Random, spec: PartSpec, factor: float) -> list[tuple[str | None, Decimal]]:
    """Whole amounts per category: ≥ every minimum when factor ≥ 1, below them when < 1."""
    meets = factor >= 1
    rounding = math.ceil if meets else math.floor
    total = rounding(spec.target * factor)
    if not spec.categories:
        return [(None, Decimal(total))] if total > 0 else []
    parts = {c: rounding(float(m) * factor) for c, m in spec.categories.items()}
    extra = total - sum(parts.values())
    if extra > 0:
        # The remainder goes to one category; the last (e.g. II类) most often.
        names = list(parts)
        parts[rng.choices(names, [1] * (len(names) - 1) + [2])[0]] += extra
    return [(c, Decimal(a)) for c, a in parts.items() if a > 0]


def _split(rng: random.Random, amount: Decimal, max_piece: int, few: bool = False) -> list[Decimal]:
    whole = int(amount)
    pieces = max(rng.choices((1, 2, 3), (75, 20, 5) if few else (60, 30, 10))[0],
                 math.ceil(whole / max_piece))
    pieces = max(1, min(pieces, whole))
    cuts = sorted(rng.sample(range(1, whole), pieces - 1)) if pieces > 1 else []
    bounds = [0, *cuts, whole]
    return [Decimal(b - a) for a, b in zip(bounds, bounds[1:], strict=False)]


def _category_for_extra(spec: PartSpec) -> str | None:
    return list(spec.categories)[-1] if spec.categories else None


def _random_day(rng: random.Random, year: int) -> date:
    return date(year, 1, 1) + timedelta(days=rng.randrange(0, 365))


def _apportion(n: int, weighted: Sequence[tuple[Any, int]]) -> list[Any]:
    """``n`` items spread over the weights by largest remainder: every weight gets its share,
    and each gets at least one when ``n`` allows (the smallest tenant is never empty)."""
    total = sum(w for _, w in weighted)
    shares = [(item, n * w / total) for item, w in weighted]
    counts = [math.floor(s) for _, s in shares]
    if n >= len(weighted):
        counts = [max(1, c) for c in counts]
    order = sorted(range(len(shares)), key=lambda i: shares[i][1] - math.floor(shares[i][1]), reverse=True)
    i = 0
    while sum(counts) < n:
        counts[order[i % len(order)]] += 1
        i += 1
    while sum(counts) > n:
        j = max(range(len(counts)), key=lambda k: counts[k])
        counts[j] -= 1
    out: list[Any] = []
    for (item, _), c in zip(shares, counts, strict=True):
        out.extend([item] * c)
    return out
