"""R24: stamps are written in the caller's transaction, hash-chained, refused by the database
when changed (PostgreSQL: UPDATE and DELETE; SQLite: UPDATE), and any direct tampering makes
`ceplat audit verify` fail and name the row — on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
import json
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy import exc as sa_exc

from platform_core import audit, cli
from platform_core.authz.actors import Actor
from platform_core.models import AuditStamp, Person
from platform_core.runtime import Runtime
from tests import factories as f

ALICE = Actor(1, "alice", "county_reviewer", "340822")
MIGRATION = importlib.import_module("platform_core.migrations.versions.0002_security_audit")


def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str,
            *args: str) -> tuple[int, Any]:
    monkeypatch.setenv("CEPLAT_DATABASE_URL", url)
    capsys.readouterr()
    code = cli.main(list(args))
    out = capsys.readouterr().out
    return code, json.loads(out) if "--json" in args else out


def write_stamps(rt: Runtime, n: int) -> None:
    for i in range(n):
        with rt.transaction() as s:
            audit.stamp(s, ALICE, "batch.first_review", tenant_code="340822", object_type="batch",
                        object_id=i + 1, before={"status": "submitted"}, after={"status": "reviewed"},
                        comment=f"第{i + 1}批")


def tamper(engine: Engine, sql: str, **params: Any) -> None:
    """What a DBA with direct access could do: switch the guard off, change rows, switch it on."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_stamps DISABLE TRIGGER audit_stamps_append_only"))
            conn.execute(text(sql), params)
            conn.execute(text("ALTER TABLE audit_stamps ENABLE TRIGGER audit_stamps_append_only"))
        else:
            conn.execute(text("DROP TRIGGER audit_stamps_no_update"))
            conn.execute(text(sql), params)
            conn.exec_driver_sql(MIGRATION.SQLITE_APPEND_ONLY)


def test_r24_stamp_commits_and_rolls_back_with_the_change(city: Runtime) -> None:
    with city.read() as s:
        before = s.scalar(select(func.count()).select_from(AuditStamp))  # the tenant sync's stamp
    with pytest.raises(RuntimeError), city.transaction() as s:
        p = f.person(s, "340822")
        audit.stamp(s, ALICE, "person.import", tenant_code="340822", object_type="person", object_id=p.id)
        raise RuntimeError("the change fails after the stamp was written")
    with city.read() as s:
        assert s.scalar(select(func.count()).select_from(AuditStamp)) == before
        assert s.scalar(select(Person.id)) is None
    with city.transaction() as s:
        p = f.person(s, "340822")
        audit.stamp(s, ALICE, "person.import", tenant_code="340822", object_type="person", object_id=p.id)
    with city.read() as s:
        first = s.scalars(select(AuditStamp).order_by(AuditStamp.id)).first()
        assert first is not None and first.prev_hash == audit.GENESIS
        row = s.scalars(select(AuditStamp).where(AuditStamp.action == "person.import")).one()
        previous = s.get(AuditStamp, row.id - 1)
        assert (row.id, row.actor, row.role) == (before + 1, "alice", "county_reviewer")
        assert previous is not None and row.prev_hash == previous.hash
        assert audit.verify_chain(s).ok


def test_r24_stamps_hold_no_personal_numbers(city: Runtime) -> None:
    idn, mobile = "340822198501010018", "13800138000"
    with city.transaction() as s:
        audit.stamp(s, ALICE, "person.update", tenant_code="340822", object_type="person", object_id=1,
                    before={"id_number": idn, "mobile": mobile, "nested": [f"证件 {idn}"]},
                    after={"phone": f"电话{mobile}", "amount": Decimal("1.50")},
                    comment=f"核对 {idn}")
    with city.read() as s:
        row = s.scalars(select(AuditStamp).where(AuditStamp.action == "person.update")).one()
        dumped = json.dumps([row.before, row.after, row.comment], ensure_ascii=False)
        assert idn not in dumped and mobile not in dumped
        assert row.before == {"id_number": "340822********0018", "mobile": "138****8000",
                              "nested": ["证件 340822********0018"]}
        assert row.after == {"phone": "电话138****8000", "amount": "1.50"}
        assert audit.verify_chain(s).ok


@pytest.mark.parametrize("column, value", [
    ("actor", "mallory"), ("role", "city_admin"), ("tenant_code", "340881"), ("action", "number.allocate"),
    ("object_id", "99"), ("comment", "改过"), ("after", '{"status": "rejected"}'), ("before", None),
    ("at", datetime(2020, 1, 1, tzinfo=UTC)),
])
def test_r24_tampering_any_field_fails_verify_and_names_the_row(
        runtime: Runtime, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        column: str, value: Any) -> None:
    write_stamps(runtime, 5)
    url = runtime.settings.database_url
    code, report = run_cli(monkeypatch, capsys, url, "audit", "verify", "--json")
    assert code == 0 and report["ok"] and (report["checked"], report["head_id"]) == (5, 5)
    is_pg = runtime.engine.dialect.name == "postgresql"
    cast = "CAST(:v AS JSON)" if column in {"after", "before"} and is_pg else ":v"
    tamper(runtime.engine, f"UPDATE audit_stamps SET {column} = {cast} WHERE id = 3", v=value)
    code, report = run_cli(monkeypatch, capsys, url, "audit", "verify", "--json")
    assert code == 4 and report["ok"] is False
    assert report["broken"]["id"] == 3 and report["broken"]["reason"] == "hash_mismatch"
    assert report["checked"] == 2
    code, human = run_cli(monkeypatch, capsys, url, "audit", "verify")
    assert code == 4 and "第 3 条" in human


def test_r24_rewriting_a_row_with_its_hash_is_caught_at_the_next_link(runtime: Runtime) -> None:
    write_stamps(runtime, 4)
    with runtime.read() as s:
        row = s.get(AuditStamp, 2)
        assert row is not None
        row.comment = "伪造"
        forged = audit.compute_hash(row)
        s.rollback()
    tamper(runtime.engine, "UPDATE audit_stamps SET comment = '伪造', hash = :h WHERE id = 2", h=forged)
    with runtime.read() as s:
        report = audit.verify_chain(s)
    assert not report.ok and report.broken is not None
    assert (report.broken.id, report.broken.reason) == (3, "prev_hash_mismatch")
    assert 2 in report.broken.suspects


def test_r24_a_deleted_stamp_is_a_named_gap(runtime: Runtime) -> None:
    write_stamps(runtime, 4)
    if runtime.engine.dialect.name == "postgresql":
        tamper(runtime.engine, "DELETE FROM audit_stamps WHERE id = 2")
    else:
        with runtime.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_stamps WHERE id = 2"))
    with runtime.read() as s:
        report = audit.verify_chain(s)
    assert not report.ok and report.broken is not None
    assert (report.broken.reason, report.broken.id, report.broken.suspects) == ("gap", 3, (2,))


def test_r24_postgres_refuses_update_and_delete_of_stamps(pg_runtime: Runtime) -> None:
    write_stamps(pg_runtime, 2)
    for sql in ("UPDATE audit_stamps SET comment = 'x' WHERE id = 1",
                "DELETE FROM audit_stamps WHERE id = 2"):
        with pytest.raises(sa_exc.DBAPIError, match="append-only"), pg_runtime.engine.begin() as conn:
            conn.execute(text(sql))
    with pg_runtime.read() as s:
        assert audit.verify_chain(s).checked == 2


def test_r24_sqlite_refuses_update_of_stamps(sqlite_runtime: Runtime) -> None:
    write_stamps(sqlite_runtime, 1)
    with pytest.raises(sa_exc.DBAPIError, match="append-only"), sqlite_runtime.engine.begin() as conn:
        conn.execute(text("UPDATE audit_stamps SET comment = 'x' WHERE id = 1"))


def test_r24_concurrent_writers_do_not_fork_the_chain(pg_runtime: Runtime) -> None:
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(15):
                with pg_runtime.transaction() as s:
                    audit.stamp(s, ALICE, "hours.register", tenant_code="340822", object_id=f"{n}-{i}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with pg_runtime.read() as s:
        report = audit.verify_chain(s)
        assert report.ok and report.checked == 60
        assert len(set(s.scalars(select(AuditStamp.prev_hash)))) == 60


def test_audit_log_filters(runtime: Runtime, monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]) -> None:
    bob = Actor(2, "bob", "base_operator", "340881")
    t0 = datetime(2024, 3, 1, tzinfo=UTC)
    with runtime.transaction() as s:
        audit.stamp(s, ALICE, "batch.first_review", tenant_code="340822", object_type="batch", object_id=1,
                    at=t0)
        audit.stamp(s, bob, "batch.submit", tenant_code="340881", object_type="batch", object_id=2,
                    at=t0 + timedelta(days=1))
        audit.stamp(s, bob, "training.file", tenant_code="340881", object_type="training", object_id=7,
                    at=t0 + timedelta(days=2))
    url = runtime.settings.database_url

    def ids(*args: str) -> list[int]:
        code, out = run_cli(monkeypatch, capsys, url, "audit", "log", *args, "--json")
        assert code == 0
        return [s["id"] for s in out["stamps"]]

    assert ids() == [1, 2, 3]
    assert ids("--tenant", "340881") == [2, 3]
    assert ids("--actor", "alice") == [1]
    assert ids("--object", "batch") == [1, 2]
    assert ids("--object", "training:7") == [3]
    assert ids("--since", "2024-03-02", "--until", "2024-03-03") == [2]
    assert ids("--action", "training.file", "--tenant", "340822") == []
