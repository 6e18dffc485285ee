"""GB 11643-1999 ID numbers, with the samples of shared/reference/id_number.md."""

from __future__ import annotations

from datetime import date

import pytest

from platform_core.errors import Issue
from platform_core.validation import idnumber

VALID = ["11010519491231002X", "360426199101010071", "44011320141005001X",
         "44011320141005001x", "120103198806018241", "230306196304054513", "11010219840406970X",
         "340802199001010012", "34082719900101001X", "340882199001010014"]


@pytest.mark.parametrize("number", VALID)
def test_valid_numbers_parse(number: str) -> None:
    parsed = idnumber.parse(number)
    assert isinstance(parsed, idnumber.IdNumber)
    assert parsed.value == number.upper()


def test_old_qianshan_county_code_340824_is_accepted() -> None:
    # 潜山县 became 潜山市 (340882) in 2018; numbers issued before keep 340824 for life.
    parsed = idnumber.parse("340824199001010010")
    assert isinstance(parsed, idnumber.IdNumber)
    assert parsed.address_code == "340824"
    assert (parsed.birth_date, parsed.gender) == (date(1990, 1, 1), "男")


@pytest.mark.parametrize(("number", "code"), [
    ("110105194912310021", "id_number_checksum"),
    ("360426199101010072", "id_number_checksum"),
    ("11010219840506970X", "id_number_checksum"),
    ("360426199113010079", "id_number_birth_date"),
    ("110105194902310026", "id_number_birth_date"),
    ("340802200002300025", "id_number_birth_date"),
    ("T60426199101010078", "id_number_format"),
    ("12345678", "id_number_length"),
    ("110223790813697", "id_number_length"),
    ("990426199112010074", "id_number_address"),
    ("", "id_number_missing"),
])
def test_invalid_numbers_give_their_code(number: str, code: str) -> None:
    issue = idnumber.parse(number, row=4)
    assert isinstance(issue, Issue)
    assert (issue.code, issue.field, issue.row) == (code, "身份证号码", 4)


def test_birth_before_1900_is_implausible_for_working_professionals() -> None:
    # The standard's own 1880 example has a correct check digit, but nobody born then works.
    issue = idnumber.parse("440524188001010014")
    assert isinstance(issue, Issue) and issue.code == "id_number_birth_date"


def test_future_birth_date_is_refused() -> None:
    number = idnumber.make("340802", date(2030, 1, 1), 1)
    issue = idnumber.parse(number, today=date(2024, 1, 1))
    assert isinstance(issue, Issue) and issue.code == "id_number_birth_date"


def test_gender_comes_from_the_seventeenth_digit() -> None:
    male = idnumber.parse(idnumber.make("340822", date(1985, 6, 1), 11))
    female = idnumber.parse(idnumber.make("340822", date(1985, 6, 1), 12))
    assert isinstance(male, idnumber.IdNumber) and male.gender == "男"
    assert isinstance(female, idnumber.IdNumber) and female.gender == "女"


def test_normalise_folds_full_width_and_spaces() -> None:
    assert idnumber.normalise(" ３４０８２４ 19900101001０ ") == "340824199001010010"
    assert idnumber.mask("340824199001010010") == "340824********0010"
