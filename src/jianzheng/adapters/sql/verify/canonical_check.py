"""Is a stored entry canonical JSON (RFC 8785)? A fast path for the common case, exact always.

Re-encoding every entry with the ``rfc8785`` package (pure Python) costs far more than the
rest of verification. For the entries the ledger writes — integers within ±(2^53 − 1), no
floating point, no characters at or above U+E000 — RFC 8785 output is exactly what the
standard library's C encoder produces with sorted keys, no whitespace and no ASCII
escaping: the same escapes (``\\"``, ``\\\\``, ``\\b \\f \\n \\r \\t``, other controls as
lowercase ``\\u00xx``), the same integer form, and key order by UTF-16 code units equals
order by code points when no key holds a character at or above U+E000. So an entry is
checked by re-encoding with the C encoder; whenever the fast answer could differ from RFC
8785 (a float, a constant such as ``NaN``, an integer of 16 or more digits, a character ≥
U+E000, or simply a mismatch), the entry is checked with :func:`jianzheng.ledger.canonical.canonical_bytes`,
which decides.
"""

from __future__ import annotations

import json
from typing import Any

from jianzheng.ledger.canonical import canonical_bytes
from jianzheng.ledger.errors import CanonicalEncodingError


class _NeedsExactCheck(Exception):
    pass


def _refuse(_: str) -> Any:
    raise _NeedsExactCheck


def _integer(text: str) -> int:
    # 2^53 - 1 has 16 digits: anything that long may be out of range and gets the exact check.
    if len(text) >= 16:
        raise _NeedsExactCheck
    return int(text)


_DECODE = json.JSONDecoder(parse_float=_refuse, parse_constant=_refuse, parse_int=_integer).decode
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False).encode


def _exact(document: Any, entry: str) -> bool:
    try:
        return canonical_bytes(document) == entry.encode("utf-8")
    except CanonicalEncodingError:
        return False


def _has_high_character(data: bytes) -> bool:
    # In UTF-8 a character at or above U+E000 starts with a byte 0xEE-0xF4, and no other
    # character's bytes include those values (continuation bytes are 0x80-0xBF).
    return not data.isascii() and (b"\xee" in data or b"\xef" in data or b"\xf0" in data or b"\xf1" in data
                                   or b"\xf2" in data or b"\xf3" in data or b"\xf4" in data)


def parse_entry(entry: str, data: bytes | None = None) -> tuple[Any, bool]:
    """Parse a stored entry; return the document and whether the entry is canonical.

    ``data`` is the entry's UTF-8 bytes when the caller has them already. Raises
    ``ValueError`` when the entry is not JSON at all.
    """
    try:
        document = _DECODE(entry)
    except _NeedsExactCheck:
        document = json.loads(entry)
        return document, _exact(document, entry)
    if _has_high_character(entry.encode("utf-8") if data is None else data):
        return document, _exact(document, entry)
    try:
        if _ENCODE(document) == entry:
            return document, True
    except ValueError:
        pass
    return document, _exact(document, entry)


parse_json = json.JSONDecoder().decode  # plain parsing, for the replay (the ledger checks judge the form)
