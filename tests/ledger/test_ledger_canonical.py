"""Canonical JSON for ledger leaves (RFC 8785) and its refusals."""

from __future__ import annotations

import pytest

from jianzheng.ledger.canonical import MAX_SAFE_INTEGER, canonical_bytes
from jianzheng.ledger.errors import CanonicalEncodingError


def test_keys_sorted_no_whitespace_utf8() -> None:
    event = {
        "seq": 1,
        "type": "bid.submitted",
        "actor": "张三",
        "payload": {"b": [True, None], "a": "x"},
    }
    assert (
        canonical_bytes(event)
        == ('{"actor":"张三","payload":{"a":"x","b":[true,null]},"seq":1,"type":"bid.submitted"}').encode()
    )


def test_rfc8785_key_order_is_by_utf16_code_units() -> None:
    # RFC 8785 §3.2.3 sorts by UTF-16 code units: U+1F600 is the surrogate pair D83D DE00,
    # so it sorts before U+FB33, the reverse of code-point order.
    expected = '{"\U0001f600":1,"\ufb33":2}'.encode()
    assert canonical_bytes({"\ufb33": 2, "\U0001f600": 1}) == expected


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ({"amount": 1.5}, "$.amount"),
        ({"x": float("nan")}, "float"),
        ([MAX_SAFE_INTEGER + 1], "$[0]"),
        ({"n": -(2**60)}, "2^53"),
        ({1: "a"}, "not a string"),
        ({"blob": b"raw"}, "bytes"),
    ],
)
def test_refusals_name_the_problem(value: object, needle: str) -> None:
    with pytest.raises(CanonicalEncodingError) as info:
        canonical_bytes(value)
    assert needle in str(info.value)
    assert info.value.zh and info.value.en


def test_largest_safe_integer_is_accepted() -> None:
    assert canonical_bytes([MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER]) == b"[9007199254740991,-9007199254740991]"
