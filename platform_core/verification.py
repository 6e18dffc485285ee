"""Bulk verification (R16): evaluate and record the annual status of many persons at once.

The city office verifies every tenant's persons for a year. Doing that one ORM object per
hour record is ~45× slower than letting the database add up (see docs/workers.md), so:

- totals come from one ``GROUP BY`` per chunk with ``sum(...) FILTER (WHERE ...)`` over hour
  records joined to their trainings (R12: hours of an unapproved training do not count),
  per (person, kind, unit, category) so unit mismatches (R3) and category minima (CME I类/II类)
  are decided from sums, plus one over public passes in their window (R6, R7);
- requirements come from the plugins once per (series, tenant) and chunk;
- only where a plugin validates single records (``ceplat_validate_hour_record``) for a
  series are that series' records read one by one and passed through the hook;
- results are upserted in bulk into ``annual_statuses`` in the same transaction that marks
  the chunk done, so a chunk is either wholly recorded or not at all, and a redelivered
  chunk finds itself done and writes nothing.

``compute_statuses`` must agree with ``platform_core.evaluation.assess_year`` for every
person (``row_from_status`` turns the reference result into the same row; a test compares).
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import ColumnElement, Connection, Select, Table, and_, func, not_, or_, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session, sessionmaker

from platform_core import audit, jobs
from platform_core.authz.actions import Action
from platform_core.authz.actors import Actor
from platform_core.authz.enforcer import PlatformEnforcer
from platform_core.authz.service import authorize
from platform_core.batching import chunked
from platform_core.errors import NotFound, ValidationFailed
from platform_core.evaluation import AnnualStatus, PartStatus
from platform_core.models import (
    AnnualStatusRow,
    HourRecord,
    Job,
    Person,
    PublicSubjectPass,
    PublicTopic,
    Tenant,
    Training,
    utcnow,
)
from platform_core.people import persons_by_id_number
from platform_core.plugins import PluginHost
from platform_core.requirements import HourFacts, Requirement, SubjectKind, TenantInfo, Unit
from platform_core.tenancy import get_tenant, tenant_info
from platform_core.validation import idnumber

log = logging.getLogger(__name__)

VERIFICATION = "verification"
DEFAULT_CHUNK_SIZE = 2000
ZERO = Decimal(0)
CENT = Decimal("0.01")
PUBLIC, PROFESSIONAL = SubjectKind.PUBLIC.value, SubjectKind.PROFESSIONAL.value
VALIDATE_HOOK = "ceplat_validate_hour_record"

# The columns a verification decides; a re-run that decides the same values changes nothing.
RESULT_COLUMNS = (
    "tenant_id", "series", "complete",
    "public_unit", "public_required", "public_earned", "public_missing",
    "professional_unit", "professional_required", "professional_earned", "professional_missing",
    "categories", "public_decided_by", "professional_decided_by", "refused",
)


# -- which persons -------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """Persons by id range (inclusive), optionally restricted to ids and to tenants."""

    first_id: int | None = None
    last_id: int | None = None
    person_ids: Sequence[int] | None = None
    tenant_ids: Sequence[int] | None = None

    def on_persons(self) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.first_id is not None and self.last_id is not None:
            out.append(Person.id.between(self.first_id, self.last_id))
        if self.person_ids is not None:
            out.append(Person.id.in_(list(self.person_ids)))
        if self.tenant_ids is not None:
            out.append(Person.tenant_id.in_(list(self.tenant_ids)))
        return out

    def on(self, person_id: Any) -> list[ColumnElement[bool]]:
        """The id range again on a child table's person_id, so its (person_id, year) index is
        used (PostgreSQL does not carry ranges across a join's equality)."""
        if self.first_id is not None and self.last_id is not None:
            return [person_id.between(self.first_id, self.last_id)]
        return []


# -- the computation -----------------------------------------------------------------------


class _Tally:
    """What counts for one person: earned per kind, per (kind, category), and refusals."""

    __slots__ = ("public", "professional", "categories", "refused")

    def __init__(self) -> None:
        self.public = self.professional = ZERO
        self.categories: dict[tuple[str, str], Decimal] = {}
        self.refused = 0

    def add(self, kind: str, category: str | None, amount: Decimal) -> None:
        if kind == PUBLIC:
            self.public += amount
        else:
            self.professional += amount
        if category is not None:
            key = (kind, category)
            self.categories[key] = self.categories.get(key, ZERO) + amount


_NOTHING = _Tally()  # persons without any record or pass this year


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT)


def validated_series(host: PluginHost) -> frozenset[str] | None:
    """Series whose records a plugin judges one by one; None when some plugin judges all."""
    out: set[str] = set()
    for listing in host.listings():
        if VALIDATE_HOOK in listing.hooks:
            if not listing.info.series:
                return None
            out.update(listing.info.series)
    return frozenset(out)


@dataclass(frozen=True)
class _Shape:
    """What one requirement fixes in every row it decides, worked out once per requirement."""

    base: dict[str, Any]  # units, required minima, who decided
    public_min: Decimal
    professional_min: Decimal
    minima: tuple[tuple[str, str, Decimal, str], ...]  # (kind, category, minimum, minimum as text)

    @classmethod
    def of(cls, req: Requirement) -> _Shape:
        base: dict[str, Any] = {}
        minima: list[tuple[str, str, Decimal, str]] = []
        for prefix, part in (("public", req.public), ("professional", req.professional)):
            base[f"{prefix}_unit"] = part.unit.value
            base[f"{prefix}_required"] = _q(part.minimum)
            base[f"{prefix}_decided_by"] = part.decided_by
            minima.extend((part.kind.value, cat, minimum, str(_q(minimum)))
                          for cat, minimum in part.category_minima.items())
        return cls(base, req.public.minimum, req.professional.minimum, tuple(minima))


def _row(person_id: int, year: int, tenant_id: int, series: str, shape: _Shape,
         earned_public: Decimal, earned_professional: Decimal,
         tally_cats: dict[tuple[str, str], Decimal], refused: int) -> dict[str, Any]:
    """One ``annual_statuses`` row; the same arithmetic as ``PartStatus.missing``."""
    short_public = short_professional = ZERO
    categories = None
    if shape.minima:
        detail: dict[str, dict[str, dict[str, str]]] = {}
        for kind, cat, minimum, minimum_text in shape.minima:
            got = tally_cats.get((kind, cat), ZERO)
            if got < minimum:
                if kind == PUBLIC:
                    short_public += minimum - got
                else:
                    short_professional += minimum - got
            detail.setdefault(kind, {})[cat] = {"required": minimum_text, "earned": str(_q(got))}
        categories = json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    missing_public = max(shape.public_min - earned_public, short_public, ZERO)
    missing_professional = max(shape.professional_min - earned_professional, short_professional, ZERO)
    row = dict(shape.base)
    row.update(person_id=person_id, year=year, tenant_id=tenant_id, series=series,
               complete=missing_public == ZERO and missing_professional == ZERO,
               public_earned=_q(earned_public), public_missing=_q(missing_public),
               professional_earned=_q(earned_professional), professional_missing=_q(missing_professional),
               categories=categories, refused=refused)
    return row


def row_from_status(status: AnnualStatus, tenant_id: int) -> dict[str, Any]:
    """The reference implementation's answer as an ``annual_statuses`` row (result columns)."""
    cats: dict[tuple[str, str], Decimal] = {}
    for part in (status.public, status.professional):
        cats.update(_status_categories(part))
    return _row(status.person_id, status.year, tenant_id, status.series, _Shape.of(status.requirement),
                status.public.earned, status.professional.earned, cats, len(status.refused))


def _status_categories(part: PartStatus) -> dict[tuple[str, str], Decimal]:
    return {(part.kind.value, cat): c.earned for cat, c in part.categories.items()}


class _Requirements:
    """Requirements per (series, tenant) for one year: plugins are asked once for each."""

    def __init__(self, host: PluginHost, year: int, tenants: dict[int, TenantInfo]):
        self._host, self._year, self._tenants = host, year, tenants
        self._cache: dict[tuple[str, int], tuple[Requirement, _Shape]] = {}

    def _load(self, series: str, tenant_id: int) -> tuple[Requirement, _Shape]:
        req = self._host.requirement(series, self._year, self._tenants[tenant_id])
        found = self._cache[(series, tenant_id)] = (req, _Shape.of(req))
        return found

    def get(self, series: str, tenant_id: int) -> Requirement:
        found = self._cache.get((series, tenant_id)) or self._load(series, tenant_id)
        return found[0]

    def shape(self, series: str, tenant_id: int) -> _Shape:
        found = self._cache.get((series, tenant_id)) or self._load(series, tenant_id)
        return found[1]


def _approved() -> ColumnElement[bool]:
    # R12: hours from a training that is not approved are not counted.
    return or_(HourRecord.training_id.is_(None), func.coalesce(Training.status, "") == "approved")


@dataclass
class _Pass:
    """One computation over a selection: what the tally steps share."""

    conn: Connection
    host: PluginHost
    year: int
    selection: Selection
    who: dict[int, tuple[int, str]]  # person id -> (tenant id, series)
    tenants: dict[int, TenantInfo]
    reqs: _Requirements
    tallies: defaultdict[int, _Tally] = field(default_factory=lambda: defaultdict(_Tally))

    def records(self, *columns: Any) -> Select[Any]:
        """The year's hour records of the selected persons, with their trainings."""
        return (select(*columns).select_from(HourRecord).join(Person, Person.id == HourRecord.person_id)
                .outerjoin(Training, Training.id == HourRecord.training_id)
                .where(HourRecord.year == self.year, *self.selection.on_persons(),
                       *self.selection.on(HourRecord.person_id)))


def compute_statuses(session: Session, host: PluginHost, year: int, selection: Selection, *,
                     city_code: str = "340800") -> list[dict[str, Any]]:
    """The annual status of every selected person for ``year``, as ``annual_statuses`` rows
    (result columns, in person id order). Reads only; writing is ``write_statuses``."""
    # Core execution on the session's connection: plain tuples, no ORM row processing.
    conn = session.connection()
    persons = conn.execute(select(Person.id, Person.tenant_id, Person.series)
                           .where(*selection.on_persons()).order_by(Person.id)).all()
    if not persons:
        return []
    tenants = {t.id: tenant_info(t, city_code) for t in session.scalars(select(Tenant))}
    run = _Pass(conn, host, year, selection, {pid: (tenant_id, series) for pid, tenant_id, series in persons},
                tenants, _Requirements(host, year, tenants))
    per_record = validated_series(host)
    if per_record is not None:
        _tally_grouped(run, per_record)
    if per_record is None or per_record:
        _tally_one_by_one(run, per_record)
    _tally_passes(run)
    rows = []
    for pid, (tenant_id, series) in run.who.items():
        tally = run.tallies.get(pid, _NOTHING)
        rows.append(_row(pid, year, tenant_id, series, run.reqs.shape(series, tenant_id), tally.public,
                         tally.professional, tally.categories, tally.refused))
    return rows


def _tally_grouped(run: _Pass, skip_series: frozenset[str]) -> None:
    """Records summed by the database per (person, kind, unit, category)."""
    approved = _approved()
    stmt = run.records(HourRecord.person_id, HourRecord.kind, HourRecord.unit, HourRecord.category,
                       func.sum(HourRecord.amount).filter(approved), func.count().filter(approved),
                       func.count().filter(not_(approved)))
    if skip_series:
        stmt = stmt.where(Person.series.not_in(sorted(skip_series)))
    stmt = stmt.group_by(HourRecord.person_id, HourRecord.kind, HourRecord.unit, HourRecord.category)
    for pid, kind, unit, category, amount, n_ok, n_refused in run.conn.execute(stmt).all():
        tally = run.tallies[pid]
        tally.refused += n_refused  # R12
        if not n_ok:
            continue
        tenant_id, series = run.who[pid]
        part = run.reqs.get(series, tenant_id).part(SubjectKind(kind))
        if unit != part.unit.value:
            tally.refused += n_ok  # R3: a record in another unit cannot count as is
        else:
            tally.add(kind, category, amount)


def _tally_one_by_one(run: _Pass, series: frozenset[str] | None) -> None:
    """Records of series a plugin judges record by record: the same order of checks as
    ``assess_year`` (R12, then unit, then the plugins' reasons)."""
    stmt = run.records(HourRecord.id, HourRecord.person_id, HourRecord.kind, HourRecord.amount,
                       HourRecord.unit, HourRecord.category, HourRecord.project_name, HourRecord.source,
                       HourRecord.training_id, Training.status)
    if series is not None:
        stmt = stmt.where(Person.series.in_(sorted(series)))
    for rid, pid, kind, amount, unit, category, project, source, training_id, training_status in (
            run.conn.execute(stmt).all()):
        tally = run.tallies[pid]
        if training_id is not None and training_status != "approved":
            tally.refused += 1
            continue
        tenant_id, person_series = run.who[pid]
        subject = SubjectKind(kind)
        part = run.reqs.get(person_series, tenant_id).part(subject)
        if unit != part.unit.value:
            tally.refused += 1
            continue
        amount = _q(Decimal(amount))
        facts = HourFacts(rid, run.year, subject, amount, Unit(unit), category, project or "", source or "",
                          training_id, training_status)
        refusals = run.host.validate_hour_record(facts, part, person_series, run.tenants[tenant_id])
        if refusals:
            tally.refused += len(refusals)
        else:
            tally.add(kind, category, amount)


def _tally_passes(run: _Pass) -> None:
    """Public passes (R5–R7), summed by the database per person."""
    year = run.year
    this_year = PublicTopic.year == year
    in_window = PublicSubjectPass.passed_on.between(PublicTopic.window_start, PublicTopic.window_end)
    # R6: this year's topic outside its window; R7: another year's topic passed after its cut-off,
    # R6 too: one passed before its window opened. Another year's topic passed in its window is
    # valid for that year: noted, neither counted nor refused (as `assess_year` decides).
    refused = or_(and_(this_year, not_(in_window)),
                  and_(PublicTopic.year != year, not_(in_window)))
    stmt = (
        select(PublicSubjectPass.person_id, func.sum(PublicTopic.hours).filter(and_(this_year, in_window)),
               func.count().filter(refused))
        .select_from(PublicSubjectPass).join(PublicTopic, PublicTopic.id == PublicSubjectPass.topic_id)
        .join(Person, Person.id == PublicSubjectPass.person_id)
        .where(or_(this_year, PublicSubjectPass.passed_on.between(date(year, 1, 1), date(year, 12, 31))),
               *run.selection.on_persons(), *run.selection.on(PublicSubjectPass.person_id))
        .group_by(PublicSubjectPass.person_id))
    for pid, hours, n_refused in run.conn.execute(stmt).all():
        tally = run.tallies[pid]
        tally.refused += n_refused
        if hours is not None:
            tally.public += hours


# -- writing -------------------------------------------------------------------------------


def write_statuses(session: Session, rows: Sequence[dict[str, Any]], *, job_id: int | None = None,
                   batch: int = 2000) -> int:
    """Upsert rows keyed by (person_id, year); returns how many were inserted or changed.

    A row whose result columns are unchanged is not touched (``ON CONFLICT DO UPDATE ...
    WHERE ... IS DISTINCT FROM``), so running a verification twice stores identical rows.
    """
    if not rows:
        return 0
    now = utcnow()
    if session.get_bind().dialect.name == "postgresql":
        return _write_copy(session, rows, job_id, now)
    table = cast(Table, AnnualStatusRow.__table__)
    insert = sqlite.insert(table)
    stmt = insert.on_conflict_do_update(
        index_elements=[table.c.person_id, table.c.year],
        set_={c: insert.excluded[c] for c in (*RESULT_COLUMNS, "job_id", "evaluated_at")},
        where=or_(*(table.c[c].is_distinct_from(insert.excluded[c]) for c in RESULT_COLUMNS)),
    ).returning(table.c.person_id)
    changed = 0
    for start in range(0, len(rows), batch):
        params = [{**r, "job_id": job_id, "evaluated_at": now} for r in rows[start:start + batch]]
        changed += len(session.execute(stmt, params).all())
    return changed


# PostgreSQL: COPY the rows into a temporary table (formatted in C by psycopg), then one
# INSERT ... SELECT upserts them: a tenth of the client time of a VALUES list or of arrays.
_PG_STAGE = "annual_statuses_stage"
_PG_COLUMNS = ("person_id", "year", *RESULT_COLUMNS)
_PG_PREPARE = (f"CREATE TEMPORARY TABLE IF NOT EXISTS {_PG_STAGE} ON COMMIT DELETE ROWS AS "
               f"SELECT {', '.join(_PG_COLUMNS)} FROM annual_statuses WITH NO DATA")
_PG_UPSERT = (
    f"INSERT INTO annual_statuses ({', '.join(_PG_COLUMNS)}, job_id, evaluated_at) "
    f"SELECT {', '.join(_PG_COLUMNS)}, %(job_id)s::integer, %(now)s::timestamptz FROM {_PG_STAGE} "
    "ON CONFLICT (person_id, year) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in (*RESULT_COLUMNS, "job_id", "evaluated_at"))
    + f" WHERE ({', '.join('annual_statuses.' + c for c in RESULT_COLUMNS)}) IS DISTINCT FROM "
    f"({', '.join('EXCLUDED.' + c for c in RESULT_COLUMNS)}) "
    "RETURNING person_id")


def _write_copy(session: Session, rows: Sequence[dict[str, Any]], job_id: int | None, now: Any) -> int:
    # The raw psycopg connection under the session's own connection: the same transaction.
    raw = session.connection().connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur:
        cur.execute(_PG_PREPARE)
        cur.execute(f"TRUNCATE {_PG_STAGE}")
        with cur.copy(f"COPY {_PG_STAGE} ({', '.join(_PG_COLUMNS)}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row([r[c] for c in _PG_COLUMNS])
        cur.execute(_PG_UPSERT, {"job_id": job_id, "now": now})
        return len(cur.fetchall())


# -- jobs ----------------------------------------------------------------------------------


def person_ids_for(session: Session, id_numbers: Sequence[str]) -> list[int]:
    """Person ids for ID numbers; NotFound naming every unknown one."""
    found = persons_by_id_number(session, id_numbers)
    unknown = sorted(set(id_numbers) - set(found))
    if unknown:
        shown = "、".join(idnumber.mask(n) for n in unknown[:5])
        raise NotFound(f"找不到 {len(unknown)} 名专业技术人员：{shown}", code="person_not_found")
    return sorted(row.id for row in found.values())


def plan_verification(session: Session, actor: Actor, year: int, *,
                      enforcer: PlatformEnforcer | None = None, tenant_codes: Sequence[str] | None = None,
                      person_ids: Sequence[int] | None = None,
                      chunk_size: int = DEFAULT_CHUNK_SIZE) -> Job:
    """A verification job with its chunks: every person of the tenants (None: all tenants), or
    exactly ``person_ids``. Flushed, not committed: enqueue its chunks after the commit.

    Final verification is the city bureau's (R16): the actor must be allowed
    ``batch.final_verify`` in every tenant it touches; the job is stamped (R24).
    """
    if not 1990 <= year <= 2100:
        raise ValidationFailed(f"年度 {year} 不合理", code="bad_year")
    if chunk_size < 1:
        raise ValidationFailed("每块人数至少为 1", code="bad_chunk_size")
    if tenant_codes is not None and person_ids is not None:
        raise ValidationFailed("按租户或按人员验证，二者只能选一", code="usage")
    tenant_ids: list[int] | None = None
    codes: list[str] | None = None
    if tenant_codes is not None:
        tenants = [get_tenant(session, code) for code in tenant_codes]
        tenant_ids, codes = sorted({t.id for t in tenants}), sorted({t.code for t in tenants})
    if person_ids is not None:
        wanted = sorted(set(person_ids))
        ids: list[int] = []
        for part in chunked(wanted, 1000):
            ids.extend(session.scalars(select(Person.id).where(Person.id.in_(list(part)))))
        ids.sort()
        missing = len(wanted) - len(ids)
        if missing:
            raise NotFound(f"有 {missing} 个人员编号不存在", code="person_not_found")
        chunks = [jobs.ChunkSpec(c[0], c[-1], len(c), list(c)) for c in chunked(ids, chunk_size)]
    else:
        stmt = select(Person.id).order_by(Person.id)
        if tenant_ids is not None:
            stmt = stmt.where(Person.tenant_id.in_(tenant_ids))
        ids = list(session.scalars(stmt))
        chunks = [jobs.ChunkSpec(c[0], c[-1], len(c)) for c in chunked(ids, chunk_size)]
    if tenant_ids is None and person_ids is not None:
        tenant_ids_touched: set[int] = set()
        for part in chunked(ids, 1000):
            tenant_ids_touched.update(session.scalars(
                select(Person.tenant_id).where(Person.id.in_(list(part))).distinct()))
        touched = _tenant_codes(session, sorted(tenant_ids_touched))
    else:
        touched = _tenant_codes(session, tenant_ids)
    for code in touched:
        authorize(enforcer, actor, Action.BATCH_FINAL_VERIFY, code)
    params = {"tenants": codes, "tenant_ids": tenant_ids,
              "persons": len(person_ids) if person_ids is not None else None, "chunk_size": chunk_size}
    job = jobs.create_job(session, VERIFICATION, chunks, year=year, params=params, created_by=actor.label)
    audit.stamp(session, actor, Action.BATCH_FINAL_VERIFY, tenant_code=codes[0] if codes and len(codes) == 1
                else None, object_type="job", object_id=job.id,
                after={"year": year, "tenants": codes or "all", "persons": job.total_items,
                       "chunks": job.total_chunks})
    return job


def _tenant_codes(session: Session, tenant_ids: Sequence[int] | None) -> list[str]:
    stmt = select(Tenant.code).order_by(Tenant.code)
    if tenant_ids is not None:
        stmt = stmt.where(Tenant.id.in_(list(tenant_ids)))
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class ChunkOutcome:
    chunk_id: int
    job_id: int
    persons: int
    complete: int
    changed: int
    skipped: bool  # already done: a redelivery, nothing written

    def as_dict(self) -> dict[str, Any]:
        return {"chunk_id": self.chunk_id, "job_id": self.job_id, "persons": self.persons,
                "complete": self.complete, "changed": self.changed, "skipped": self.skipped}


def run_chunk(session: Session, host: PluginHost, chunk_id: int, *,
              city_code: str = "340800") -> ChunkOutcome | None:
    """Verify one chunk in the caller's transaction: results and "chunk done" commit together.

    None when the chunk does not exist; ``skipped`` when it was already done.
    """
    chunk = jobs.lock_chunk(session, chunk_id)
    if chunk is None:
        return None
    if chunk.status == jobs.DONE:
        done = chunk.result or {}
        return ChunkOutcome(chunk.id, chunk.job_id, int(done.get("persons", 0)),
                            int(done.get("complete", 0)), 0, True)
    job = session.get(Job, chunk.job_id)
    assert job is not None and job.year is not None
    selection = Selection(chunk.first_id, chunk.last_id, chunk.item_ids,
                          (job.params or {}).get("tenant_ids"))
    rows = compute_statuses(session, host, job.year, selection, city_code=city_code)
    changed = write_statuses(session, rows, job_id=job.id)
    complete = sum(1 for r in rows if r["complete"])
    jobs.finish_chunk(session, chunk, chunk.items,
                      {"persons": len(rows), "complete": complete, "changed": changed})
    return ChunkOutcome(chunk.id, job.id, len(rows), complete, changed, False)


def run_job_inline(sessions: sessionmaker[Session], host: PluginHost, job_id: int, *,
                   city_code: str = "340800") -> list[ChunkOutcome]:
    """Run every pending chunk of a job in this process, one transaction per chunk."""
    with sessions() as session, session.begin():
        jobs.mark_running(session, job_id)
        pending = jobs.pending_chunk_ids(session, job_id)
    out = []
    for chunk_id in pending:
        with sessions() as session, session.begin():
            outcome = run_chunk(session, host, chunk_id, city_code=city_code)
        if outcome is not None:
            out.append(outcome)
    return out
