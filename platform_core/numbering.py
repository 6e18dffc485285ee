"""Certificate number allocation (R18–R20): only the city office allocates; one person, one number;
numbers gapless per (series, year), never reused, safe with many workers, idempotent on retry.

How it stays correct under concurrency:

- every batch is one transaction that first locks the ``number_counters`` row of its
  (series, year) (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the first statement is a
  write, which takes the database's write lock). Allocators of one series therefore run one
  batch at a time, and a batch that rolls back gives its sequences back: no gap;
- the application's rows still without a number are read *after* the lock is held, so a
  second run of the same application (a retried or redelivered task) sees what the first one
  committed and skips it: a row never gets a second number;
- a person who already has a number (any series, an earlier application, a renewal) keeps it;
- ``ce_certificates.number`` and ``ce_certificates.person_id`` are unique: when two series'
  allocators race for the same person, one transaction fails, rolls back its whole batch and
  is retried, and then finds the number the other one gave (``AllocationConflict`` is transient).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from platform_core import audit
from platform_core.applications import get_application
from platform_core.authz.actions import Action
from platform_core.authz.actors import Actor
from platform_core.authz.enforcer import PlatformEnforcer
from platform_core.authz.service import authorize
from platform_core.errors import CeplatError, ConfigurationError, NotFound, PermissionDenied
from platform_core.models import CECertificate, Person, Tenant, utcnow
from platform_core.models.numbering import NumberApplication, NumberApplicationRow, NumberCounter
from platform_core.reference import series_catalogue
from platform_core.runtime import Runtime

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
LOCAL_ATTEMPTS = 3

counters = cast(Table, NumberCounter.__table__)
rows_t = cast(Table, NumberApplicationRow.__table__)
certs = cast(Table, CECertificate.__table__)
persons = cast(Table, Person.__table__)
apps_t = cast(Table, NumberApplication.__table__)


class AllocationConflict(CeplatError):
    """Another transaction numbered the same person at the same time; the batch was rolled back."""

    code = "allocation_conflict"
    exit_code = 2
    http_status = 409


# Worth another try: lock waits, deadlocks, dropped connections, a lost race for a person.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (AllocationConflict, OperationalError)


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, TRANSIENT_ERRORS):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def require_allocator(session: Session, enforcer: PlatformEnforcer | None, actor: Actor,
                      tenant_code: str) -> None:
    """R18: only the city office allocates (policy ``number.allocate``, held by city_admin).

    The one place this is decided. ``enforcer`` None loads the policy from the database (the
    system actor, the shell operator, needs none)."""
    if enforcer is None and not actor.is_system:
        enforcer = PlatformEnforcer.load(session)
    try:
        authorize(enforcer, actor, Action.NUMBER_ALLOCATE, tenant_code)
    except (PermissionDenied, NotFound):
        if actor.is_system or enforcer is None:
            raise
        # A worker's policy copy may be a moment behind a grant (or a tenant) just committed:
        # a refusal is confirmed against the policy as committed now before it is given.
        enforcer.reload(session)
        authorize(enforcer, actor, Action.NUMBER_ALLOCATE, tenant_code)


@dataclass
class AllocationResult:
    application_id: int
    series: str
    year: int
    allocated: int = 0  # new numbers given by this run
    kept: int = 0  # persons who already had a number (R20), found by this run
    already_done: int = 0  # rows numbered by an earlier run (retry, redelivery): left alone
    first_number: str | None = None
    last_number: str | None = None
    batches: int = 0
    status: str = "pending"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class NumberFormat:
    template: str
    decided_by: str
    city: str
    series_code: str
    year: int

    def number(self, seq: int) -> str:
        return self.template.format(city=self.city, series_code=self.series_code, year=self.year, seq=seq)


def number_format(runtime: Runtime, series: str, year: int) -> NumberFormat:
    template, decided_by = runtime.plugins.certificate_number_format(series, year)
    if "{seq" not in template:
        raise ConfigurationError(f"证书编号格式“{template}”缺少 {{seq}}（插件 {decided_by}）",
                                 code="bad_number_format")
    fmt = NumberFormat(template, decided_by, runtime.settings.city_code,
                       series_catalogue().get(series).code, year)
    sample = fmt.number(999_999)
    if len(sample) > 32:
        raise ConfigurationError(f"证书编号格式“{template}”生成的编号超过32个字符", code="bad_number_format")
    return fmt


def _lock_counter(conn: Connection, series: str, year: int) -> int:
    from sqlalchemy.dialects import postgresql, sqlite

    upsert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    # A write first: on SQLite it takes the write lock before anything is read.
    conn.execute(upsert(counters).values(series=series, year=year, last_seq=0, updated_at=utcnow())
                 .on_conflict_do_nothing(index_elements=["series", "year"]))
    return conn.execute(select(counters.c.last_seq)
                        .where(counters.c.series == series, counters.c.year == year)
                        .with_for_update()).scalar_one()


# On PostgreSQL a batch writes with one statement per table over arrays: per-row executemany
# costs the worker more CPU than the database spends on the whole batch.
_PG_INSERT_CERTS = text(
    "INSERT INTO ce_certificates (person_id, tenant_id, number, series, source, allocated_at, created_at) "
    "SELECT v.p, v.t, v.n, :series, 'allocated', :now, :now "
    "FROM unnest(CAST(:persons AS integer[]), CAST(:tenants AS integer[]), CAST(:numbers AS varchar[])) "
    "AS v(p, t, n)")
_PG_MARK_ROWS = text(
    "UPDATE number_application_rows AS r SET certificate_number = v.n, outcome = v.o, numbered_at = :now "
    "FROM unnest(CAST(:ids AS integer[]), CAST(:numbers AS varchar[]), CAST(:outcomes AS varchar[])) "
    "AS v(id, n, o) WHERE r.id = v.id")


def _free_numbers(conn: Connection, fmt: NumberFormat, after_seq: int, count: int) -> list[tuple[int, str]]:
    """The next ``count`` (seq, number) pairs after ``after_seq`` whose number nobody holds.

    A number can already be held when it was imported with a person (recorded history from
    before the platform): its sequence is in use, so it is skipped, never given twice (R20).
    """
    out: list[tuple[int, str]] = []
    seq = after_seq
    while len(out) < count:
        candidates = [(s, fmt.number(s)) for s in range(seq + 1, seq + 1 + count - len(out))]
        taken = set(conn.execute(select(certs.c.number)
                                 .where(certs.c.number.in_([n for _, n in candidates]))).scalars())
        out.extend((s, n) for s, n in candidates if n not in taken)
        seq = candidates[-1][0]
    return out


@dataclass
class BatchOutcome:
    allocated: int
    kept: int
    first: str | None
    last: str | None


def allocate_batch(conn: Connection, application_id: int, fmt: NumberFormat, series: str,
                   batch_size: int = BATCH_SIZE) -> BatchOutcome | None:
    """Number the next ``batch_size`` unnumbered rows in the caller's transaction; None when done."""
    last_seq = _lock_counter(conn, series, fmt.year)
    todo = conn.execute(
        select(rows_t.c.id, rows_t.c.person_id, certs.c.id, certs.c.number, persons.c.tenant_id)
        .select_from(rows_t.join(persons, persons.c.id == rows_t.c.person_id)
                     .outerjoin(certs, certs.c.person_id == rows_t.c.person_id))
        .where(rows_t.c.application_id == application_id, rows_t.c.certificate_number.is_(None))
        .order_by(rows_t.c.row_no).limit(batch_size)).all()
    if not todo:
        return None
    now = utcnow()
    free = iter(_free_numbers(conn, fmt, last_seq, sum(1 for *_, existing, _t in todo if not existing)))
    seq = last_seq
    marks: list[dict[str, Any]] = []
    new_certs: list[dict[str, Any]] = []
    unnumbered: list[tuple[int, str]] = []
    first = last = None
    kept = allocated = 0
    for row_id, person_id, cert_id, existing, tenant_id in todo:
        if existing:
            marks.append({"rid": row_id, "number": existing, "outcome": "kept"})
            kept += 1
            continue
        seq, number = next(free)
        allocated += 1
        first = first or number
        last = number
        marks.append({"rid": row_id, "number": number, "outcome": "allocated"})
        if cert_id is None:
            new_certs.append({"person_id": person_id, "tenant_id": tenant_id, "number": number,
                              "series": series, "source": "allocated", "allocated_at": now,
                              "created_at": now})
        else:
            unnumbered.append((cert_id, number))
    postgres = conn.dialect.name == "postgresql"
    try:
        if new_certs and postgres:
            conn.execute(_PG_INSERT_CERTS, {
                "series": series, "now": now, "persons": [c["person_id"] for c in new_certs],
                "tenants": [c["tenant_id"] for c in new_certs], "numbers": [c["number"] for c in new_certs]})
        elif new_certs:
            conn.execute(insert(certs), new_certs)
        for cert_id, number in unnumbered:
            done = conn.execute(update(certs).where(certs.c.id == cert_id, certs.c.number.is_(None))
                                .values(number=number, series=series, allocated_at=now))
            if done.rowcount != 1:
                raise AllocationConflict("该人员的证书编号刚被另一分配任务写入", code="allocation_conflict")
    except IntegrityError as exc:
        raise AllocationConflict(f"证书编号分配冲突，已回滚本批：{exc.orig}",
                                 code="allocation_conflict") from exc
    if postgres:
        conn.execute(_PG_MARK_ROWS, {"now": now, "ids": [m["rid"] for m in marks],
                                     "numbers": [m["number"] for m in marks],
                                     "outcomes": [m["outcome"] for m in marks]})
    else:
        conn.execute(update(rows_t).where(rows_t.c.id == bindparam("rid"))
                     .values(certificate_number=bindparam("number"), outcome=bindparam("outcome"),
                             numbered_at=now), marks)
    if seq != last_seq:
        conn.execute(update(counters).where(counters.c.series == series, counters.c.year == fmt.year)
                     .values(last_seq=seq, updated_at=now))
    return BatchOutcome(allocated=allocated, kept=kept, first=first, last=last)


def _fix_year(runtime: Runtime, application_id: int, year: int) -> int:
    with runtime.engine.begin() as conn:
        apps = apps_t
        conn.execute(update(apps).where(apps.c.id == application_id, apps.c.number_year.is_(None))
                     .values(number_year=year))
        return conn.execute(select(apps.c.number_year).where(apps.c.id == application_id)).scalar_one()


def allocate_application(runtime: Runtime, application_id: int, actor: Actor, *,
                         enforcer: PlatformEnforcer | None = None,
                         batch_size: int = BATCH_SIZE, year: int | None = None,
                         on_batch: Callable[[AllocationResult], None] | None = None) -> AllocationResult:
    """Give every row of the application its number (R18–R20); safe to run again at any time.

    The year of the numbers is fixed on the application by the first run (default: this year).
    Raises PermissionDenied for anyone but the city office, NotFound for an unknown application.
    """
    with runtime.read() as session:
        application = get_application(session, application_id)
        tenant = session.get(Tenant, application.tenant_id)
        assert tenant is not None
        require_allocator(session, enforcer, actor, tenant.code)
        tenant_code = tenant.code
        series = application.series
        already = session.scalar(select(func.count()).select_from(rows_t).where(
            rows_t.c.application_id == application_id, rows_t.c.certificate_number.is_not(None))) or 0
    fixed_year = _fix_year(runtime, application_id, year or datetime.now().year)
    fmt = number_format(runtime, series, fixed_year)
    result = AllocationResult(application_id, series, fixed_year, already_done=already)
    while True:
        outcome = _batch_with_retries(runtime, application_id, fmt, series, batch_size, actor, tenant_code)
        if outcome is None:
            break
        result.batches += 1
        result.allocated += outcome.allocated
        result.kept += outcome.kept
        result.first_number = result.first_number or outcome.first
        result.last_number = outcome.last or result.last_number
        if on_batch:
            on_batch(result)
    result.status = _finish(runtime, application_id, actor)
    log.info("allocated numbers", extra={"application_id": application_id, "allocated": result.allocated,
                                         "kept": result.kept, "already_done": result.already_done})
    return result


def _batch_with_retries(runtime: Runtime, application_id: int, fmt: NumberFormat, series: str,
                        batch_size: int, actor: Actor, tenant_code: str) -> BatchOutcome | None:
    for attempt in range(1, LOCAL_ATTEMPTS + 1):
        try:
            with runtime.engine.begin() as conn:
                outcome = allocate_batch(conn, application_id, fmt, series, batch_size)
                if outcome is not None:
                    # R24: the stamp commits with the numbers it records, or not at all.
                    with Session(bind=conn) as session:
                        audit.stamp(session, actor, Action.NUMBER_ALLOCATE.value, tenant_code=tenant_code,
                                    object_type="number_application", object_id=application_id,
                                    after={"series": series, "year": fmt.year, "allocated": outcome.allocated,
                                           "kept": outcome.kept, "first": outcome.first,
                                           "last": outcome.last})
                return outcome
        except Exception as exc:
            if attempt == LOCAL_ATTEMPTS or not is_transient(exc):
                raise
            log.warning("allocation batch retried", extra={"application_id": application_id,
                                                           "attempt": attempt, "error": str(exc)})
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")


def _finish(runtime: Runtime, application_id: int, actor: Actor) -> str:
    apps = apps_t
    with runtime.engine.begin() as conn:
        pending = conn.execute(select(func.count()).select_from(rows_t).where(
            rows_t.c.application_id == application_id, rows_t.c.certificate_number.is_(None))).scalar_one()
        if pending:
            return "pending"
        # Only the first completing run records who allocated and when.
        conn.execute(update(apps).where(apps.c.id == application_id, apps.c.status != "allocated")
                     .values(status="allocated", allocated_by=actor.label, allocated_at=utcnow()))
    return "allocated"
