"""Canonical JSON (RFC 8785, JCS) for ledger leaves.

A leaf of the ledger is the canonical JSON of an event; two honest implementations must
produce the same bytes for the same event, or the tree root would depend on who encoded
it. RFC 8785 fixes key order, whitespace and string escaping; the ``rfc8785`` package does
the encoding. We add a stricter check in front of it: the ledger refuses floating point
numbers altogether (their decimal rendering invites disputes about money and scores; keep
amounts in integer fen or as decimal strings) and integers outside the range IEEE 754
doubles represent exactly (|n| <= 2^53 - 1), because other JCS implementations (JavaScript,
Go via float64) would silently round them.

Public API::

    canonical_bytes(obj: object) -> bytes
    MAX_SAFE_INTEGER: int
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import rfc8785

from jianzheng.ledger.errors import CanonicalEncodingError

MAX_SAFE_INTEGER = 2**53 - 1


def canonical_bytes(obj: object) -> bytes:
    """Return the RFC 8785 canonical JSON encoding of ``obj`` (UTF-8 bytes).

    Accepts ``None``, ``bool``, ``int`` within +/-(2^53 - 1), ``str``, lists/tuples and
    mappings with ``str`` keys. Raises :class:`CanonicalEncodingError` naming the path of
    the first offending value otherwise.
    """
    _check(obj, "$")
    try:
        # _check proved obj is a JSON value; rfc8785's stubs cannot see that.
        return bytes(rfc8785.dumps(obj))  # type: ignore[arg-type]
    except Exception as exc:  # pragma: no cover - _check already refuses what rfc8785 does
        raise CanonicalEncodingError(
            f"无法编码为规范 JSON：{exc}", f"cannot encode as canonical JSON: {exc}"
        ) from exc


def _check(value: object, path: str) -> None:
    # bool is a subclass of int: test it first so True/False are accepted as booleans.
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise CanonicalEncodingError(
                f"{path} 处的整数 {value} 超出 ±(2^53-1)，请改用十进制字符串",
                f"integer {value} at {path} is outside ±(2^53-1); use a decimal string",
            )
        return
    if isinstance(value, float):
        raise CanonicalEncodingError(
            f"{path} 处是浮点数 {value!r}；账本只接受整数或十进制字符串",
            f"float {value!r} at {path}: the ledger accepts integers or decimal strings only",
        )
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalEncodingError(
                    f"{path} 处的键 {key!r} 不是字符串", f"key {key!r} at {path} is not a string"
                )
            _check(item, f"{path}.{key}")
        return
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        for i, item in enumerate(value):
            _check(item, f"{path}[{i}]")
        return
    raise CanonicalEncodingError(
        f"{path} 处的值类型 {type(value).__name__} 不能编码为 JSON",
        f"value of type {type(value).__name__} at {path} cannot be encoded as JSON",
    )
