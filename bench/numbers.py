"""Benchmarks of issue 4 (b) and (c): certificate-number allocation and Attachment 3 import.

- ``bench_numbering``: allocate ``n`` new numbers through the real Celery task with 1 and
  with 4 worker processes, each figure against a floor that does the same work (lock the
  (series, year) counter row, read the rows, insert certificates, mark the rows, move the
  counter; batches of 1,000) in hand-written SQL over psycopg with the same number of
  processes; then check for duplicates and gaps.
- ``bench_import``: import a ``rows``-line Attachment 3 sheet and say where the time goes
  (read with python-calamine, validate, database).

Both expect a database of their own: they empty the numbering tables between runs.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from platform_core.applications import form_title, write_form_sheet
from platform_core.reference import series_catalogue
from platform_core.validation.idnumber import make

ROOT = Path(__file__).resolve().parent.parent
ADDRESSES = ("340822", "340825", "340826", "340827", "340828", "340881", "340882", "340802", "340803")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
EDUCATION = ("大学本科", "大学专科", "硕士研究生", "本科", "大专")
BENCH_SERIES = ("卫生", "工程", "中小学教师", "会计")
# Historical Anqing codes (old 桐城县, 枞阳县, 潜山县) that the synthetic city does not use, so
# the benchmark's persons never collide with it.
BENCH_ADDRESSES = ("340821", "340823", "340824")


def applicant_rows(n: int, *, start: int = 0, series: str = "卫生",
                   addresses: Sequence[str] = ADDRESSES) -> list[list[Any]]:
    """``n`` valid Attachment 3 rows with distinct ID numbers (``start`` offsets the people)."""
    quals = series_catalogue().get(series).qualifications
    qual = quals[min(2, len(quals) - 1)]
    out = []
    for i in range(start, start + n):
        born = date(1965, 1, 1) + timedelta(days=i % 12_000)
        seq = (i // 12_000) % 1000
        number = make(addresses[i % len(addresses)], born, seq)
        gender = "男" if seq % 2 else "女"
        name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i // 7) % len(GIVEN)] + GIVEN[(i // 131) % len(GIVEN)]
        out.append([str(i - start + 1), f"安庆市第{i % 97 + 1}单位", name, gender, number,
                    EDUCATION[i % len(EDUCATION)], "专业技术", qual,
                    (born + timedelta(days=365 * 25)).isoformat(), f"13{i % 10}{i % 100_000_000:08d}", ""])
    return out


def write_application(path: Path, rows: Sequence[Sequence[Any]], *, series: str = "卫生",
                      specialty: str | None = None, styled: bool = True) -> Path:
    return write_form_sheet(path, title=form_title(series_catalogue().get(series), specialty),
                            filing_unit="安庆市继续教育基地", contact="李四", phone="0556-5550000",
                            date_text="2024年5月6日", rows=rows, styled=styled)


# -- setting up a database for the benchmark -------------------------------------------------

BENCH_BASE = "BENCH-BASE"
BENCH_ADMIN = "bench-city-admin"
APPLICATION_ROWS = 2500


def prepare_database(url: str) -> None:
    """Migrate, sync tenants and policy, and make sure the bench base and city admin exist."""
    from sqlalchemy import select

    from platform_core import migrate
    from platform_core.authz.actors import Actor
    from platform_core.authz.adapter import sync_policy
    from platform_core.db import make_engine
    from platform_core.models import Organisation, Tenant, User
    from platform_core.runtime import Runtime
    from platform_core.settings import Settings
    from platform_core.tenancy import load_tenant_files, sync_tenants
    from platform_core.users import add_user

    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    rt = Runtime(settings=Settings(database_url=url))
    try:
        with rt.transaction() as session:
            sync_tenants(session, load_tenant_files(ROOT / "tenants"))
            sync_policy(session)
            if session.scalar(select(Organisation.id).where(Organisation.code == BENCH_BASE)) is None:
                tenant = session.scalars(select(Tenant).where(Tenant.code == "340822")).one()
                session.add(Organisation(tenant_id=tenant.id, kind="training_base", code=BENCH_BASE,
                                         name="基准测试继续教育基地"))
                session.flush()
            if session.scalar(select(User.id).where(User.username == BENCH_ADMIN)) is None:
                add_user(session, None, Actor.system("bench"), username=BENCH_ADMIN, role="city_admin",
                         tenant_code="340800")
    finally:
        rt.close()


# The benchmark numbers in years of its own, so its counters and numbers never mix with real ones.
TASK_YEAR, FLOOR_YEAR = 2098, 2099


def _reset_numbering(conn: Any) -> None:
    """Forget the benchmark's numbers: its persons' certificates, its counters, its rows' numbers."""
    conn.execute("DELETE FROM ce_certificates WHERE person_id IN (SELECT r.person_id FROM "
                 "number_application_rows r JOIN number_applications a ON a.id = r.application_id "
                 "JOIN organisations o ON o.id = a.base_id WHERE o.code = %s)", (BENCH_BASE,))
    conn.execute("DELETE FROM number_counters WHERE year IN (%s, %s)", (TASK_YEAR, FLOOR_YEAR))
    conn.execute("UPDATE number_application_rows SET certificate_number = NULL, outcome = NULL, "
                 "numbered_at = NULL WHERE application_id IN (SELECT a.id FROM number_applications a "
                 "JOIN organisations o ON o.id = a.base_id WHERE o.code = %s)", (BENCH_BASE,))
    conn.execute("UPDATE number_applications SET status = 'pending', number_year = %s, allocated_by = NULL, "
                 "allocated_at = NULL WHERE base_id = (SELECT id FROM organisations WHERE code = %s)",
                 (TASK_YEAR, BENCH_BASE))


def seed_applications(url: str, n: int, *, per_application: int = APPLICATION_ROWS,
                      series: Sequence[str] = BENCH_SERIES) -> list[int]:
    """``n`` new persons on applications of ``per_application`` rows, round-robin over
    ``series`` (set-up, not measured: written with COPY, not through the sheet importer)."""
    import psycopg

    with psycopg.connect(_plain(url), autocommit=False) as conn:
        base_id, tenant_id = conn.execute("SELECT id, tenant_id FROM organisations WHERE code = %s",
                                          (BENCH_BASE,)).fetchone()  # type: ignore[misc]
        # Only what an earlier run of this benchmark made goes away.
        conn.execute("CREATE TEMP TABLE bench_people ON COMMIT DROP AS SELECT DISTINCT r.person_id AS id "
                     "FROM number_application_rows r JOIN number_applications a ON a.id = r.application_id "
                     "WHERE a.base_id = %s", (base_id,))
        conn.execute("DELETE FROM ce_certificates WHERE person_id IN (SELECT id FROM bench_people)")
        conn.execute("DELETE FROM number_counters WHERE year IN (%s, %s)", (TASK_YEAR, FLOOR_YEAR))
        conn.execute("DELETE FROM number_application_rows WHERE application_id IN "
                     "(SELECT id FROM number_applications WHERE base_id = %s)", (base_id,))
        conn.execute("DELETE FROM number_applications WHERE base_id = %s", (base_id,))
        conn.execute("DELETE FROM persons WHERE id IN (SELECT id FROM bench_people)")
        offset = 0
        ids: list[int] = []
        made = 0
        k = 0
        while made < n:
            size = min(per_application, n - made)
            key = series[k % len(series)]
            k += 1
            app_id = conn.execute(
                "INSERT INTO number_applications (tenant_id, base_id, series, title, filing_unit, contact, "
                "phone, source_file, created_by, status, created_at) VALUES (%s, %s, %s, %s, '', '', '', "
                "'bench', 'bench', 'pending', now()) RETURNING id",
                (tenant_id, base_id, key, form_title(series_catalogue().get(key), None))).fetchone()[0]  # type: ignore[index]
            rows = applicant_rows(size, start=offset + made, series=key, addresses=BENCH_ADDRESSES)
            with conn.cursor().copy("COPY persons (tenant_id, id_number, name, gender, birth_date, "
                                    "education, major, series, qualification, qualification_date, mobile, "
                                    "created_at, updated_at) FROM STDIN") as copy:
                for r in rows:
                    born = date(int(r[4][6:10]), int(r[4][10:12]), int(r[4][12:14]))
                    copy.write_row((tenant_id, r[4], r[2], r[3], born, r[5], r[6], key, r[7], r[8], r[9],
                                    "now", "now"))
            conn.execute(
                "INSERT INTO number_application_rows (application_id, row_no, seq_label, employer_name, "
                "name, gender, id_number, education, major, qualification, qualification_date, mobile, "
                "person_id) "
                "SELECT %s, 3 + row_number() OVER (ORDER BY p.id), '', '单位', p.name, p.gender, "
                "p.id_number, p.education, p.major, p.qualification, p.qualification_date, p.mobile, p.id "
                "FROM persons p WHERE p.id_number = ANY(%s)", (app_id, [r[4] for r in rows]))
            ids.append(app_id)
            made += size
        conn.commit()
    return ids


def vacuum_numbering(url: str) -> None:
    """Reclaim what the clean-up above deleted. Each run deletes and re-creates the same persons
    (same ID numbers); where autovacuum is off (as on this machine's PostgreSQL) the dead rows
    pile up run after run, and every later import pays for them in its unique-index checks."""
    import psycopg

    with psycopg.connect(_plain(url), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) persons, number_application_rows, number_applications, "
                     "ce_certificates, number_counters")


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


# -- real workers ------------------------------------------------------------------------------

LAUNCHER = "import sys; from workers.app import celery_from_env; celery_from_env().worker_main(sys.argv[1:])"


def start_workers(db_url: str, broker_url: str, count: int, *, name: str = "bench",
                  concurrency: int = 1) -> list[subprocess.Popen[bytes]]:
    """``count`` separate ``celery worker`` processes (``concurrency`` children each)."""
    env = {**os.environ, "CEPLAT_DATABASE_URL": db_url, "CEPLAT_BROKER_URL": broker_url,
           "CEPLAT_RESULT_BACKEND": broker_url, "PYTHONPATH": str(ROOT)}
    return [subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, "worker", "-c", str(concurrency), "-P", "prefork",
         "-n", f"{name}{i}@%h", "--without-gossip", "--without-mingle", "-l", "WARNING"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for i in range(count)]


def wait_ready(app: Any, procs: Sequence[subprocess.Popen[bytes]], expected: int,
               timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(app.control.ping(timeout=0.5) or []) < expected:
        dead = [p for p in procs if p.poll() is not None]
        if dead:
            raise RuntimeError("a worker died at start:\n" + (dead[0].stderr.read() if dead[0].stderr
                                                              else b"").decode()[-2000:])
        if time.monotonic() > deadline:
            raise RuntimeError("workers did not answer ping in time")


def stop_workers(procs: Sequence[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            p.kill()


def peak_rss_mb(procs: Sequence[subprocess.Popen[bytes]]) -> float:
    """Highest VmHWM among the workers and their children (Linux /proc)."""
    pids = [p.pid for p in procs]
    for pid in list(pids):
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            children = []
        pids += [int(c) for c in children]
    peak = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except OSError:
            continue
    return round(peak / 1024, 1)


# -- checks ------------------------------------------------------------------------------------


@dataclass
class NumberCheck:
    numbers: int
    duplicates: int
    gaps: int
    unnumbered: int


def check_numbers(url: str, years: Sequence[int] = (TASK_YEAR, FLOOR_YEAR)) -> NumberCheck:
    """Duplicates over every certificate number; gaps per (series, year) for ``years``."""
    import psycopg

    with psycopg.connect(_plain(url)) as conn:
        total = conn.execute("SELECT count(*) FROM ce_certificates WHERE number IS NOT NULL").fetchone()[0]  # type: ignore[index]
        dupes = conn.execute("SELECT count(*) FROM (SELECT number FROM ce_certificates "
                             "WHERE number IS NOT NULL GROUP BY number HAVING count(*) > 1) d").fetchone()[0]  # type: ignore[index]
        # Per (series, year) the sequences must be exactly 1..last_seq.
        gaps = conn.execute(
            "SELECT coalesce(sum(c.last_seq - n.cnt + (n.mn <> 1 OR n.mx <> c.last_seq)::int), 0)"
            " FROM number_counters c JOIN ("
            " SELECT series, substr(number, 9, 4)::int AS year, count(DISTINCT right(number, 6)::int) AS cnt,"
            " min(right(number, 6)::int) AS mn, max(right(number, 6)::int) AS mx"
            " FROM ce_certificates WHERE source = 'allocated' GROUP BY series, substr(number, 9, 4)"
            ") n ON n.series = c.series AND n.year = c.year WHERE c.year = ANY(%s)",
            (list(years),)).fetchone()[0]  # type: ignore[index]
        unnumbered = conn.execute(
            "SELECT count(*) FROM number_application_rows r "
            "JOIN number_applications a ON a.id = r.application_id JOIN organisations o ON o.id = a.base_id "
            "WHERE o.code = %s AND r.certificate_number IS NULL",
            (BENCH_BASE,)).fetchone()[0]  # type: ignore[index]
    return NumberCheck(int(total), int(dupes), int(gaps), int(unnumbered))


# -- the floor: counter-row batch allocation in plain SQL ----------------------------------------

FLOOR_BATCH = 1000


def _floor_process(url: str, jobs: Any, start: Any, city: str, year: int) -> None:
    import psycopg

    codes = {s.key: s.code for s in series_catalogue().all()}
    with psycopg.connect(url) as conn:
        start.wait()  # connected and imported: the clock starts when every process is
        while True:
            try:
                app_id, key = jobs.get_nowait()
            except Exception:  # noqa: BLE001 - queue.Empty: no applications left
                return
            prefix = f"{city}{codes[key]}{year:04d}"
            while True:
                with conn.transaction():
                    conn.execute("INSERT INTO number_counters (series, year, last_seq, updated_at) "
                                 "VALUES (%s, %s, 0, now()) ON CONFLICT DO NOTHING", (key, year))
                    locked = conn.execute("SELECT last_seq FROM number_counters WHERE series = %s "
                                          "AND year = %s FOR UPDATE", (key, year)).fetchone()
                    assert locked is not None
                    last = locked[0]
                    rows = conn.execute(
                        "SELECT r.id, r.person_id, p.tenant_id FROM number_application_rows r "
                        "JOIN persons p ON p.id = r.person_id "
                        "WHERE r.application_id = %s AND r.certificate_number IS NULL "
                        "ORDER BY r.row_no LIMIT %s", (app_id, FLOOR_BATCH)).fetchall()
                    if not rows:
                        break
                    numbers = [f"{prefix}{last + i:06d}" for i in range(1, len(rows) + 1)]
                    conn.execute(
                        "INSERT INTO ce_certificates (person_id, tenant_id, number, series, source, "
                        "allocated_at, created_at) SELECT p, t, n, %s, 'allocated', now(), now() "
                        "FROM unnest(%s::int[], %s::int[], %s::text[]) AS v(p, t, n)",
                        (key, [r[1] for r in rows], [r[2] for r in rows], numbers))
                    conn.execute(
                        "UPDATE number_application_rows r SET certificate_number = v.n, "
                        "outcome = 'allocated', numbered_at = now() "
                        "FROM unnest(%s::int[], %s::text[]) AS v(id, n) WHERE r.id = v.id",
                        ([r[0] for r in rows], numbers))
                    conn.execute("UPDATE number_counters SET last_seq = %s, updated_at = now() "
                                 "WHERE series = %s AND year = %s", (last + len(rows), key, year))


def floor_allocation(url: str, applications: Sequence[tuple[int, str]], processes: int, *,
                     city: str = "340800", year: int = FLOOR_YEAR) -> float:
    """Seconds the plain-SQL floor needs for ``applications`` with ``processes`` processes."""
    ctx = multiprocessing.get_context("spawn")
    jobs = ctx.Queue()
    for item in applications:
        jobs.put(item)
    start = ctx.Barrier(processes + 1)
    procs = [ctx.Process(target=_floor_process, args=(_plain(url), jobs, start, city, year))
             for _ in range(processes)]
    for p in procs:
        p.start()
    start.wait()
    started = time.perf_counter()
    for p in procs:
        p.join()
    if any(p.exitcode for p in procs):
        raise RuntimeError("a floor process failed")
    return time.perf_counter() - started


def bench_numbering(pg_url: str, broker_url: str, n: int = 100_000,
                    workers: Sequence[int] = (1, 4)) -> dict[str, Any]:
    """Allocate ``n`` new numbers through ``ceplat.numbers.allocate`` with each worker count, and
    with the plain-SQL floor at the same process count; numbers/s, ratios, duplicate/gap checks.

    ``pg_url`` must be a database of the benchmark's own (its numbering tables are emptied).
    """
    import psycopg
    import redis

    from platform_core.settings import Settings
    from workers.app import make_celery
    from workers.numbers import allocate

    prepare_database(pg_url)
    redis.Redis.from_url(broker_url).flushdb()
    app_ids = seed_applications(pg_url, n)
    with psycopg.connect(_plain(pg_url)) as conn:
        series_of: dict[int, str] = dict(conn.execute("SELECT id, series FROM number_applications")
                                         .fetchall())
        admin_id = conn.execute("SELECT id FROM users WHERE username = %s", (BENCH_ADMIN,)).fetchone()[0]  # type: ignore[index]
    app = make_celery(Settings(database_url=pg_url, broker_url=broker_url, result_backend=broker_url))
    out: dict[str, Any] = {"n": n, "applications": len(app_ids), "series": list(BENCH_SERIES), "runs": {}}
    for count in workers:
        with psycopg.connect(_plain(pg_url)) as conn:
            _reset_numbering(conn)
        floor_seconds = floor_allocation(pg_url, [(a, series_of[a]) for a in app_ids], count)
        floor_check = check_numbers(pg_url)
        with psycopg.connect(_plain(pg_url)) as conn:
            _reset_numbering(conn)
        procs = start_workers(pg_url, broker_url, count, name=f"bench{count}x")
        try:
            wait_ready(app, procs, count)
            started = time.perf_counter()
            results = [allocate.apply_async(args=[a, admin_id]) for a in app_ids]
            answers = [r.get(timeout=3600) for r in results]
            seconds = time.perf_counter() - started
            rss = peak_rss_mb(procs)
        finally:
            stop_workers(procs)
        errors = [a["error"] for a in answers if "error" in a]
        check = check_numbers(pg_url)
        rate, floor_rate = n / seconds, n / floor_seconds
        out["runs"][str(count)] = {
            "workers": count, "seconds": round(seconds, 3), "numbers_per_s": round(rate),
            "floor_seconds": round(floor_seconds, 3), "floor_numbers_per_s": round(floor_rate),
            "ratio_to_floor": round(rate / floor_rate, 3),
            "allocated": sum(a.get("result", {}).get("allocated", 0) for a in answers),
            "errors": errors[:3], "duplicates": check.duplicates, "gaps": check.gaps,
            "unnumbered": check.unnumbered, "floor_duplicates": floor_check.duplicates,
            "floor_gaps": floor_check.gaps, "worker_peak_rss_mb": rss,
        }
    runs = out["runs"]
    if "1" in runs and "4" in runs:
        out["speedup_4_over_1"] = round(runs["4"]["numbers_per_s"] / runs["1"]["numbers_per_s"], 3)
        out["goal_met"] = (runs["4"]["ratio_to_floor"] >= 0.25 and out["speedup_4_over_1"] >= 1.0
                           and all(r["duplicates"] == 0 and r["gaps"] == 0 and r["unnumbered"] == 0
                                   for r in runs.values()))
    return out


# -- (c) Attachment 3 import ---------------------------------------------------------------------


def bench_import(tmp_dir: str | Path, rows: int = 50_000, *, db_url: str | None = None) -> dict[str, Any]:
    """Import a ``rows``-line Attachment 3 sheet; rows/s and the seconds spent reading (calamine),
    validating (pure functions) and in the database (COPY / executemany). ``db_url`` defaults to
    a fresh SQLite file in ``tmp_dir``; pass the bench PostgreSQL to measure there."""
    from platform_core.applications import file_application
    from platform_core.authz.actors import Actor
    from platform_core.runtime import Runtime
    from platform_core.settings import Settings

    tmp = Path(tmp_dir)
    tmp.mkdir(parents=True, exist_ok=True)
    url = db_url or f"sqlite:///{tmp / 'import-bench.sqlite3'}"
    prepare_database(url)
    if url.startswith("postgresql"):
        seed_applications(url, 0)  # empties the numbering tables and the bench's own persons
        vacuum_numbering(url)
    generated = time.perf_counter()
    path = write_application(tmp / f"attachment3-{rows}.xlsx",
                             applicant_rows(rows, start=20_000_000, addresses=BENCH_ADDRESSES), styled=False)
    generated = time.perf_counter() - generated
    rt = Runtime(settings=Settings(database_url=url))
    timings: dict[str, float] = {}
    try:
        started = time.perf_counter()
        with rt.transaction() as session:
            report = file_application(session, path, base_code=BENCH_BASE, series="卫生", timings=timings,
                                      actor=Actor.system("bench"), enforcer=None)
        seconds = time.perf_counter() - started
    finally:
        rt.close()
    if not report.written:
        raise RuntimeError(f"the generated sheet did not import: {report.errors[:3]}")
    commit = seconds - sum(timings.values())
    return {
        "rows": rows, "backend": url.split(":", 1)[0], "seconds": round(seconds, 3),
        "rows_per_s": round(rows / seconds), "goal_rows_per_s": 20_000, "goal_met": rows / seconds >= 20_000,
        "read_s": round(timings["read"], 3), "validate_s": round(timings["validate"], 3),
        "database_s": round(timings["database"] + commit, 3), "generate_sheet_s": round(generated, 3),
        "file_mb": round(path.stat().st_size / 1e6, 1),
    }


if __name__ == "__main__":  # python -m bench.numbers PG_URL BROKER_URL [N]
    import json

    pg, broker = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
    result = {"numbering": bench_numbering(pg, broker, count),
              "import": bench_import(ROOT / "var" / "bench", min(count, 50_000), db_url=pg)}
    print(json.dumps(result, ensure_ascii=False, indent=2))
