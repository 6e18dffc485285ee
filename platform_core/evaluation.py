"""Annual status (R2–R7, R12) and cycle status for a title application (R21, R22).

The assessment itself is pure (`assess_year`, `assess_cycle`) over facts loaded in batches
(`load_facts`), so one person and a whole tenant go through the same code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from platform_core.batching import chunked
from platform_core.errors import ValidationFailed
from platform_core.models import HourRecord, Person, PublicSubjectPass, PublicTopic, Tenant, Training
from platform_core.plugins import PluginHost
from platform_core.requirements import (
    HourFacts,
    PartRequirement,
    Refusal,
    Requirement,
    SubjectKind,
    TenantInfo,
    Unit,
)
from platform_core.tenancy import tenant_info
from platform_core.validation.idnumber import mask

ZERO = Decimal(0)
CENT = Decimal("0.01")


# -- facts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PassFacts:
    pass_id: int
    topic_name: str
    topic_year: int
    hours: Decimal
    window_start: date
    window_end: date
    passed_on: date
    certificate_no: str | None = None


@dataclass
class PersonFacts:
    person_id: int
    id_number: str
    name: str
    series: str
    tenant: TenantInfo
    records: list[HourFacts] = field(default_factory=list)
    passes: list[PassFacts] = field(default_factory=list)


# -- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryStatus:
    required: Decimal
    earned: Decimal

    @property
    def missing(self) -> Decimal:
        return max(self.required - self.earned, ZERO)

    def as_dict(self) -> dict[str, Any]:
        return {"required": self.required, "earned": self.earned, "missing": self.missing}


@dataclass(frozen=True)
class PartStatus:
    kind: SubjectKind
    unit: Unit
    required: Decimal
    earned: Decimal
    categories: dict[str, CategoryStatus]
    decided_by: str
    regulation: str = ""

    @property
    def missing(self) -> Decimal:
        shortfall = sum((c.missing for c in self.categories.values()), ZERO)
        return max(self.required - self.earned, shortfall, ZERO)

    @property
    def complete(self) -> bool:
        return self.missing == ZERO

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "required": self.required, "earned": self.earned, "missing": self.missing,
            "unit": self.unit.value, "complete": self.complete, "decided_by": self.decided_by,
        }
        if self.categories:
            out["categories"] = {k: v.as_dict() for k, v in self.categories.items()}
        return out


@dataclass(frozen=True)
class Outcome:
    """One record or pass and what became of it."""

    source: str  # hour_record / public_pass
    ref_id: int
    kind: SubjectKind
    amount: Decimal
    unit: Unit
    detail: str
    refusal: Refusal | None = None
    category: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.source, "id": self.ref_id, "kind": self.kind.value,
                               "amount": self.amount, "unit": self.unit.value, "detail": self.detail}
        if self.category:
            out["category"] = self.category
        if self.refusal:
            out.update(self.refusal.as_dict())
        return out


@dataclass(frozen=True)
class AnnualStatus:
    person_id: int
    id_number: str
    name: str
    tenant_code: str
    series: str
    year: int
    public: PartStatus
    professional: PartStatus
    counted: tuple[Outcome, ...]
    refused: tuple[Outcome, ...]
    noted: tuple[Outcome, ...]  # valid elsewhere (another year's pass), not counted here
    requirement: Requirement

    @property
    def complete(self) -> bool:
        return self.public.complete and self.professional.complete

    @property
    def decided_by(self) -> str:
        return self.requirement.decided_by

    def as_dict(self) -> dict[str, Any]:
        return {
            "person": {"id_number": mask(self.id_number), "name": self.name,
                       "tenant": self.tenant_code, "series": self.series},
            "year": self.year,
            "complete": self.complete,
            "public": self.public.as_dict(),
            "professional": self.professional.as_dict(),
            "decided_by": self.decided_by,
            "counted": [o.as_dict() for o in self.counted],
            "refused": [o.as_dict() for o in self.refused],
            "noted": [o.as_dict() for o in self.noted],
            "requirement": self.requirement.as_dict(),
        }


# -- the assessment (pure) -----------------------------------------------------------------


def _record_refusals(record: HourFacts, part: PartRequirement, series: str, tenant: TenantInfo,
                     host: PluginHost) -> list[Refusal]:
    if record.training_id is not None and record.training_status != "approved":
        return [Refusal("training_not_approved",
                        "该学时来自未经备案审批的培训，不予登记、验证或折算（R12）", "R12", "core")]
    if record.unit != part.unit:
        return [Refusal("unit_mismatch",
                        f"记录以{record.unit.label}计，而{series}系列{part.kind.label}要求以"
                        f"{part.unit.label}计，不能直接计入", "R3", "core")]
    return host.validate_hour_record(record, part, series, tenant)


def _pass_outcome(p: PassFacts, year: int, unit: Unit) -> tuple[str, Outcome] | None:
    """Which list a pass belongs on for ``year``: counted, refused, or noted (counts elsewhere)."""
    detail = f"{p.topic_name}（{p.topic_year}年度专题）合格 {p.passed_on.isoformat()}"

    def outcome(refusal: Refusal | None = None) -> Outcome:
        return Outcome("public_pass", p.pass_id, SubjectKind.PUBLIC, p.hours, unit, detail, refusal)

    in_window = p.window_start <= p.passed_on <= p.window_end
    if p.topic_year == year:
        if in_window:
            return "counted", outcome()
        return "refused", outcome(Refusal(
            "public_pass_outside_window",
            f"合格日期 {p.passed_on.isoformat()} 不在{year}年度公需科目学习期限"
            f"（{p.window_start.isoformat()} 至 {p.window_end.isoformat()}）内，不计入{year}年度",
            "R6", "core"))
    if p.passed_on.year != year:
        return None  # neither this year's topic nor passed this year: not this year's business
    if p.passed_on > p.window_end:
        stop = (p.window_end + timedelta(days=1)).isoformat()
        return "refused", outcome(Refusal(
            "public_topic_expired",
            f"「{p.topic_name}」为{p.topic_year}年度专题，自 {stop} 起不再作为公需科目，"
            f"{p.passed_on.isoformat()} 的合格证书不予认定", "R7", "core"))
    if p.passed_on < p.window_start:
        return "refused", outcome(Refusal(
            "public_pass_outside_window",
            f"合格日期 {p.passed_on.isoformat()} 早于「{p.topic_name}」（{p.topic_year}年度专题）的学习期限"
            f"（{p.window_start.isoformat()} 起），不予认定", "R6", "core"))
    # Valid, but for its own topic's year: shown so staff see why it is not in this year.
    return "noted", outcome(Refusal(
        "public_pass_counts_for_topic_year",
        f"该合格证书属于{p.topic_year}年度专题，计入{p.topic_year}年度而非{year}年度", "R6", "core"))


def _part_status(part: PartRequirement, counted: Iterable[Outcome]) -> PartStatus:
    earned = ZERO
    by_category: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for o in counted:
        earned += o.amount
        if o.category:
            by_category[o.category] += o.amount
    categories = {cat: CategoryStatus(minimum, by_category.get(cat, ZERO))
                  for cat, minimum in part.category_minima.items()}
    return PartStatus(part.kind, part.unit, part.minimum, earned, categories, part.decided_by,
                      part.regulation)


def assess_year(facts: PersonFacts, year: int, host: PluginHost) -> AnnualStatus:
    requirement = host.requirement(facts.series, year, facts.tenant)
    counted: dict[SubjectKind, list[Outcome]] = {SubjectKind.PUBLIC: [], SubjectKind.PROFESSIONAL: []}
    refused: list[Outcome] = []
    noted: list[Outcome] = []
    for p in facts.passes:
        placed = _pass_outcome(p, year, requirement.public.unit)
        if placed is None:
            continue
        bucket, outcome = placed
        {"counted": counted[SubjectKind.PUBLIC], "refused": refused, "noted": noted}[bucket].append(outcome)
    for r in facts.records:
        if r.year != year:
            continue
        part = requirement.part(r.kind)
        refusals = _record_refusals(r, part, facts.series, facts.tenant, host)
        detail = " ".join(x for x in (r.project_name, r.source) if x)
        if refusals:
            # Every reason is reported; the record is listed once per reason.
            refused.extend(Outcome("hour_record", r.record_id, r.kind, r.amount, r.unit, detail,
                                   reason, r.category) for reason in refusals)
        else:
            counted[r.kind].append(Outcome("hour_record", r.record_id, r.kind, r.amount, r.unit,
                                           detail, None, r.category))
    return AnnualStatus(
        person_id=facts.person_id, id_number=facts.id_number, name=facts.name,
        tenant_code=facts.tenant.code, series=facts.series, year=year,
        public=_part_status(requirement.public, counted[SubjectKind.PUBLIC]),
        professional=_part_status(requirement.professional, counted[SubjectKind.PROFESSIONAL]),
        counted=tuple(counted[SubjectKind.PUBLIC] + counted[SubjectKind.PROFESSIONAL]),
        refused=tuple(refused), noted=tuple(noted), requirement=requirement,
    )


# -- cycles (R21, R22) ---------------------------------------------------------------------


@dataclass(frozen=True)
class CyclePartYear:
    required: Decimal
    earned: Decimal
    cap: Decimal
    cap_decided_by: str

    @property
    def credited(self) -> Decimal:
        return min(self.earned, self.cap)

    @property
    def capped(self) -> bool:
        return self.earned > self.cap

    def as_dict(self) -> dict[str, Any]:
        return {"required": self.required, "earned": self.earned, "credited": self.credited,
                "cap": self.cap, "capped": self.capped, "cap_decided_by": self.cap_decided_by}


@dataclass(frozen=True)
class CycleYear:
    year: int
    public: CyclePartYear
    professional: CyclePartYear
    annual: AnnualStatus

    @property
    def capped(self) -> bool:
        return self.public.capped or self.professional.capped

    def as_dict(self) -> dict[str, Any]:
        return {"year": self.year, "public": self.public.as_dict(),
                "professional": self.professional.as_dict(),
                "earned": self.public.earned + self.professional.earned,
                "credited": self.public.credited + self.professional.credited,
                "capped": self.capped, "decided_by": self.annual.decided_by,
                "annual_complete": self.annual.complete}


@dataclass(frozen=True)
class CyclePartTotal:
    kind: SubjectKind
    unit: Unit
    required: Decimal
    credited: Decimal
    earned: Decimal
    years: int

    @property
    def missing(self) -> Decimal:
        return max(self.required - self.credited, ZERO)

    @property
    def average(self) -> Decimal:
        return (self.credited / self.years).quantize(CENT)

    def as_dict(self) -> dict[str, Any]:
        return {"required": self.required, "earned": self.earned, "credited": self.credited,
                "missing": self.missing, "average": self.average, "unit": self.unit.value,
                "complete": self.missing == ZERO}


@dataclass(frozen=True)
class CycleStatus:
    person_id: int
    id_number: str
    name: str
    tenant_code: str
    series: str
    first_year: int
    last_year: int
    years: tuple[CycleYear, ...]
    public: CyclePartTotal
    professional: CyclePartTotal

    @property
    def complete(self) -> bool:
        return self.public.missing == ZERO and self.professional.missing == ZERO

    @property
    def capped_years(self) -> list[int]:
        return [y.year for y in self.years if y.capped]

    @property
    def decided_by(self) -> str:
        return self.years[-1].annual.decided_by

    def as_dict(self) -> dict[str, Any]:
        return {
            "person": {"id_number": mask(self.id_number), "name": self.name,
                       "tenant": self.tenant_code, "series": self.series},
            "cycle": f"{self.first_year}-{self.last_year}",
            "complete": self.complete,
            "public": self.public.as_dict(),
            "professional": self.professional.as_dict(),
            "capped_years": self.capped_years,
            "decided_by": self.decided_by,
            "years": [y.as_dict() for y in self.years],
        }


def _cycle_required(parts: Sequence[PartRequirement]) -> Decimal:
    """What the cycle asks: each year's share, by the rule in force that year (R3) — its annual
    minimum, or its fixed cycle's total pro rata where a plugin sets one (school teachers)."""
    def share(p: PartRequirement) -> Decimal:
        if p.cycle_years and p.cycle_total is not None:
            return p.cycle_total / p.cycle_years
        return p.minimum

    return sum((share(p) for p in parts), ZERO).quantize(CENT)


def cycle_years(first_year: int, last_year: int) -> list[int]:
    if last_year < first_year:
        raise ValidationFailed("周期的结束年度早于开始年度", code="bad_cycle")
    return list(range(first_year, last_year + 1))


def assess_cycle(facts: PersonFacts, first_year: int, last_year: int, host: PluginHost) -> CycleStatus:
    years = []
    for year in cycle_years(first_year, last_year):
        annual = assess_year(facts, year, host)
        per_kind = []
        for status, part in ((annual.public, annual.requirement.public),
                             (annual.professional, annual.requirement.professional)):
            cap, by = host.cycle_cap(part, facts.series, year, facts.tenant)
            per_kind.append(CyclePartYear(part.minimum, status.earned, cap, by))
        years.append(CycleYear(year, per_kind[0], per_kind[1], annual))
    totals = []
    for kind in (SubjectKind.PUBLIC, SubjectKind.PROFESSIONAL):
        parts = [y.annual.requirement.part(kind) for y in years]
        rows = [y.public if kind is SubjectKind.PUBLIC else y.professional for y in years]
        totals.append(CyclePartTotal(
            kind, parts[-1].unit, _cycle_required(parts),
            sum((r.credited for r in rows), ZERO), sum((r.earned for r in rows), ZERO), len(years)))
    return CycleStatus(facts.person_id, facts.id_number, facts.name, facts.tenant.code, facts.series,
                       first_year, last_year, tuple(years), totals[0], totals[1])


# -- loading -------------------------------------------------------------------------------


def load_facts(session: Session, person_ids: Sequence[int], years: Sequence[int],
               city_code: str = "340800") -> dict[int, PersonFacts]:
    """Everything the assessment needs for these persons and years, in a few queries per chunk."""
    out: dict[int, PersonFacts] = {}
    lo, hi = min(years), max(years)
    tenants: dict[int, TenantInfo] = {}
    for chunk in chunked(list(person_ids)):
        for person, tenant in session.execute(
                select(Person, Tenant).join(Tenant, Tenant.id == Person.tenant_id)
                .where(Person.id.in_(chunk))):
            if tenant.id not in tenants:
                tenants[tenant.id] = tenant_info(tenant, city_code)
            out[person.id] = PersonFacts(person.id, person.id_number, person.name, person.series,
                                         tenants[tenant.id])
        rows = session.execute(
            select(HourRecord.id, HourRecord.person_id, HourRecord.year, HourRecord.kind,
                   HourRecord.amount, HourRecord.unit, HourRecord.category, HourRecord.project_name,
                   HourRecord.source, HourRecord.training_id, Training.status)
            .outerjoin(Training, Training.id == HourRecord.training_id)
            .where(HourRecord.person_id.in_(chunk), HourRecord.year.between(lo, hi))
            .order_by(HourRecord.id))
        for (rid, pid, year, kind, amount, unit, category, project, source, training_id,
             training_status) in rows:
            out[pid].records.append(HourFacts(
                rid, year, SubjectKind(kind), Decimal(amount).quantize(CENT), Unit(unit), category,
                project or "", source or "", training_id, training_status))
        passes = session.execute(
            select(PublicSubjectPass.id, PublicSubjectPass.person_id, PublicTopic.name,
                   PublicTopic.year, PublicTopic.hours, PublicTopic.window_start,
                   PublicTopic.window_end, PublicSubjectPass.passed_on,
                   PublicSubjectPass.certificate_no)
            .join(PublicTopic, PublicTopic.id == PublicSubjectPass.topic_id)
            .where(PublicSubjectPass.person_id.in_(chunk),
                   or_(PublicTopic.year.between(lo, hi),
                       and_(PublicSubjectPass.passed_on >= date(lo, 1, 1),
                            PublicSubjectPass.passed_on <= date(hi, 12, 31))))
            .order_by(PublicSubjectPass.passed_on))
        for (pass_id, pid, name, topic_year, hours, start, end, passed_on, cert) in passes:
            out[pid].passes.append(PassFacts(pass_id, name, topic_year, Decimal(hours).quantize(CENT),
                                             start, end, passed_on, cert))
    return out


def evaluate_persons(session: Session, host: PluginHost, person_ids: Sequence[int], year: int,
                     city_code: str = "340800") -> list[AnnualStatus]:
    """Annual status of each person for ``year`` (in ``person_ids`` order, unknown ids skipped)."""
    out: list[AnnualStatus] = []
    for chunk in chunked(list(person_ids)):
        facts = load_facts(session, chunk, [year], city_code)
        out.extend(assess_year(facts[pid], year, host) for pid in chunk if pid in facts)
    return out


def evaluate_person_year(session: Session, host: PluginHost, person: Person, year: int,
                         city_code: str = "340800") -> AnnualStatus:
    return assess_year(load_facts(session, [person.id], [year], city_code)[person.id], year, host)


def evaluate_person_cycle(session: Session, host: PluginHost, person: Person, first_year: int,
                          last_year: int, city_code: str = "340800") -> CycleStatus:
    facts = load_facts(session, [person.id], cycle_years(first_year, last_year), city_code)
    return assess_cycle(facts[person.id], first_year, last_year, host)


def parse_cycle(text: str) -> tuple[int, int]:
    """'2019-2023' → (2019, 2023)."""
    try:
        first, last = (int(x) for x in text.replace("–", "-").split("-"))
    except ValueError as exc:
        raise ValidationFailed(f"周期格式应为 2019-2023，收到「{text}」", code="bad_cycle") from exc
    if not (1990 <= first <= last <= 2100):
        raise ValidationFailed(f"周期「{text}」不合理", code="bad_cycle")
    return first, last
