"""Importing persons: every bad row reported, all-or-nothing writes, idempotence (issue 2, item 7)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from platform_core.authz import Actor
from platform_core.importing import ImportOptions, import_persons
from platform_core.models import CECertificate, Organisation, Person
from platform_core.runtime import Runtime
from platform_core.validation.idnumber import make

AS_SYSTEM = {"actor": Actor.system("test"), "enforcer": None}

HEADER = ["序号", "工作单位", "姓名", "性别", "身份证号码", "学历", "专业名称", "资格名称", "资格时间",
          "手机号码", "职称系列", "证书编号"]
TITLE = [["安庆市工程系列（建设工程）继续教育证书编号申请表"], ["填报单位：怀宁县人社局", "", "联系人：王"]]
QIANSHAN_OLD = "340824199001010010"  # old 潜山县 code: valid for life
ID_A = make("340822", date(1985, 3, 2), 11)  # male
ID_B = make("340881", date(1990, 7, 9), 22)  # female
ID_C = make("110105", date(1979, 1, 5), 31)  # born in Beijing, works in Anqing


def person(id_number: str, name: str = "张三", gender: str = "男", *, series: str = "工程",
           qualification: str = "工程师", employer: str = "怀宁县建筑公司", mobile: str = "13800138000",
           qualified: str = "2020-05-01", education: str = "本科", number: str = "") -> list[str]:
    return ["1", employer, name, gender, id_number, education, "土木工程", qualification, qualified, mobile,
            series, number]


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def run(rt: Runtime, path: Path, tenant: str = "340822", **options: bool):
    with rt.transaction() as session:
        return import_persons(session, path, tenant, ImportOptions(**options), **AS_SYSTEM)


def count(rt: Runtime, model: type) -> int:
    with rt.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def codes(report) -> set[tuple[int | None, str]]:
    return {(e.row, e.code) for e in report.errors}


def test_xlsx_with_title_lines_creates_persons_employers_and_held_certificate(city: Runtime, tmp_path: Path):
    rows: list[list[object]] = [*TITLE, HEADER,
                                person(ID_A, number="340800052019000001"),
                                person(ID_B, "李梅", "女", series="卫生", qualification="主管护师",
                                       employer="怀宁县人民医院", qualified="2021/6/30",
                                       mobile="+86 139-0013-9000"),
                                person(QIANSHAN_OLD, "王五", employer="怀宁县建筑公司")]
    # Cells typed the way Excel types them: a real date and a number.
    rows[4][8] = date(2019, 12, 1)
    rows[4][9] = 13700137000
    report = run(city, write_xlsx(tmp_path / "persons.xlsx", rows))
    assert report.errors == []
    assert (report.rows, report.valid, report.created, report.written) == (3, 3, 3, True)
    with city.read() as session:
        a = session.scalar(select(Person).where(Person.id_number == ID_A))
        b = session.scalar(select(Person).where(Person.id_number == ID_B))
        employers = set(session.scalars(select(Organisation.name).where(Organisation.kind == "employer")))
        cert = session.scalar(select(CECertificate).where(CECertificate.person_id == a.id))
    assert (a.gender, a.birth_date, a.series, a.education) == ("男", date(1985, 3, 2), "工程", "大学本科")
    assert (b.gender, b.series, b.qualification, b.mobile) == ("女", "卫生", "主管护师", "13700137000")
    assert b.qualification_date == date(2019, 12, 1)
    assert employers == {"怀宁县建筑公司", "怀宁县人民医院"}
    assert (cert.number, cert.source) == ("340800052019000001", "imported")


def test_old_qianshan_address_340824_is_accepted_on_import(city: Runtime, tmp_path: Path) -> None:
    report = run(city, write_csv(tmp_path / "p.csv", [HEADER, person(QIANSHAN_OLD)]), "340882")
    assert report.errors == [] and report.created == 1


def test_every_bad_row_is_reported_and_nothing_is_written(city: Runtime, tmp_path: Path) -> None:
    bad_checksum = ID_A[:-1] + ("0" if ID_A[-1] != "0" else "1")
    rows = [*TITLE, HEADER,
            person(ID_A),                                        # row 4: fine
            person(bad_checksum),                                # row 5
            person(ID_B, "李梅", "女", qualified="2021-02-30"),  # row 6: bad date
            person(ID_C, "", "男"),                              # row 7: missing name
            person(make("340803", date(1991, 1, 1), 41), series="航天"),  # row 8: unknown series
            person(make("340803", date(1992, 1, 1), 51), qualification="主任医师"),  # row 9
            person(make("340803", date(1993, 1, 1), 61), "赵六", "女"),  # row 10: gender mismatch
            person(make("340803", date(1994, 1, 1), 71), mobile="12345678901"),  # row 11
            person(make("340803", date(1995, 1, 1), 81), education="博士后"),  # row 12
            person(QIANSHAN_OLD), person(QIANSHAN_OLD)]          # rows 13, 14: duplicate in file
    orgs = count(city, Organisation)
    report = run(city, write_csv(tmp_path / "p.csv", rows))
    assert codes(report) == {
        (5, "id_number_checksum"), (6, "bad_date"), (7, "required"), (8, "unknown_series"),
        (9, "unknown_qualification"), (10, "gender_mismatch"), (11, "bad_mobile"),
        (12, "unknown_education"), (13, "duplicate_in_file"), (14, "duplicate_in_file")}
    by_row = {e.row: e for e in report.errors}
    assert by_row[5].field == "身份证号码" and "校验位" in by_row[5].message
    assert by_row[7].field == "姓名"
    assert "第14行" in by_row[13].message and "第13行" in by_row[14].message
    assert (report.rows, report.valid, report.invalid) == (11, 1, 10)
    assert (report.written, report.created, report.exit_code) == (False, 0, 2)
    assert count(city, Person) == 0 and count(city, Organisation) == orgs


def test_missing_column_is_a_file_level_error(city: Runtime, tmp_path: Path) -> None:
    header = [h for h in HEADER if h != "职称系列"]
    report = run(city, write_csv(tmp_path / "p.csv", [header, person(ID_A)[:-2]]))
    assert [(e.code, e.field) for e in report.errors] == [("missing_column", "职称系列")]
    assert report.rows == 0 and report.exit_code == 2 and count(city, Person) == 0


def test_gb18030_csv_is_read(city: Runtime, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "gbk.csv", [*TITLE, HEADER, person(ID_A, "欧阳修")], encoding="gb18030")
    report = run(city, path)
    assert report.errors == [] and report.created == 1
    with city.read() as session:
        assert session.scalar(select(Person.name).where(Person.id_number == ID_A)) == "欧阳修"


def test_utf8_with_bom_csv_is_read(city: Runtime, tmp_path: Path) -> None:
    report = run(city, write_csv(tmp_path / "bom.csv", [HEADER, person(ID_A)], encoding="utf-8-sig"))
    assert report.errors == [] and report.created == 1


FOREIGN_SHEETS = {
    # UTF-16 (Excel's "Unicode text"): NUL bytes everywhere.
    "utf-16": [HEADER, person(ID_A, "王五")],
    # A Traditional-Chinese sheet saved as Big5: GB18030 decodes the bytes into nonsense headers.
    "big5": [["序號", "工作單位", "姓名", "性別", "身份證號碼", "學歷", "專業名稱", "資格名稱", "資格時間",
              "手機號碼", "職稱系列"], ["1", "懷寧縣建築公司", "王五", "男", ID_A, "本科", "土木", "工程師",
                                     "2020-05-01", "13800138000", "工程"]],
    "shift_jis": [["氏名", "性別", "身分証番号"], ["山田", "男", ID_A]],
}


@pytest.mark.parametrize("encoding", list(FOREIGN_SHEETS))
def test_wrong_encoding_is_refused_with_file_encoding(city: Runtime, tmp_path: Path, encoding: str) -> None:
    path = write_csv(tmp_path / f"{encoding}.csv", FOREIGN_SHEETS[encoding], encoding=encoding)
    report = run(city, path)
    assert [e.code for e in report.errors] == ["file_encoding"]
    assert "UTF-8" in report.errors[0].message and report.exit_code == 2
    assert count(city, Person) == 0


def test_skip_invalid_writes_valid_rows_and_an_error_file(city: Runtime, tmp_path: Path) -> None:
    rows = [*TITLE, HEADER, person(ID_A), person(ID_B, "李梅", "男"), person(QIANSHAN_OLD, qualified="昨天")]
    src = write_csv(tmp_path / "staff.csv", rows)
    report = run(city, src, skip_invalid=True)
    assert (report.valid, report.invalid, report.created, report.written) == (1, 2, 1, True)
    assert report.exit_code == 0
    assert report.error_file == str(tmp_path / "staff.errors.csv")
    raw = (tmp_path / "staff.errors.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert lines[0][:4] == ["行号", "列", "代码", "说明"] and lines[0][4:] == HEADER
    assert [(line[0], line[2]) for line in lines[1:]] == [("5", "gender_mismatch"), ("6", "bad_date")]
    assert lines[1][4:] == person(ID_B, "李梅", "男")  # the original cells, ready to fix
    with city.read() as session:
        assert list(session.scalars(select(Person.id_number))) == [ID_A]


def test_corrected_error_file_can_be_imported_again(city: Runtime, tmp_path: Path) -> None:
    src = write_csv(tmp_path / "staff.csv", [HEADER, person(ID_A), person(ID_B, "李梅", "男")])
    run(city, src, skip_invalid=True)
    error_file = tmp_path / "staff.errors.csv"
    lines = list(csv.reader(error_file.read_text(encoding="utf-8-sig").splitlines()))
    lines[1][4 + HEADER.index("性别")] = "女"
    write_csv(error_file, lines, encoding="utf-8-sig")
    report = run(city, error_file)
    assert report.errors == [] and report.created == 1 and count(city, Person) == 2


def test_dry_run_writes_nothing_but_says_what_it_would_do(city: Runtime, tmp_path: Path) -> None:
    src = write_csv(tmp_path / "p.csv", [HEADER, person(ID_A), person(ID_B, "李梅", "女", number="X-1")])
    orgs = count(city, Organisation)
    report = run(city, src, dry_run=True)
    assert (report.dry_run, report.written, report.created, report.errors) == (True, False, 2, [])
    assert count(city, Person) == 0 and count(city, CECertificate) == 0
    assert count(city, Organisation) == orgs  # no employer either


def test_reimport_changes_nothing_then_updates_what_changed(city: Runtime, tmp_path: Path) -> None:
    rows = [HEADER, person(ID_A, number="N-1"), person(ID_B, "李梅", "女")]
    src = write_csv(tmp_path / "p.csv", rows)
    first = run(city, src)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    again = run(city, src)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert count(city, Person) == 2 and count(city, CECertificate) == 1
    rows[2] = person(ID_B, "李梅", "女", mobile="13911112222", employer="怀宁县人民医院")
    changed = run(city, write_csv(tmp_path / "p.csv", rows))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    with city.read() as session:
        b = session.scalar(select(Person).where(Person.id_number == ID_B))
        employer = session.get(Organisation, b.employer_id)
    assert b.mobile == "13911112222" and employer.name == "怀宁县人民医院" and employer.kind == "employer"


def test_a_person_of_another_tenant_is_refused(city: Runtime, tmp_path: Path) -> None:
    run(city, write_csv(tmp_path / "a.csv", [HEADER, person(ID_A)]), "340822")
    report = run(city, write_csv(tmp_path / "b.csv", [HEADER, person(ID_A), person(ID_B, "李梅", "女")]),
                 "340881")
    assert codes(report) == {(2, "person_in_other_tenant")}
    # The message does not say which tenant holds the person (no leak across tenants).
    assert "其他租户" in report.errors[0].message and "怀宁县" not in report.errors[0].message
    assert report.written is False
    assert count(city, Person) == 1


def test_r20_a_certificate_number_held_by_another_person_is_refused(city: Runtime, tmp_path: Path) -> None:
    run(city, write_csv(tmp_path / "a.csv", [HEADER, person(ID_A, number="340800052019000001")]))
    rows = [HEADER, person(ID_B, "李梅", "女", number="340800052019000001"),
            person(ID_A, number="340800052019000099")]
    report = run(city, write_csv(tmp_path / "b.csv", rows))
    assert codes(report) == {(2, "certificate_number_taken"), (3, "certificate_number_conflict")}
    assert all(e.rule == "R20" for e in report.errors)


def test_certificate_number_twice_in_one_file(city: Runtime, tmp_path: Path) -> None:
    rows = [HEADER, person(ID_A, number="N-7"), person(ID_B, "李梅", "女", number="N-7")]
    report = run(city, write_csv(tmp_path / "p.csv", rows))
    assert codes(report) == {(2, "duplicate_in_file"), (3, "duplicate_in_file")}
    assert {e.field for e in report.errors} == {"证书编号"}


def test_header_aliases_and_unsupported_files(city: Runtime, tmp_path: Path) -> None:
    header = ["工作单位", "姓名", "性 别", "身份证号", "学历", "专业名称", "资格名称", "资格时间", "手机号码",
              "职称系列*"]
    report = run(city, write_csv(tmp_path / "p.csv", [header, person(ID_A)[1:-1]]))
    assert report.errors == [] and report.created == 1
    other = tmp_path / "p.json"
    other.write_text("{}")
    assert [e.code for e in run(city, other).errors] == ["unsupported_file"]
    assert [e.code for e in run(city, tmp_path / "missing.xlsx").errors] == ["file_not_found"]
