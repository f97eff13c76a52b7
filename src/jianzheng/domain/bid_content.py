"""The structured content of a bid: price, bill of quantities, project manager, key staff.

This is what the bidder submits and what the opening publishes in part (price and key
terms). It is validated here so every entry point refuses the same bad input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jianzheng.domain.errors import invalid
from jianzheng.domain.money import check_fen


@dataclass(frozen=True)
class BoqLine:
    """A bill-of-quantities line (工程量清单): unit price in fen, quantity in thousandths."""

    code: str
    name: str
    unit: str
    quantity_milli: int
    unit_price_fen: int


@dataclass(frozen=True)
class BidContent:
    price_fen: int
    boq: tuple[BoqLine, ...]
    project_manager_id: str | None
    key_staff: tuple[str, ...]
    duration_days: int | None
    quality: str
    technical_proposal: str
    representative: dict[str, str] | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "price_fen": self.price_fen,
            "boq": [{"code": b.code, "name": b.name, "unit": b.unit, "quantity_milli": b.quantity_milli,
                     "unit_price_fen": b.unit_price_fen} for b in self.boq],
            "project_manager_id": self.project_manager_id,
            "key_staff": list(self.key_staff),
            "duration_days": self.duration_days,
            "quality": self.quality,
            "technical_proposal": self.technical_proposal,
            "representative": self.representative,
        }


def parse_bid_content(doc: Any) -> BidContent:
    """Validate a bid's content document, naming the first field at fault."""
    if not isinstance(doc, dict):
        raise invalid("content", "投标内容应为 JSON 对象", "The bid content must be a JSON object")
    price = doc.get("price_fen")
    if not isinstance(price, int) or isinstance(price, bool):
        raise invalid("content.price_fen", "投标报价（分）必须是整数", "price_fen must be an integer number of fen")
    check_fen(price, "content.price_fen", allow_zero=False)
    lines = []
    for index, line in enumerate(doc.get("boq") or []):
        where = f"content.boq[{index}]"
        if not isinstance(line, dict):
            raise invalid(where, "清单行应为对象", "A bill-of-quantities line must be an object")
        try:
            lines.append(BoqLine(str(line["code"]), str(line["name"]), str(line.get("unit", "")),
                                 int(line.get("quantity_milli", 1000)), check_fen(int(line["unit_price_fen"]), where)))
        except (KeyError, TypeError, ValueError):
            raise invalid(where, "清单行须有 code、name 和整数 unit_price_fen",
                          "A line needs code, name and an integer unit_price_fen") from None
    duration = doc.get("duration_days")
    if duration is not None and (not isinstance(duration, int) or duration <= 0):
        raise invalid("content.duration_days", "工期（天）必须是正整数", "duration_days must be a positive integer")
    staff = doc.get("key_staff") or []
    if not isinstance(staff, list) or not all(isinstance(s, str) for s in staff):
        raise invalid("content.key_staff", "主要人员应为人员编号列表", "key_staff must be a list of person ids")
    manager = doc.get("project_manager_id")
    if manager is not None and not isinstance(manager, str):
        raise invalid("content.project_manager_id", "项目经理应为人员编号", "project_manager_id must be a person id")
    representative = _string_map(doc.get("representative"), REPRESENTATIVE_FIELDS, "content.representative",
                                 "授权代表", "representative")
    return BidContent(price, tuple(lines), manager, tuple(staff), duration, str(doc.get("quality", "")),
                      str(doc.get("technical_proposal", "")), representative)


# The bidder's authorised representative (授权委托人) and contact: Regs 40 item 2 compares them.
REPRESENTATIVE_FIELDS = ("name", "phone", "email", "person_id")
# What a bid-compiling tool records about where the file was made (Regs 40 item 1).
FINGERPRINT_FIELDS = ("machine_code", "mac", "cpu_id", "disk_serial", "author", "tool")
_MAX_FIELD = 256


def _string_map(value: object, allowed: tuple[str, ...], where: str, what_zh: str,
                what_en: str) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid(where, f"{what_zh}应为对象", f"The {what_en} must be an object")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise invalid(f"{where}.{unknown[0]}", f"{what_zh}中有未知字段：{unknown[0]}（可用：{'、'.join(allowed)}）",
                      f"Unknown {what_en} field {unknown[0]!r} (allowed: {', '.join(allowed)})")
    result: dict[str, str] = {}
    for key in allowed:
        item = value.get(key)
        if item is None or item == "":
            continue
        if not isinstance(item, str) or len(item) > _MAX_FIELD:
            raise invalid(f"{where}.{key}", f"{what_zh}字段 {key} 应为不超过{_MAX_FIELD}个字符的文本",
                          f"The {what_en} field {key} must be text of at most {_MAX_FIELD} characters")
        result[key] = item.strip()
    return result or None


def check_fingerprint(value: object) -> dict[str, str] | None:
    """Validate a bid file's compiling-machine fingerprint; None when nothing was recorded."""
    return _string_map(value, FINGERPRINT_FIELDS, "fingerprint", "机器指纹", "fingerprint")
