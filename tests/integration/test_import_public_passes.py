"""Importing public-subject passes: upsert by (person, topic); windows are judged elsewhere."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from sqlalchemy import select

from platform_core.authz import Actor
from platform_core.importing import ImportOptions, import_persons, import_public_passes
from platform_core.models import PublicSubjectPass, PublicTopic
from platform_core.runtime import Runtime
from platform_core.validation.idnumber import make

AS_SYSTEM = {"actor": Actor.system("test"), "enforcer": None}

ID_A = make("340822", date(1985, 3, 2), 11)
HEADER = ["身份证号码", "姓名", "专题名称", "合格日期", "合格证书编号"]
TOPIC = "碳达峰碳中和与绿色发展"


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def seed(rt: Runtime, tmp_path: Path) -> None:
    rows = [["姓名", "性别", "身份证号码", "学历", "专业名称", "资格名称", "资格时间", "手机号码", "工作单位",
             "职称系列"], ["张三", "男", ID_A, "本科", "土木", "工程师", "2020-01-01", "", "某公司", "工程"]]
    with rt.transaction() as session:
        report = import_persons(session, write_csv(tmp_path / "p.csv", rows), "340822", **AS_SYSTEM)
        assert report.created == 1


def run(rt: Runtime, path: Path, **options: bool):
    with rt.transaction() as session:
        return import_public_passes(session, path, ImportOptions(**options), **AS_SYSTEM)


def passes(rt: Runtime) -> list[tuple[str, int, date, str | None]]:
    with rt.read() as session:
        rows = session.execute(select(PublicTopic.name, PublicTopic.year, PublicSubjectPass.passed_on,
                                      PublicSubjectPass.certificate_no)
                               .join(PublicTopic, PublicTopic.id == PublicSubjectPass.topic_id))
        return [tuple(r) for r in rows]


def test_passes_are_stored_and_upserted_by_person_and_topic(city: Runtime, tmp_path: Path) -> None:
    seed(city, tmp_path)
    first = run(city, write_csv(tmp_path / "a.csv", [HEADER, [ID_A, "张三", TOPIC, "2023-08-01", "GX-1"]]))
    assert first.errors == [] and first.created == 1
    same = run(city, write_csv(tmp_path / "a.csv", [HEADER, [ID_A, "张三", TOPIC, "2023/8/1", "GX-1"]]))
    assert (same.created, same.updated, same.unchanged) == (0, 0, 1)
    moved = run(city, write_csv(tmp_path / "a.csv", [HEADER, [ID_A, "张 三", TOPIC, "2023-09-01", ""]]))
    assert (moved.created, moved.updated) == (0, 1)
    assert passes(city) == [(TOPIC, 2023, date(2023, 9, 1), "GX-1")]  # a blank number keeps the old one


def test_r07_a_late_pass_on_a_2022_topic_is_stored_not_judged(city: Runtime, tmp_path: Path) -> None:
    seed(city, tmp_path)
    rows = [HEADER, [ID_A, "张三", "2022年度专题一", "2023-05-01", ""]]
    report = run(city, write_csv(tmp_path / "a.csv", rows))
    assert report.errors == [] and passes(city) == [("2022年度专题一", 2022, date(2023, 5, 1), None)]


def test_half_width_punctuation_finds_the_topic(city: Runtime, tmp_path: Path) -> None:
    seed(city, tmp_path)
    report = run(city, write_csv(tmp_path / "a.csv", [HEADER, [ID_A, "张三", "数字中国:数字化建设与发展",
                                                               "2023-08-01", ""]]))
    assert report.errors == [] and passes(city)[0][0] == "数字中国：数字化建设与发展"


def test_name_must_match_the_person(city: Runtime, tmp_path: Path) -> None:
    seed(city, tmp_path)
    report = run(city, write_csv(tmp_path / "a.csv", [HEADER, [ID_A, "李四", TOPIC, "2023-08-01", ""]]))
    assert [(e.row, e.code, e.field) for e in report.errors] == [(2, "name_mismatch", "姓名")]


def test_bad_pass_rows(city: Runtime, tmp_path: Path) -> None:
    seed(city, tmp_path)
    stranger = make("340811", date(1980, 1, 1), 13)
    rows = [HEADER,
            [ID_A, "李四", TOPIC, "2023-08-01", ""],          # 2 name mismatch
            [ID_A, "张三", "量子力学", "2023-08-01", ""],     # 3 unknown topic
            [stranger, "王五", TOPIC, "2023-08-01", ""],      # 4 person not found
            [ID_A, "张三", "习近平法治思想", "8月1日", ""],   # 5 bad date
            [ID_A, "张三", "科技成果的转化与应用", "", ""],    # 6 required
            [ID_A, "张三", TOPIC, "2023-08-02", ""]]          # 7 duplicate of 2 (same person+topic)
    report = run(city, write_csv(tmp_path / "a.csv", rows))
    # Row 2's name is not compared: a row already refused as a duplicate skips the database checks.
    assert {(e.row, e.code) for e in report.errors} == {
        (2, "duplicate_in_file"), (3, "unknown_topic"), (4, "person_not_found"),
        (5, "bad_date"), (6, "required"), (7, "duplicate_in_file")}
    assert report.written is False and passes(city) == []
