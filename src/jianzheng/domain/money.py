"""Money is exact: integer fen (分), never float. Parsing and formatting yuan amounts."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from jianzheng.domain.errors import invalid

# rfc8785 refuses integers beyond 2^53; no tender comes near 9e13 yuan, but say so clearly.
MAX_FEN = 2**53 - 1


def fen_from_yuan(text: str | int | Decimal, field_name: str = "amount") -> int:
    """Parse a yuan amount ("1234.56") into integer fen, refusing more than two decimals."""
    try:
        value = Decimal(str(text).strip().replace(",", ""))
    except InvalidOperation:
        raise invalid(field_name, f"金额格式错误：{text}", f"Not an amount: {text!r}") from None
    if not value.is_finite():
        raise invalid(field_name, f"金额格式错误：{text}", f"Not an amount: {text!r}")
    fen = value * 100
    if fen != fen.to_integral_value():
        raise invalid(field_name, "金额最多保留两位小数", "An amount has at most two decimals (fen)")
    return check_fen(int(fen), field_name)


def check_fen(fen: int, field_name: str = "amount", allow_zero: bool = True) -> int:
    """Refuse negative or absurdly large amounts."""
    if fen < 0 or (fen == 0 and not allow_zero):
        raise invalid(field_name, "金额必须大于零", "The amount must be positive")
    if fen > MAX_FEN:
        raise invalid(field_name, "金额超出允许范围", "The amount is too large")
    return fen


def format_yuan(fen: int) -> str:
    """Format fen as a yuan amount with thousands separators: 1,234,567.89."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"
