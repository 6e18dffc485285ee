from __future__ import annotations

import pytest

from platform_core.errors import Issue
from platform_core.validation.mobile import is_mobile, normalise_mobile, parse_mobile


@pytest.mark.parametrize("raw", ["13800138000", "19912345678", "16212345678", "14512345678"])
def test_valid_mobiles(raw: str) -> None:
    assert parse_mobile(raw) == raw


@pytest.mark.parametrize(("raw", "expected"), [
    ("138 0013 8000", "13800138000"),
    ("138-0013-8000", "13800138000"),
    ("+8613800138000", "13800138000"),
    ("+86 138 0013 8000", "13800138000"),
    ("008613800138000", "13800138000"),
    ("8613800138000", "13800138000"),
    ("１３８００１３８０００", "13800138000"),
    (13800138000.0, "13800138000"),  # a cell typed as a number
    (13800138000, "13800138000"),
])
def test_normalisation_before_matching(raw: object, expected: str) -> None:
    assert normalise_mobile(raw) == expected
    assert parse_mobile(raw) == expected


@pytest.mark.parametrize("raw", ["12345678901", "1380013800", "138001380001", "10086", "0556-5551234",
                                 "abc", "23800138000", "86138001380"])
def test_invalid_mobiles_give_bad_mobile(raw: str) -> None:
    result = parse_mobile(raw, field="手机号码", row=7)
    assert isinstance(result, Issue)
    assert (result.code, result.field, result.row) == ("bad_mobile", "手机号码", 7)
    assert "手机号码" in result.message
    assert not is_mobile(raw)


def test_86_is_only_a_prefix_when_eleven_digits_follow() -> None:
    # "86" followed by 9 digits is not a country prefix: the number stays as written and fails.
    assert normalise_mobile("86138001380") == "86138001380"
