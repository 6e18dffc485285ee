"""`ceplat demo`: seeds, evaluates 2023 and prints a per-tenant table whose numbers add up."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from platform_core.cli import main
from platform_core.db import make_engine
from platform_core.synthetic.reset import wipe_rows

COUNT_FIELDS = ("persons", "complete", "incomplete", "public_short", "professional_short",
                "refused_records")


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["demo", *args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def check_table(doc: dict[str, Any], persons: int) -> None:
    rows, totals = doc["tenants"], doc["totals"]
    assert len(rows) == 14 and len({r["code"] for r in rows}) == 14
    assert all(r["persons"] > 0 for r in rows)
    for field in COUNT_FIELDS:
        assert totals[field] == sum(r[field] for r in rows), field
    assert totals["persons"] == doc["persons"] == persons
    for r in [*rows, totals]:
        assert r["complete"] + r["incomplete"] == r["persons"]
        # Whoever lacks a part is incomplete, and every incomplete person lacks one.
        assert max(r["public_short"], r["professional_short"]) <= r["incomplete"]
        assert r["incomplete"] <= r["public_short"] + r["professional_short"]
        assert float(r["completion_rate"]) == pytest.approx(100 * r["complete"] / r["persons"], abs=0.05)
    assert 0 < totals["complete"] < persons
    assert totals["refused_records"] > 0  # R6/R7/R12 edge cases are in the data
    assert doc["year"] == 2023 and doc["seeded"]["hour_records"] > 0


@pytest.fixture
def demo_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CEPLAT_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("CEPLAT_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    return tmp_path


def test_demo_json_table_covers_every_tenant_and_adds_up(
        demo_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = run_json(capsys, "--persons", "300")
    assert code == 0
    check_table(doc, 300)
    assert (demo_env / "demo.sqlite3").exists()


def test_demo_leaves_a_non_default_database_alone_unless_fresh(
        demo_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_json(capsys, "--persons", "60")[0] == 0
    code, doc = run_json(capsys, "--persons", "60")
    assert code == 2 and doc["error"]["code"] == "demo_database_not_empty"
    code, doc = run_json(capsys, "--persons", "80", "--fresh")
    assert code == 0 and doc["totals"]["persons"] == 80  # not 60 + 80


def test_demo_reruns_on_the_default_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("CEPLAT_DATABASE_URL", raising=False)
    monkeypatch.setenv("CEPLAT_VAR_DIR", str(tmp_path))
    assert run_json(capsys, "--persons", "50")[0] == 0
    code, doc = run_json(capsys, "--persons", "70")
    assert code == 0 and doc["totals"]["persons"] == 70
    assert (tmp_path / "ceplat.sqlite3").exists()


def test_demo_prints_the_rich_table(demo_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--persons", "100"]) == 0
    out = capsys.readouterr().out
    for label in ("租户", "已完成", "完成率", "被拒记录", "合计", "怀宁县", "经开区", "筑梦新区"):
        assert label in out


def test_demo_on_postgresql(pg_url: str, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CEPLAT_DATABASE_URL", pg_url)
    engine = make_engine(pg_url)
    try:
        # --fresh: the shared test database may hold rows from an earlier test.
        code, doc = run_json(capsys, "--persons", "300", "--fresh")
        assert code == 0
        check_table(doc, 300)
        code, doc = run_json(capsys, "--persons", "40", "--fresh")
        assert code == 0 and doc["totals"]["persons"] == 40
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM persons")).scalar() == 40
    finally:
        wipe_rows(engine)  # leave the shared database empty for other tests
        engine.dispose()


def test_demo_keeps_imported_persons_in_the_default_database(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("CEPLAT_DATABASE_URL", raising=False)
    monkeypatch.setenv("CEPLAT_VAR_DIR", str(tmp_path))
    assert run_json(capsys, "--persons", "30")[0] == 0
    engine = make_engine(f"sqlite:///{tmp_path / 'ceplat.sqlite3'}")
    with engine.begin() as conn:  # a person who came from an import: no synthetic employer
        conn.execute(text(
            "INSERT INTO persons (tenant_id, id_number, name, gender, birth_date, series, "
            "created_at, updated_at) SELECT id, '340822199001010018', '导入人员', '男', "
            "'1990-01-01', '工程', '2024-01-01 00:00:00', '2024-01-01 00:00:00' "
            "FROM tenants WHERE code = '340822'"))
    engine.dispose()
    code, doc = run_json(capsys, "--persons", "30")
    assert code == 2 and doc["error"]["code"] == "demo_database_not_empty"
    assert (tmp_path / "ceplat.sqlite3").exists()
