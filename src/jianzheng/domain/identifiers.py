"""Validation of Chinese identifiers where they enter the system, and masking for display.

- Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters from a
  31-character alphabet; the last is a check character computed modulo 31.
- Resident identity number (公民身份号码), GB 11643-1999: 17 digits and a check
  character computed with ISO 7064 MOD 11-2 ('X' stands for 10).
"""

from __future__ import annotations

from datetime import date

from jianzheng.domain.errors import Refusal, invalid

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def uscc_check_character(first17: str) -> str:
    """The check character GB 32100-2015 prescribes for the first 17 characters."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(code: str, field_name: str = "credit_code") -> str:
    """Return the normalised code or refuse it with the reason."""
    value = code.strip().upper()
    if len(value) != 18:
        raise invalid(
            field_name,
            f"统一社会信用代码应为18位，实际为{len(value)}位",
            f"A unified social credit code has 18 characters, this one has {len(value)}",
        )
    bad = [c for c in value if c not in USCC_ALPHABET]
    if bad:
        raise invalid(
            field_name,
            f"统一社会信用代码含有不允许的字符：{''.join(bad)}（不使用 I、O、Z、S、V）",
            f"Characters not allowed in a unified social credit code: {''.join(bad)}",
        )
    expected = uscc_check_character(value[:17])
    if value[17] != expected:
        raise invalid(
            field_name,
            f"统一社会信用代码校验位错误：应为 {expected}",
            f"Wrong check character in the unified social credit code: expected {expected}",
        )
    return value


def id_check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of a resident identity number."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def validate_resident_id(number: str, field_name: str = "id_number") -> str:
    """Return the normalised 18-character identity number or refuse it with the reason."""
    value = number.strip().upper()
    if len(value) != 18 or not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise invalid(
            field_name,
            "身份证号码应为17位数字加1位校验码（数字或X）",
            "An identity number is 17 digits followed by a check digit or X",
        )
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise invalid(
            field_name,
            f"身份证号码中的出生日期无效：{value[6:14]}",
            f"The date of birth in the identity number is not a date: {value[6:14]}",
        ) from None
    expected = id_check_character(value[:17])
    if value[17] != expected:
        raise invalid(
            field_name,
            f"身份证号码校验位错误：应为 {expected}",
            f"Wrong check digit in the identity number: expected {expected}",
        )
    return value


def mask_id_number(number: str) -> str:
    """Show the region and the check digit only: 530102********123X."""
    if len(number) < 8:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(phone: str) -> str:
    """Show the first three and last four digits of a phone number."""
    digits = phone.strip()
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def ensure(condition: bool, refusal: Refusal) -> None:
    """Raise the refusal unless the condition holds."""
    if not condition:
        raise refusal
