"""The benchmark of issue 4: ``python -m bench.run --persons N`` (``make bench``: 200,000;
``make bench-quick``: 20,000).

On PostgreSQL (a scratch database, ``ceplat_bench`` by default) and Redis, with real worker
processes, in one run:

(a) bulk verification of every person for one year through ``ceplat worker`` processes,
    persons/s, against the floor: ONE hand-written SQL statement (psycopg, no framework)
    that computes the same per-person totals and writes the same statuses. The two tables
    are then compared row by row: the floor must decide exactly what the platform decided;
(b) certificate-number allocation and (c) Attachment 3 import, from ``bench/numbers.py``
    (``bench_numbering``, ``bench_import``), when that module provides them;
(d) the peak RSS (VmHWM) of every worker process.

Prints a table and writes ``bench/results.json`` (figures, ratios, goals, pass/fail).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select, text

from platform_core import jobs, migrate, verification
from platform_core.authz.actors import Actor
from platform_core.db import make_engine
from platform_core.models import Person, Tenant
from platform_core.plugins import PluginHost, build_plugin_host
from platform_core.runtime import Runtime
from platform_core.settings import Settings
from platform_core.tenancy import tenant_info

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("CEPLAT_BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("CEPLAT_BENCH_REDIS_URL", "redis://127.0.0.1:6379")
YEAR = 2023
VERIFY_GOAL = 3.0  # verification within 3× of its floor
RSS_GOAL_MB = 500.0
# Wide enough for the table when the output is a file or a CI log (rich assumes 80 there).
console = Console(width=None if sys.stdout.isatty() else 160)


@dataclass
class Figure:
    section: str
    name: str
    value: float
    unit: str
    floor: float | None = None
    ratio: float | None = None  # how many times slower than the floor (time ratio)
    goal: str | None = None
    passed: bool | None = None
    note: str = ""


@dataclass
class Report:
    persons: int
    started: str
    machine: dict[str, Any]
    figures: list[Figure] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        return figure

    def as_dict(self) -> dict[str, Any]:
        goals = [f for f in self.figures if f.goal is not None]
        return {"persons": self.persons, "started": self.started, "machine": self.machine,
                "figures": [asdict(f) for f in self.figures], "skipped": self.skipped,
                "goals": {"total": len(goals), "passed": sum(1 for f in goals if f.passed),
                          "failed": [f.name for f in goals if f.passed is False]},
                "details": self.details}


# -- database --------------------------------------------------------------------------------


def db_url_for(name: str) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def recreate_database(name: str) -> str:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = db_url_for(name)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


def persons_in(url: str) -> int:
    try:
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT count(*) FROM persons").fetchone()
            return int(row[0]) if row else 0
    except psycopg.Error:
        return -1


def generate(url: str, persons: int, seed: int, host: PluginHost) -> dict[str, Any]:
    from platform_core.synthetic import generate_city

    engine = make_engine(url)
    started = time.perf_counter()
    with Progress(TextColumn("生成模拟城市"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("gen", total=persons)

        def progress(phase: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        summary = generate_city(engine, persons, seed=seed, years=range(2019, 2024), progress=progress,
                                host=host, tenants_dir=ROOT / "tenants")
    seconds = time.perf_counter() - started
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return {"persons": summary.persons, "hour_records": summary.hour_records,
            "public_passes": summary.public_passes, "seconds": round(seconds, 2)}


def counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        out = {}
        for table in ("persons", "hour_records", "public_subject_passes", "trainings"):
            row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608 - fixed names
            out[table] = int(row[0]) if row else 0
        return out


# -- (a) the floor: one hand-written statement --------------------------------------------


def requirement_values(url: str, host: PluginHost, year: int) -> tuple[str, Decimal]:
    """The requirements per (series, tenant) as a VALUES list: configuration the floor reads,
    decided by the same plugins (which rules apply is not the work being measured)."""
    engine = make_engine(url)
    rows = []
    caps = set()
    with engine.connect() as conn:
        tenants = {t.id: t for t in conn.execute(select(Tenant)).all()}
        pairs = conn.execute(select(Person.series, Person.tenant_id).distinct()).all()
        for series, tenant_id in pairs:
            t = tenants[tenant_id]
            info = tenant_info(t, "340800")  # type: ignore[arg-type]
            req = host.requirement(series, year, info)
            minima = dict(req.professional.category_minima)
            if req.public.category_minima or set(minima) - {"I类", "II类"}:
                raise SystemExit(f"the floor knows only CME I类/II类 minima, not {minima}")
            # The health plugin judges single CME records (category, per-project cap).
            cme = req.professional.decided_by == "health"
            caps.add(Decimal(str((info.settings_for("health") or {}).get("project_credit_cap", 25))))
            rows.append("({})".format(", ".join([
                _lit(series), str(tenant_id), _lit(req.public.unit.value), f"{req.public.minimum}::numeric",
                _lit(req.professional.unit.value), f"{req.professional.minimum}::numeric",
                f"{minima['I类']}::numeric" if minima else "NULL::numeric",
                f"{minima['II类']}::numeric" if minima else "NULL::numeric",
                _lit(req.public.decided_by), _lit(req.professional.decided_by),
                "true" if cme else "false"])))
    engine.dispose()
    if len(caps) != 1:
        raise SystemExit(f"the floor assumes one CME per-project cap for the whole city, not {caps}")
    return ",\n".join(rows), caps.pop()


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


FLOOR_SQL = """
WITH req(series, tenant_id, pub_unit, pub_min, prof_unit, prof_min, cat_i, cat_ii, pub_by, prof_by,
         cme) AS (VALUES {values}),
rec AS (
  -- One pass over the year's records, summed per person and unit; the person's requirement
  -- picks the right sums afterwards.
  SELECT h.person_id,
         sum(h.amount) FILTER (WHERE ok AND pub AND hrs) AS pub_h,
         count(*) FILTER (WHERE ok AND pub AND hrs) AS pub_h_n,
         sum(h.amount) FILTER (WHERE ok AND pub AND NOT hrs) AS pub_c,
         count(*) FILTER (WHERE ok AND pub AND NOT hrs) AS pub_c_n,
         sum(h.amount) FILTER (WHERE ok AND NOT pub AND hrs) AS prof_h,
         count(*) FILTER (WHERE ok AND NOT pub AND hrs) AS prof_h_n,
         sum(h.amount) FILTER (WHERE ok AND NOT pub AND NOT hrs) AS prof_c,
         count(*) FILTER (WHERE ok AND NOT pub AND NOT hrs) AS prof_c_n,
         sum(h.amount) FILTER (WHERE ok AND NOT pub AND NOT hrs AND cme_ok) AS cme,
         count(*) FILTER (WHERE ok AND NOT pub AND NOT hrs AND cme_ok) AS cme_n,
         sum(h.amount) FILTER (WHERE ok AND NOT pub AND NOT hrs AND cme_ok AND h.category = 'I类') AS cme_i,
         sum(h.amount) FILTER (WHERE ok AND NOT pub AND NOT hrs AND cme_ok AND h.category = 'II类') AS cme_ii,
         count(*) FILTER (WHERE NOT ok) AS bad
  FROM hour_records h
  LEFT JOIN trainings t ON t.id = h.training_id
  CROSS JOIN LATERAL (SELECT h.training_id IS NULL OR t.status = 'approved' AS ok,
                             h.kind = 'public' AS pub, h.unit = 'hours' AS hrs,
                             coalesce(btrim(h.category), '') IN ('I类', 'II类')
                             AND NOT (btrim(h.category) = 'I类' AND h.amount > {cap}) AS cme_ok) c
  WHERE h.year = {year}
  GROUP BY h.person_id),
pas AS (
  SELECT ps.person_id,
         sum(pt.hours) FILTER (WHERE pt.year = {year}
                               AND ps.passed_on BETWEEN pt.window_start AND pt.window_end) AS hours,
         count(*) FILTER (WHERE (pt.year = {year}
                                 AND ps.passed_on NOT BETWEEN pt.window_start AND pt.window_end)
                             OR (pt.year <> {year} AND ps.passed_on > pt.window_end)) AS refused
  FROM public_subject_passes ps JOIN public_topics pt ON pt.id = ps.topic_id
  WHERE pt.year = {year} OR ps.passed_on BETWEEN '{year}-01-01' AND '{year}-12-31'
  GROUP BY ps.person_id),
tot AS (
  SELECT p.id, p.tenant_id, p.series, r.pub_unit, r.pub_min, r.prof_unit, r.prof_min, r.cat_i, r.cat_ii,
         r.pub_by, r.prof_by,
         coalesce(CASE r.pub_unit WHEN 'hours' THEN rec.pub_h ELSE rec.pub_c END, 0)
           + coalesce(pas.hours, 0) AS pub_earned,
         coalesce(CASE WHEN r.prof_unit = 'hours' THEN rec.prof_h WHEN r.cme THEN rec.cme
                       ELSE rec.prof_c END, 0) AS prof_earned,
         coalesce(rec.cme_i, 0) AS prof_i, coalesce(rec.cme_ii, 0) AS prof_ii,
         coalesce(rec.bad, 0) + coalesce(pas.refused, 0)
           + coalesce(CASE r.pub_unit WHEN 'hours' THEN rec.pub_c_n ELSE rec.pub_h_n END, 0)
           + coalesce(CASE r.prof_unit WHEN 'hours' THEN rec.prof_c_n ELSE rec.prof_h_n END, 0)
           + CASE WHEN r.prof_unit = 'credits' AND r.cme
                  THEN coalesce(rec.prof_c_n, 0) - coalesce(rec.cme_n, 0) ELSE 0 END AS refused
  FROM persons p
  JOIN req r ON r.series = p.series AND r.tenant_id = p.tenant_id
  LEFT JOIN rec ON rec.person_id = p.id
  LEFT JOIN pas ON pas.person_id = p.id),
fin AS (
  SELECT *, greatest(pub_min - pub_earned, 0) AS pub_missing,
         greatest(prof_min - prof_earned,
                  CASE WHEN cat_i IS NULL THEN 0
                       ELSE greatest(cat_i - prof_i, 0) + greatest(cat_ii - prof_ii, 0) END,
                  0) AS prof_missing
  FROM tot)
INSERT INTO annual_statuses (person_id, year, tenant_id, series, complete, public_unit, public_required,
  public_earned, public_missing, professional_unit, professional_required, professional_earned,
  professional_missing, categories, public_decided_by, professional_decided_by, refused, job_id, evaluated_at)
SELECT id, {year}, tenant_id, series, pub_missing = 0 AND prof_missing = 0, pub_unit, pub_min, pub_earned,
       pub_missing, prof_unit, prof_min, prof_earned, prof_missing,
       CASE WHEN cat_i IS NULL THEN NULL ELSE format(
         '{{"professional":{{"II类":{{"earned":"%s","required":"%s"}},"I类":{{"earned":"%s","required":"%s"}}}}}}',
         prof_ii::numeric(10,2), cat_ii::numeric(10,2), prof_i::numeric(10,2), cat_i::numeric(10,2)) END,
       pub_by, prof_by, refused, NULL, now()
FROM fin
ON CONFLICT (person_id, year) DO UPDATE SET complete = EXCLUDED.complete,
  public_earned = EXCLUDED.public_earned, professional_earned = EXCLUDED.professional_earned,
  public_missing = EXCLUDED.public_missing, professional_missing = EXCLUDED.professional_missing,
  categories = EXCLUDED.categories, refused = EXCLUDED.refused, evaluated_at = EXCLUDED.evaluated_at
"""

COMPARED = ", ".join(("tenant_id", *verification.RESULT_COLUMNS[1:]))


def run_floor(url: str, values: tuple[str, Decimal], year: int, repeats: int = 2) -> tuple[float, int]:
    """Best of ``repeats`` runs of the one statement, each into the empty ``annual_statuses``
    (the platform's own table: same indexes, same foreign keys); the floor's rows are then
    kept aside in ``bench_floor_statuses`` for the comparison."""
    sql = FLOOR_SQL.format(values=values[0], cap=values[1], year=year)
    best = float("inf")
    rows = 0
    with psycopg.connect(url, autocommit=True) as conn:
        # Room for the one big aggregate to stay in memory (PostgreSQL's 4 MB spills to disk).
        conn.execute("SET work_mem = '256MB'")
        for _ in range(repeats):
            conn.execute("TRUNCATE annual_statuses")
            started = time.perf_counter()
            rows = conn.execute(sql).rowcount
            best = min(best, time.perf_counter() - started)
        conn.execute("DROP TABLE IF EXISTS bench_floor_statuses")
        conn.execute("CREATE TABLE bench_floor_statuses AS SELECT * FROM annual_statuses")
        conn.execute("TRUNCATE annual_statuses")
    return best, rows


def disagreements(url: str, year: int) -> tuple[int, list[Any]]:
    """Rows where the platform's statuses and the floor's differ (must be none)."""
    sql = (f"SELECT coalesce(a.person_id, f.person_id) FROM "
           f"(SELECT * FROM annual_statuses WHERE year = {year}) a FULL JOIN bench_floor_statuses f "
           f"ON a.person_id = f.person_id AND a.year = f.year "
           f"WHERE ({', '.join('a.' + c for c in COMPARED.split(', '))}) IS DISTINCT FROM "
           f"({', '.join('f.' + c for c in COMPARED.split(', '))})")
    with psycopg.connect(url) as conn:
        ids = [r[0] for r in conn.execute(sql).fetchall()]
        examples = []
        for pid in ids[:3]:
            for table in ("annual_statuses", "bench_floor_statuses"):
                row = conn.execute(f"SELECT {COMPARED} FROM {table} WHERE person_id = %s AND year = %s",
                                   (pid, year)).fetchone()
                examples.append({"table": table, "person_id": pid, "row": [str(v) for v in row or ()]})
    return len(ids), examples


# -- (a) the platform: real worker processes ----------------------------------------------


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from platform_core.cli import main; raise SystemExit(main())", *args]


class Workers:
    """``ceplat worker`` in its own process group, for one benchmark section."""

    def __init__(self, url: str, broker: str, concurrency: int, log: Path):
        self.env = {**os.environ, "CEPLAT_DATABASE_URL": url, "CEPLAT_BROKER_URL": broker,
                    "CEPLAT_LOG_LEVEL": "WARNING"}
        self.settings = Settings(database_url=url, broker_url=broker, result_backend=broker,
                                 tenants_dir=ROOT / "tenants")
        self.concurrency = concurrency
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> None:
        from workers.app import make_celery

        self.app = make_celery(self.settings)
        self.app.connection_for_write().default_channel.client.flushdb()
        handle = self.log.open("ab")
        self.proc = subprocess.Popen(
            _cli("worker", "--concurrency", str(self.concurrency), "--loglevel", "WARNING",
                 "--hostname", f"bench{os.getpid()}@%h"),
            env=self.env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"worker exited with {self.proc.returncode}; see {self.log}")
            if self.app.control.ping(timeout=0.5):
                return
        raise SystemExit(f"worker did not answer within {timeout:.0f} s; see {self.log}")

    def pids(self) -> list[int]:
        assert self.proc is not None
        return [self.proc.pid, *_children(self.proc.pid)]

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return out


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_platform(workers: Workers, year: int, chunk_size: int) -> tuple[float, jobs.JobProgress]:
    """Plan, enqueue and wait for one verification job of every person; wall seconds."""
    from workers.verification import enqueue_chunks

    rt = Runtime(settings=workers.settings)
    with rt.transaction() as session:
        session.execute(text("TRUNCATE annual_statuses"))
    started = time.perf_counter()
    with rt.transaction() as session:
        job = verification.plan_verification(session, Actor.system("bench"), year, chunk_size=chunk_size)
        jobs.mark_running(session, job.id)
        chunk_ids = jobs.pending_chunk_ids(session, job.id)
    enqueue_chunks(workers.app, chunk_ids)
    while True:
        with rt.read() as session:
            state = jobs.progress(session, job.id)
        if state.finished:
            break
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    rt.close()
    return elapsed, state


# -- (b), (c): bench/numbers.py ----------------------------------------------------------------


def numbers_sections(report: Report, database: str, broker: str, persons: int, workdir: Path) -> None:
    """Certificate numbering and Attachment 3 import, measured by ``bench/numbers.py``.

    Full size (≥ 100,000 persons): 100,000 numbers and a 50,000-row sheet, as the issue asks;
    smaller runs scale both down with the city so ``bench-quick`` stays quick.
    """
    try:
        from bench import numbers
    except ImportError as exc:
        report.skipped.append(f"(b)(c) bench/numbers.py could not be imported: {exc}")
        return
    full = persons >= 100_000
    n_numbers = 100_000 if full else max(1_000, persons)
    n_rows = 50_000 if full else max(1_000, persons)
    # Its own database: the numbering benchmark empties the numbering tables.
    url = recreate_database(f"{database}_numbers")
    bench_numbering: Callable[..., dict[str, Any]] | None = getattr(numbers, "bench_numbering", None)
    if bench_numbering is None:
        report.skipped.append("(b) bench/numbers.py has no bench_numbering()")
    else:
        console.print(f"[bold](b)[/bold] 分配 {n_numbers:,} 个证书编号（1 与 4 个 worker）…")
        out = bench_numbering(url, broker, n_numbers)
        report.details["numbering"] = out
        for run in out.get("runs", {}).values():
            workers = run["workers"]
            ratio = run["floor_numbers_per_s"] / run["numbers_per_s"] if run["numbers_per_s"] else None
            goal = "≥ 25% of floor" if workers == 4 else None
            report.add(Figure(
                "b", f"numbering ({workers} worker{'s' if workers > 1 else ''})", run["numbers_per_s"],
                "numbers/s", floor=run["floor_numbers_per_s"], ratio=ratio, goal=goal,
                passed=run["ratio_to_floor"] >= 0.25 if goal else None,
                note=f"{n_numbers:,} numbers, {run['seconds']} s; floor {run['floor_seconds']} s; "
                     f"RSS {run.get('worker_peak_rss_mb')} MB"))
        if "speedup_4_over_1" in out:
            report.add(Figure("b", "numbering 4 workers / 1 worker", out["speedup_4_over_1"], "×",
                              goal="≥ 1 (never slower)", passed=out["speedup_4_over_1"] >= 1.0))
        broken = sum(r["duplicates"] + r["gaps"] + r["unnumbered"] for r in out.get("runs", {}).values())
        report.add(Figure("b", "numbering duplicates + gaps", float(broken), "numbers", goal="0",
                          passed=broken == 0))
    bench_import: Callable[..., dict[str, Any]] | None = getattr(numbers, "bench_import", None)
    if bench_import is None:
        report.skipped.append("(c) bench/numbers.py has no bench_import()")
        return
    console.print(f"[bold](c)[/bold] 导入 {n_rows:,} 行附件3 …")
    out = bench_import(workdir / "bench", n_rows, db_url=url)
    report.details["import"] = out
    report.add(Figure("c", "Attachment 3 import", out["rows_per_s"], "rows/s", goal="≥ 20,000 rows/s",
                      passed=out["rows_per_s"] >= 20_000,
                      note=f"{n_rows:,} rows ({out.get('file_mb')} MB), {out['seconds']} s: read "
                           f"{out.get('read_s')} s, validate {out.get('validate_s')} s, "
                           f"database {out.get('database_s')} s ({out.get('backend')})"))


# -- the run ---------------------------------------------------------------------------------


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    p.add_argument("--persons", type=int, default=20_000)
    p.add_argument("--database", default="ceplat_bench", help="scratch PostgreSQL database (recreated)")
    p.add_argument("--redis-db", type=int, default=12, help="Redis database number (flushed)")
    p.add_argument("--concurrency", type=int, default=2, help="worker processes")
    p.add_argument("--chunk-size", type=int, default=verification.DEFAULT_CHUNK_SIZE)
    p.add_argument("--seed", type=int, default=2023)
    p.add_argument("--reuse", action="store_true", help="keep the database if it already has N persons")
    p.add_argument("--skip-numbers", action="store_true", help="skip (b) and (c)")
    p.add_argument("--results", type=Path, default=ROOT / "bench" / "results.json")
    p.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    report = Report(args.persons, time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    {"cpus": os.cpu_count(), "python": platform.python_version(),
                     "platform": platform.platform()})
    host = build_plugin_host()
    url = db_url_for(args.database)
    if args.reuse and persons_in(url) == args.persons:
        console.print(f"沿用数据库 {args.database}（{args.persons} 人）")
    else:
        url = recreate_database(args.database)
        report.details["generation"] = generate(url, args.persons, args.seed, host)
        gen = report.details["generation"]
        console.print(f"模拟城市：{gen['persons']} 人，{gen['hour_records']} 条学时记录，"
                      f"{gen['public_passes']} 份公需合格证书，{gen['seconds']} 秒")
    report.details["data"] = counts(url)
    persons = report.details["data"]["persons"]

    # (a) floor first (it also warms the cache for both), then the platform.
    floor_s, floor_rows = run_floor(url, requirement_values(url, host, YEAR), YEAR)
    workers = Workers(url, f"{REDIS_URL}/{args.redis_db}", args.concurrency,
                      ROOT / "var" / "bench-worker.log")
    (ROOT / "var").mkdir(exist_ok=True)
    try:
        workers.start()
        runs = [run_platform(workers, YEAR, args.chunk_size) for _ in range(2)]
        rss = {pid: peak_rss_mb(pid) for pid in workers.pids()}
    finally:
        workers.stop()
    platform_s, state = min(runs, key=lambda r: r[0])
    if state.status != jobs.DONE:
        raise SystemExit(f"verification job ended {state.status}: {state.errors}")
    mismatched, examples = disagreements(url, YEAR)
    ratio = platform_s / floor_s
    report.add(Figure("a", "verification (workers)", persons / platform_s, "persons/s",
                      floor=persons / floor_s, ratio=ratio, goal=f"≤ {VERIFY_GOAL:g}× floor time",
                      passed=ratio <= VERIFY_GOAL,
                      note=f"{persons} persons, {state.total_chunks} chunks, -c {args.concurrency}, "
                           f"{platform_s:.2f} s vs floor {floor_s:.2f} s"))
    report.add(Figure("a", "verification agrees with floor", float(mismatched), "rows differing",
                      goal="0", passed=mismatched == 0, note=f"floor wrote {floor_rows} rows"))
    report.details["verification"] = {"platform_seconds": [round(r[0], 3) for r in runs],
                                      "floor_seconds": round(floor_s, 3), "disagreements": examples}
    worst = max(rss.values())
    report.add(Figure("d", "worker peak RSS (max process)", worst, "MB", goal=f"< {RSS_GOAL_MB:g} MB",
                      passed=worst < RSS_GOAL_MB,
                      note=", ".join(f"{pid}: {mb:.0f}" for pid, mb in sorted(rss.items()))))

    if args.skip_numbers:
        report.skipped.append("(b)(c) skipped (--skip-numbers)")
    else:
        numbers_sections(report, args.database, f"{REDIS_URL}/{args.redis_db}", args.persons,
                         ROOT / "var")
    show(report)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(report.as_dict(), ensure_ascii=False, indent=2, default=str) + "\n",
                            encoding="utf-8")
    console.print(f"结果已写入 {args.results}")
    failed = [f for f in report.figures if f.passed is False]
    return 1 if failed and args.strict else 0


def show(report: Report) -> None:
    table = Table(title=f"ce-platform benchmark — {report.persons:,} persons")
    for col in ("", "measure", "value", "floor", "ratio", "goal", "pass", "note"):
        table.add_column(col)
    for f in report.figures:
        mark = {True: "[green]✓[/green]", False: "[red]✗[/red]", None: ""}[f.passed]
        table.add_row(f.section, f.name, f"{f.value:,.1f} {f.unit}",
                      f"{f.floor:,.1f}" if f.floor is not None else "",
                      f"{f.ratio:.2f}×" if f.ratio is not None else "", f.goal or "", mark, f.note)
    console.print(table)
    for line in report.skipped:
        console.print(f"[yellow]skipped:[/yellow] {line}")


if __name__ == "__main__":
    raise SystemExit(main())
