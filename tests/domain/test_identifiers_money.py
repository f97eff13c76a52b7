"""Identifiers (USCC, resident ID numbers) and money parsing, at the edge where they enter."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jianzheng.domain.errors import Refusal
from jianzheng.domain.identifiers import (
    USCC_ALPHABET,
    id_check_character,
    mask_id_number,
    mask_phone,
    uscc_check_character,
    validate_resident_id,
    validate_uscc,
)
from jianzheng.domain.money import MAX_FEN, fen_from_yuan, format_yuan

# Published examples: the USCC of a real company and the GB 11643 sample number.
REAL_USCC = "91350100M000100Y43"
SAMPLE_ID = "11010519491231002X"


def test_valid_uscc_is_normalised() -> None:
    assert validate_uscc(REAL_USCC) == REAL_USCC
    assert validate_uscc(" 91350100m000100y43 ") == REAL_USCC


@pytest.mark.parametrize(("code", "fragment"), [
    ("91350100M000100Y4", "18位"),  # too short
    ("91350100M000100Y433", "18位"),  # too long
    ("91350100M000100I43", "不允许的字符"),  # I is not in the alphabet
    ("91350100M000100O43", "不允许的字符"),
    ("91350100M000100Y44", "校验位错误"),  # wrong check character
])
def test_invalid_uscc_is_refused_with_the_reason(code: str, fragment: str) -> None:
    with pytest.raises(Refusal) as caught:
        validate_uscc(code)
    assert fragment in caught.value.message_zh
    assert caught.value.field == "credit_code" and caught.value.status == 422


@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_any_uscc_with_its_check_character_is_valid(first17: str) -> None:
    code = first17 + uscc_check_character(first17)
    assert validate_uscc(code) == code
    wrong = next(ch for ch in USCC_ALPHABET if ch != code[17])
    with pytest.raises(Refusal):
        validate_uscc(first17 + wrong)


def test_valid_resident_id() -> None:
    assert validate_resident_id(SAMPLE_ID) == SAMPLE_ID
    assert validate_resident_id("11010519491231002x") == SAMPLE_ID


@pytest.mark.parametrize(("number", "fragment"), [
    ("11010519491231002", "17位数字"),  # too short
    ("1101051949123100Y2", "17位数字"),  # a letter in the digits
    ("11010519491331002X", "出生日期"),  # month 13
    ("110105194902300028", "出生日期"),  # 30 February
    ("110105194912310021", "校验位错误"),
])
def test_invalid_resident_id_is_refused_with_the_reason(number: str, fragment: str) -> None:
    with pytest.raises(Refusal) as caught:
        validate_resident_id(number)
    assert fragment in caught.value.message_zh
    assert caught.value.field == "id_number"


@given(st.dates(), st.integers(0, 999), st.sampled_from(["530102", "110105", "440305"]))
def test_any_id_number_with_its_check_digit_is_valid(born: object, serial: int, region: str) -> None:
    first17 = f"{region}{born:%Y%m%d}{serial:03d}"
    if len(first17) != 17:  # years before 1000 are not 4 digits
        return
    number = first17 + id_check_character(first17)
    assert validate_resident_id(number) == number


def test_masks() -> None:
    assert mask_id_number(SAMPLE_ID) == "110105********002X"
    assert mask_phone("13912345678") == "139****5678"
    assert mask_phone("12345") == "*****"


@pytest.mark.parametrize(("text", "fen"), [
    ("1234.56", 123456), ("1,234.5", 123450), ("0", 0), ("  7 ", 700), (12, 1200), (Decimal("0.01"), 1),
])
def test_fen_from_yuan(text: str | int | Decimal, fen: int) -> None:
    assert fen_from_yuan(text) == fen


@pytest.mark.parametrize(("text", "fragment"), [
    ("1.234", "两位小数"), ("abc", "金额格式错误"), ("NaN", "金额格式错误"), ("Infinity", "金额格式错误"),
    ("-1", "大于零"), (str(MAX_FEN), "超出"),
])
def test_bad_amounts_are_refused(text: str, fragment: str) -> None:
    with pytest.raises(Refusal) as caught:
        fen_from_yuan(text, "price")
    assert fragment in caught.value.message_zh
    assert caught.value.field == "price"


@given(st.integers(0, MAX_FEN))
def test_format_and_parse_round_trip(fen: int) -> None:
    assert fen_from_yuan(format_yuan(fen)) == fen


def test_format_yuan() -> None:
    assert format_yuan(123456789) == "1,234,567.89"
    assert format_yuan(-5) == "-0.05"
