"""The append path's canonical JSON is byte for byte the ledger's RFC 8785 encoder.

`event_store.canonical_entry` takes Python's C JSON encoder when that yields the same bytes;
Hypothesis searches for a value where it would not (any Unicode in strings and keys,
control characters, integers at the edges of the safe range, deep nesting), and checks that
what the reference encoder refuses is still refused.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jianzheng.adapters.sql.event_store import canonical_entry
from jianzheng.ledger.canonical import MAX_SAFE_INTEGER, canonical_bytes
from jianzheng.ledger.errors import CanonicalEncodingError

text = st.text(alphabet=st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ["", "\u2028", "\x7f", "\x00\x1f\b\f\n\r\t\"\\", "\ue000", "\uffff", "\U0001f600", "a\U00010000", "é", "标段"])
integers = st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER) | st.sampled_from([0, -1, MAX_SAFE_INTEGER,
                                                                                -MAX_SAFE_INTEGER])
json_values = st.recursive(
    st.none() | st.booleans() | integers | text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=5),
    max_leaves=30,
)


@settings(max_examples=600, deadline=None)
@given(json_values)
def test_same_bytes_as_the_reference_encoder(value: Any) -> None:
    assert canonical_entry(value) == canonical_bytes(value)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(text, json_values, min_size=2, max_size=6))
def test_key_order_is_utf16_order(value: dict[str, Any]) -> None:
    assert canonical_entry(value) == canonical_bytes(value)


def test_keys_that_sort_differently_in_utf16_take_the_reference_path() -> None:
    value = {"\U0001f600": 1, "\uff01": 2}  # code point order and UTF-16 order disagree here
    utf16_order = '{"\U0001f600":1,"\uff01":2}'.encode()  # surrogates D83D DE00 sort before FF01
    assert json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode() != utf16_order
    assert canonical_entry(value) == canonical_bytes(value) == utf16_order


@pytest.mark.parametrize("value", [1.5, {"a": [0.0]}, MAX_SAFE_INTEGER + 1, {"n": -(2**60)}, {1: "x"}])
def test_what_the_ledger_refuses_is_still_refused(value: object) -> None:
    with pytest.raises(CanonicalEncodingError):
        canonical_bytes(value)
    with pytest.raises(CanonicalEncodingError):
        canonical_entry(value)


def test_string_enums_in_payloads_encode_as_their_text() -> None:
    from jianzheng.domain.roles import Role

    value = {"role": Role.WITNESS, "roles": [Role.STAFF, "x"], "n": 3, "ok": True, "none": None}
    assert canonical_entry(value) == canonical_bytes(value) == b'{"n":3,"none":null,"ok":true,"role":"witness",' \
        b'"roles":["staff","x"]}'
