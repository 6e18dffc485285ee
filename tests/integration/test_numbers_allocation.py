"""Number applications and allocation (R18–R20, R24) on SQLite and PostgreSQL, in-process."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from platform_core.applications import check_form, read_form
from platform_core.authz.actors import Actor
from platform_core.authz.enforcer import PlatformEnforcer
from platform_core.errors import PermissionDenied
from platform_core.models import AuditStamp, CECertificate, Person, Tenant
from platform_core.models.numbering import NumberApplication, NumberApplicationRow, NumberCounter
from platform_core.numbering import allocate_application
from platform_core.runtime import Runtime
from tests.integration.numbers_support import applicant_rows, file_sheet, setup_actors, write_application

YEAR = 2024


@pytest.fixture
def actors(city: Runtime) -> dict[str, Actor]:
    with city.transaction() as session:
        return setup_actors(session)


def filed(rt: Runtime, tmp_path: Path, n: int, *, start: int = 0, series: str = "卫生",
          name: str = "a.xlsx") -> int:
    report = file_sheet(rt, write_application(tmp_path / name, applicant_rows(n, start=start, series=series),
                                              series=series), series)
    assert report.written, report.errors
    assert report.application_id is not None
    return report.application_id


def numbers_of(rt: Runtime, application_id: int) -> list[tuple[str | None, str | None]]:
    with rt.read() as session:
        return [(n, o) for n, o in session.execute(
            select(NumberApplicationRow.certificate_number, NumberApplicationRow.outcome)
            .where(NumberApplicationRow.application_id == application_id)
            .order_by(NumberApplicationRow.row_no))]


def counter(rt: Runtime, series: str, year: int = YEAR) -> int | None:
    with rt.read() as session:
        return session.scalar(select(NumberCounter.last_seq).where(NumberCounter.series == series,
                                                                   NumberCounter.year == year))


def test_r19_nothing_is_filed_while_any_row_is_bad_unless_skip_invalid(city, actors, tmp_path) -> None:
    rows = applicant_rows(3)
    rows[1][9] = "123"  # 手机号码 of the sheet's 5th row (title, filing line, header, then rows)
    path = write_application(tmp_path / "a.xlsx", rows)
    report = file_sheet(city, path)
    assert not report.written
    assert [(i.row, i.field, i.code) for i in report.errors] == [(5, "手机号码", "bad_mobile")]
    with city.read() as session:
        assert session.scalar(select(func.count()).select_from(NumberApplication)) == 0
        assert session.scalar(select(func.count()).select_from(Person)) == 0

    report = file_sheet(city, path, skip_invalid=True)
    assert report.written and (report.valid, report.invalid, report.persons_created) == (2, 1, 2)
    assert [i.row for i in report.errors] == [5]
    with city.read() as session:
        tenants = session.scalars(select(Tenant.code).join(Person, Person.tenant_id == Tenant.id)).all()
        assert tenants == ["340822", "340822"]  # new persons belong to the base's tenant
        lines = session.scalars(select(NumberApplicationRow.row_no)
                                .where(NumberApplicationRow.application_id == report.application_id)).all()
        assert sorted(lines) == [4, 6]


def test_r20_new_numbers_follow_the_format_gapless_per_series_and_year(city, actors, tmp_path) -> None:
    health_a = filed(city, tmp_path, 3, name="h1.xlsx")
    health_b = filed(city, tmp_path, 2, start=3, name="h2.xlsx")
    engineering = filed(city, tmp_path, 2, start=10, series="工程", name="e.xlsx")
    for application in (health_a, engineering, health_b):
        result = allocate_application(city, application, actors["admin"], year=YEAR)
        assert result.kept == 0 and result.status == "allocated"
    health = [n for app in (health_a, health_b) for n, _ in numbers_of(city, app)]
    assert health == [f"34080004{YEAR}{seq:06d}" for seq in range(1, 6)]
    assert [n for n, _ in numbers_of(city, engineering)] == [f"34080005{YEAR}{seq:06d}" for seq in (1, 2)]
    assert all(re.fullmatch(rf"340800\d{{2}}{YEAR}\d{{6}}", n or "") for n in health)
    assert (counter(city, "卫生"), counter(city, "工程")) == (5, 2)
    # A new year starts its own sequence.
    next_year = filed(city, tmp_path, 1, start=20, name="h3.xlsx")
    allocate_application(city, next_year, actors["admin"], year=YEAR + 1)
    assert numbers_of(city, next_year) == [(f"34080004{YEAR + 1}000001", "allocated")]


def test_r20_a_person_with_a_number_keeps_it_also_on_renewal(city, actors, tmp_path) -> None:
    first = filed(city, tmp_path, 3, name="first.xlsx")
    allocate_application(city, first, actors["admin"], year=YEAR)
    before = [n for n, _ in numbers_of(city, first)]
    # The renewal sheet lists the same three people again, plus two new ones.
    renewal = filed(city, tmp_path, 5, name="renewal.xlsx")
    result = allocate_application(city, renewal, actors["admin"], year=YEAR)
    assert (result.allocated, result.kept) == (2, 3)
    after = numbers_of(city, renewal)
    assert after[:3] == [(n, "kept") for n in before]
    assert after[3:] == [(f"34080004{YEAR}{seq:06d}", "allocated") for seq in (4, 5)]
    with city.read() as session:
        assert session.scalar(select(func.count()).select_from(CECertificate)) == 5


def test_r20_a_number_from_another_series_or_the_old_ledger_is_kept(city, actors, tmp_path) -> None:
    application = filed(city, tmp_path, 3)
    with city.transaction() as session:
        people = session.scalars(select(Person).order_by(Person.id)).all()
        session.add(CECertificate(person_id=people[0].id, tenant_id=people[0].tenant_id,
                                  number="340800052019000042", series="工程", source="ledger"))
        # A certificate booklet that has no number yet gets one.
        session.add(CECertificate(person_id=people[1].id, tenant_id=people[1].tenant_id, number=None,
                                  series="卫生", source="imported"))
    result = allocate_application(city, application, actors["admin"], year=YEAR)
    assert (result.allocated, result.kept) == (2, 1)
    assert numbers_of(city, application) == [("340800052019000042", "kept"),
                                             (f"34080004{YEAR}000001", "allocated"),
                                             (f"34080004{YEAR}000002", "allocated")]
    with city.read() as session:
        assert session.scalar(select(CECertificate.number).where(CECertificate.person_id == people[1].id)) \
            == f"34080004{YEAR}000001"


def test_r20_allocating_again_gives_no_second_number(city, actors, tmp_path) -> None:
    application = filed(city, tmp_path, 5)

    def crash_after_first_batch(progress) -> None:
        raise RuntimeError("worker died")

    with pytest.raises(RuntimeError):
        allocate_application(city, application, actors["admin"], year=YEAR, batch_size=2,
                             on_batch=crash_after_first_batch)
    assert [o for _, o in numbers_of(city, application)] == ["allocated", "allocated", None, None, None]
    resumed = allocate_application(city, application, actors["admin"], year=YEAR, batch_size=2)
    assert (resumed.allocated, resumed.already_done, resumed.batches) == (3, 2, 2)
    again = allocate_application(city, application, actors["admin"], year=YEAR)
    assert (again.allocated, again.kept, again.already_done) == (0, 0, 5)
    assert [n for n, _ in numbers_of(city, application)] == [f"34080004{YEAR}{s:06d}" for s in range(1, 6)]
    assert counter(city, "卫生") == 5


@pytest.mark.parametrize("who", ["county", "base"])
def test_r18_only_the_city_office_allocates(city, actors, tmp_path, who: str) -> None:
    application = filed(city, tmp_path, 2)
    with pytest.raises(PermissionDenied):
        allocate_application(city, application, actors[who], year=YEAR)
    assert numbers_of(city, application) == [(None, None), (None, None)]
    assert counter(city, "卫生") is None
    allocate_application(city, application, actors["admin"], year=YEAR)
    assert [o for _, o in numbers_of(city, application)] == ["allocated", "allocated"]


def test_r24_every_allocation_batch_is_stamped(city, actors, tmp_path) -> None:
    application = filed(city, tmp_path, 3)
    allocate_application(city, application, actors["admin"], year=YEAR, batch_size=2)
    with city.read() as session:
        stamps = session.scalars(select(AuditStamp).where(AuditStamp.action == "number.allocate")
                                 .order_by(AuditStamp.id)).all()
    assert [(s.actor, s.role, s.tenant_code, s.object_id) for s in stamps] == \
        [("city-admin", "city_admin", "340822", str(application))] * 2
    assert [s.after["allocated"] for s in stamps] == [2, 1]


def test_r19_a_prefilled_number_must_be_the_persons_own(city, actors, tmp_path) -> None:
    rows = applicant_rows(2)
    rows[0][10] = "340800042019000001"
    report = file_sheet(city, write_application(tmp_path / "a.xlsx", rows), "卫生")
    assert [(i.row, i.code) for i in report.errors] == [(4, "number_prefilled")]
    assert not report.written


def test_r19_export_is_the_same_form_with_numbers_filled(city, actors, tmp_path) -> None:
    application = filed(city, tmp_path, 4, series="工程")
    allocate_application(city, application, actors["admin"], year=YEAR)
    from platform_core.applications import export_application

    with city.read() as session:
        path = export_application(session, application, tmp_path / "ledger.xlsx", actor=actors["county"],
                                  enforcer=PlatformEnforcer.load(session))
    form = read_form(path)
    assert form.title is not None and form.title.series == "工程"
    assert form.filing_unit == "安庆市继续教育基地" and form.header_row == 3 and len(form.notes) == 5
    exported = [str(cells[form.columns["证书编号"]]) for _, cells in form.rows]
    assert exported == [n for n, _ in numbers_of(city, application)]
    checked = check_form(form, "工程")
    assert checked.issues == [] and len(checked.applicants) == 4
    assert [a.certificate_number for a in checked.applicants] == exported
    ws = load_workbook(path).active
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert ws.print_title_rows == "$3:$3"  # the header row repeats on every printed page
    assert ws.column_dimensions["E"].width >= 20  # the ID number fits
    assert ws.cell(4, 11).border.left.style == "thin"


def test_numbers_cli_apply_allocate_show_export(city, actors, tmp_path) -> None:
    from platform_core.cli import app
    from workers.app import bind_runtime

    path = write_application(tmp_path / "a.xlsx", applicant_rows(3))
    runner = CliRunner()
    out = runner.invoke(app, ["numbers", "apply", str(path), "--base", "BASE-NUM", "--series", "卫生",
                              "--as", "base-op", "--json"], obj=city)
    assert out.exit_code == 0, out.output
    application = json.loads(out.stdout)["application_id"]
    try:
        refused = runner.invoke(app, ["numbers", "allocate", str(application), "--as", "hn-reviewer",
                                      "--json"], obj=city)
        assert isinstance(refused.exception, PermissionDenied)
        done = runner.invoke(app, ["numbers", "allocate", str(application), "--as", "city-admin", "--json"],
                             obj=city)
        assert done.exit_code == 0, done.output
        assert json.loads(done.stdout)["allocated"] == 3
    finally:
        bind_runtime(None)
    shown = runner.invoke(app, ["numbers", "show", str(application), "--json"], obj=city)
    lines = json.loads(shown.stdout)["lines"]
    assert [line["outcome"] for line in lines] == ["allocated"] * 3
    assert "*" in lines[0]["id_number"]  # masked on screen
    exported = runner.invoke(app, ["numbers", "export", str(application), str(tmp_path / "out.xlsx")],
                             obj=city)
    assert exported.exit_code == 0 and (tmp_path / "out.xlsx").is_file()
    bad = applicant_rows(1, start=50)
    bad[0][4] = "340822199001010011"
    bad_path = write_application(tmp_path / "bad.xlsx", bad)
    refused_file = runner.invoke(app, ["numbers", "apply", str(bad_path), "--base", "BASE-NUM",
                                       "--series", "卫生", "--json"], obj=city)
    assert refused_file.exit_code == 2
    assert json.loads(refused_file.stdout)["errors"][0]["code"] == "id_number_checksum"


def test_r20_a_number_already_held_from_the_old_ledger_is_never_given_again(city, actors, tmp_path) -> None:
    from tests import factories as f

    held = f"34080004{YEAR}000002"  # imported history that happens to sit in this year's range
    with city.transaction() as session:
        old = f.person(session, "340822", "卫生")
        session.add(CECertificate(person_id=old.id, tenant_id=old.tenant_id, number=held, series="卫生",
                                  source="imported"))
    application = filed(city, tmp_path, 3, start=40, name="after-import.xlsx")
    result = allocate_application(city, application, actors["admin"], year=YEAR)
    assert (result.allocated, result.status) == (3, "allocated")
    numbers = [n for n, _ in numbers_of(city, application)]
    assert numbers == [f"34080004{YEAR}{seq:06d}" for seq in (1, 3, 4)]
    assert counter(city, "卫生") == 4  # every sequence up to 4 is held by exactly one person
    with city.read() as session:
        assert session.scalar(select(func.count()).select_from(CECertificate)
                              .where(CECertificate.number.like(f"34080004{YEAR}%"))) == 4


def test_r19_cells_with_tabs_newlines_and_backslashes_are_stored_exactly(city, actors, tmp_path) -> None:
    rows = applicant_rows(2, start=60)
    rows[0][1] = "安庆\\市\t第一\n人民医院"  # 工作单位 as pasted from another system
    rows[1][6] = "临床\\医学\n（专升本）"  # 专业名称
    report = file_sheet(city, write_application(tmp_path / "odd.xlsx", rows))
    assert report.written, report.errors
    with city.read() as session:
        stored = session.execute(select(NumberApplicationRow.employer_name, NumberApplicationRow.major)
                                 .where(NumberApplicationRow.application_id == report.application_id)
                                 .order_by(NumberApplicationRow.row_no)).all()
    assert stored[0][0] == rows[0][1] and stored[1][1] == rows[1][6]


def test_r19_an_application_is_seen_by_its_base_its_bureau_and_the_city_only(city, actors, tmp_path) -> None:
    from platform_core.applications import application_view
    from platform_core.errors import NotFound
    from platform_core.users import actor_for, add_user

    application = filed(city, tmp_path, 2, start=70, name="seen.xlsx")
    with city.transaction() as session:
        tc = add_user(session, None, Actor.system("test"), username="tc-reviewer", role="county_reviewer",
                      tenant_code="340881")
        tc_actor = actor_for(session, tc)
    with city.read() as session:
        enforcer = PlatformEnforcer.load(session)
        for who in ("base", "county", "admin"):
            assert application_view(session, application, actor=actors[who], enforcer=enforcer).rows == 2
        with pytest.raises(NotFound):
            application_view(session, application, actor=tc_actor, enforcer=enforcer)
