"""`ceplat import …` end to end: exit codes and the one JSON document of --json."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from platform_core.cli import main
from platform_core.models import HourRecord, Person, PublicSubjectPass
from platform_core.runtime import Runtime
from platform_core.validation.idnumber import make

PERSONS = ["姓名", "性别", "身份证号码", "学历", "专业名称", "资格名称", "资格时间", "手机号码", "工作单位",
           "职称系列"]
ID_A = make("340826", date(1988, 8, 8), 15)
ID_B = make("340826", date(1989, 9, 9), 26)


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.fixture
def cli(city: Runtime, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("CEPLAT_DATABASE_URL", city.settings.database_url)

    def run(*args: str) -> tuple[int, str]:
        capsys.readouterr()
        code = main(list(args))
        return code, capsys.readouterr().out

    return run


def count(rt: Runtime, model: type) -> int:
    with rt.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def persons_file(tmp_path: Path, *, bad: bool = False) -> Path:
    rows = [PERSONS,
            ["张三", "男", ID_A, "本科", "农学", "农艺师", "2018-07-01", "13800138000", "农技站", "农业"],
            ["李梅", "男" if bad else "女", ID_B, "大专", "会计", "会计师", "2019-5-1", "", "财政局", "会计"]]
    return write_csv(tmp_path / "persons.csv", rows)


def test_json_report_and_exit_0_on_success(cli, city: Runtime, tmp_path: Path) -> None:
    code, out = cli("import", "persons", str(persons_file(tmp_path)), "--tenant", "宿松县", "--json")
    doc = json.loads(out)
    assert code == 0
    keys = ("kind", "rows", "valid", "invalid", "created", "written", "dry_run")
    assert {k: doc[k] for k in keys} == {"kind": "persons", "rows": 2, "valid": 2, "invalid": 0, "created": 2,
                                         "written": True, "dry_run": False}
    assert doc["errors"] == [] and doc["error_file"] is None
    assert count(city, Person) == 2
    code, out = cli("import", "persons", str(persons_file(tmp_path)), "--tenant", "340826", "--json")
    assert code == 0 and json.loads(out)["unchanged"] == 2


def test_bad_rows_exit_2_and_write_nothing(cli, city: Runtime, tmp_path: Path) -> None:
    path = persons_file(tmp_path, bad=True)
    code, out = cli("import", "persons", str(path), "--tenant", "340826", "--json")
    doc = json.loads(out)
    assert code == 2 and doc["written"] is False
    assert [(e["row"], e["field"], e["code"]) for e in doc["errors"]] == [(3, "性别", "gender_mismatch")]
    assert count(city, Person) == 0


def test_skip_invalid_exit_0_and_dry_run_writes_nothing(cli, city: Runtime, tmp_path: Path) -> None:
    path = persons_file(tmp_path, bad=True)
    code, out = cli("import", "persons", str(path), "--tenant", "340826", "--dry-run", "--skip-invalid",
                    "--json")
    assert code == 2 and json.loads(out)["created"] == 1 and count(city, Person) == 0
    assert not (tmp_path / "persons.errors.csv").exists()
    code, out = cli("import", "persons", str(path), "--tenant", "340826", "--skip-invalid", "--json")
    assert code == 0 and json.loads(out)["error_file"] == str(tmp_path / "persons.errors.csv")
    assert count(city, Person) == 1


def test_human_output_is_a_chinese_table(cli, tmp_path: Path) -> None:
    code, out = cli("import", "persons", str(persons_file(tmp_path, bad=True)), "--tenant", "340826")
    assert code == 2
    assert "gender_mismatch" in out and "行号" in out and "未写入任何数据" in out


def test_unknown_tenant_exits_1(cli, tmp_path: Path) -> None:
    code, out = cli("import", "persons", str(persons_file(tmp_path)), "--tenant", "火星", "--json")
    assert code == 1 and json.loads(out)["error"]["code"] == "tenant_not_found"


def test_hours_and_public_passes_commands(cli, city: Runtime, tmp_path: Path) -> None:
    assert cli("import", "persons", str(persons_file(tmp_path)), "--tenant", "340826")[0] == 0
    hours = write_csv(tmp_path / "hours.csv", [
        ["身份证号码", "年度", "科目类别", "学时", "项目名称", "日期", "来源"],
        [ID_A, "2023", "专业", "24", "水稻栽培", "2023-04-01", "宿松县农技站"]])
    code, out = cli("import", "hours", str(hours), "--json")
    assert code == 0 and json.loads(out)["created"] == 1 and count(city, HourRecord) == 1
    code, out = cli("import", "hours", str(hours), "--json")
    assert code == 0 and json.loads(out)["unchanged"] == 1 and count(city, HourRecord) == 1
    passes = write_csv(tmp_path / "passes.csv", [
        ["身份证号码", "姓名", "专题名称", "合格日期", "合格证书编号"],
        [ID_A, "张三", "习近平法治思想", "2023-10-01", "P-1"]])
    code, out = cli("import", "public-passes", str(passes), "--json")
    assert code == 0 and json.loads(out)["created"] == 1 and count(city, PublicSubjectPass) == 1


def test_wrong_encoding_exits_2(cli, tmp_path: Path) -> None:
    path = tmp_path / "u16.csv"
    path.write_bytes("身份证号码,年度,科目类别,学时,项目名称,日期,来源\r\n".encode("utf-16"))
    code, out = cli("import", "hours", str(path), "--json")
    assert code == 2 and [e["code"] for e in json.loads(out)["errors"]] == ["file_encoding"]
