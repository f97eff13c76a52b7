"""Convert OCDS compiled releases (one JSON object per line) into the supervision frames.

Each contracting process (``ocid``) becomes one lot. The mapping, field by field:

* lot: ``ocid`` → lot_id and project_id; ``tender.title``; ``tender.mainProcurementCategory``
  → category; ``tender.procurementMethod`` and ``procurementMethodDetails``;
  ``tender.value`` → estimated_price_fen; ``tender.tenderPeriod.startDate/endDate`` →
  tender_start / bid_deadline; ``buyer.id`` → tenderer_id; ``tender.procuringEntity.id`` →
  agency_id; ``tender.status`` → stage; ``tender.numberOfTenderers``;
  ``tender.awardPeriod.startDate`` → opened_at; the first active award's date → awarded_at.
* bids (bids extension): each ``bids.details[]`` entry with a status other than
  ``invited`` (an invitation is not a bid) becomes one row per tenderer, sharing the bid id
  (a joint bid); a bid without tenderers becomes one row with a null bidder. The legacy
  statuses ``qualified`` / ``active`` read as valid and ``not-qualified`` as disqualified;
  any other status is refused with the line number.
* awards: one row per award and supplier (one row with a null bidder when none is named).
  OCDS 1.1 knows pending / active / cancelled / unsuccessful; any other status (such as
  ``invalid``) is not final and is mapped to ``pending``, so indicators that need final
  awards skip the process, as the OCP's Cardinal does.
* parties: ``parties[]`` plus every organisation referenced above.

Money: amounts become integer fen (amount × 100, rounded half-even). All money on a lot is in
one currency, the *main currency* (the ``currency`` argument, otherwise the first currency
seen in the file, as Cardinal does); amounts in another currency become null, so no
indicator compares prices across currencies. Dates that are not RFC 3339 become null.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import polars as pl

from jianzheng.supervision.frames import (
    AWARDS_SCHEMA,
    BIDS_SCHEMA,
    LOTS_OPTIONAL_SCHEMA,
    LOTS_SCHEMA,
    PARTIES_SCHEMA,
    Frames,
)

BID_STATUS_MAP = {
    "pending": "pending",
    "valid": "valid",
    "disqualified": "disqualified",
    "withdrawn": "withdrawn",
    # Statuses of the bids extension before its codelist settled, still in published data
    # (Armenia 2018: qualified / not-qualified; Ukraine's Prozorro: active).
    "qualified": "valid",
    "not-qualified": "disqualified",
    "active": "valid",
}
AWARD_STATUSES = frozenset({"pending", "active", "cancelled", "unsuccessful"})
CATEGORY_MAP = {"works": "works", "goods": "goods", "services": "services"}


class OcdsInputError(ValueError):
    """A line is not a usable OCDS compiled release; the message names the line."""


def parse_datetime(value: Any) -> datetime | None:
    """An RFC 3339 date-time as an aware UTC datetime, or None when absent or malformed."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(UTC)


def to_fen(amount: Any) -> int | None:
    """An OCDS amount (major units) as integer fen, or None when it is not a number."""
    if isinstance(amount, bool) or not isinstance(amount, int | float | str):
        return None
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def _id(obj: Any) -> str | None:
    if isinstance(obj, dict):
        value = obj.get("id")
        if isinstance(value, str):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
    return None


def _obj(parent: Any, key: str) -> dict[str, Any]:
    value = parent.get(key) if isinstance(parent, dict) else None
    return value if isinstance(value, dict) else {}


def _list(parent: Any, key: str) -> list[Any]:
    value = parent.get(key) if isinstance(parent, dict) else None
    return value if isinstance(value, list) else []


@dataclass
class _Builder:
    currency: str | None
    publisher: str
    lots: list[dict[str, Any]] = field(default_factory=list)
    bids: list[dict[str, Any]] = field(default_factory=list)
    awards: list[dict[str, Any]] = field(default_factory=list)
    parties: dict[str, dict[str, Any]] = field(default_factory=dict)

    def money(self, value: Any) -> int | None:
        if not isinstance(value, dict):
            return None
        currency = value.get("currency")
        if not isinstance(currency, str):
            return None
        if self.currency is None:
            self.currency = currency
        if currency != self.currency:
            return None
        return to_fen(value.get("amount"))

    def party(self, party_id: str | None, name: Any, kind: str) -> None:
        if party_id is None:
            return
        if party_id not in self.parties:
            self.parties[party_id] = {
                "party_id": party_id,
                "name": name if isinstance(name, str) else "",
                "kind": kind,
            }

    def add(self, release: dict[str, Any], line: int) -> None:
        ocid = release.get("ocid")
        if not isinstance(ocid, str):
            raise OcdsInputError(f"第 {line} 行缺少字符串类型的 ocid。 / Line {line} has no string ocid.")
        tender = _obj(release, "tender")
        period = _obj(tender, "tenderPeriod")
        for party in _list(release, "parties"):
            roles = _list(party, "roles")
            kind = (
                "tenderer"
                if "buyer" in roles
                else (
                    "agency"
                    if "procuringEntity" in roles
                    else ("bidder" if {"tenderer", "supplier"} & set(roles) else "other")
                )
            )
            self.party(_id(party), party.get("name"), kind)
        buyer = _obj(release, "buyer")
        entity = _obj(tender, "procuringEntity")
        self.party(_id(buyer), buyer.get("name"), "tenderer")
        self.party(_id(entity), entity.get("name"), "agency")

        active_dates: list[datetime] = []
        for award in _list(release, "awards"):
            status = award.get("status") if isinstance(award, dict) else None
            if not isinstance(status, str):
                continue  # an award without a status says nothing about finality
            status = status if status in AWARD_STATUSES else "pending"
            date = parse_datetime(award.get("date"))
            if status == "active" and date is not None:
                active_dates.append(date)
            suppliers = [s for s in _list(award, "suppliers") if _id(s) is not None]
            price = self.money(award.get("value"))
            for supplier in suppliers or [None]:
                supplier_id = _id(supplier)
                if supplier is not None:
                    self.party(supplier_id, supplier.get("name"), "bidder")
                self.awards.append(
                    {
                        "lot_id": ocid,
                        "bidder_id": supplier_id,
                        "price_fen": price,
                        "awarded_at": date,
                        "status": status,
                        "event_seq": None,
                    }
                )

        for index, bid in enumerate(_list(_obj(release, "bids"), "details")):
            if not isinstance(bid, dict):
                continue
            raw_status = bid.get("status")
            if raw_status == "invited":
                continue
            if not isinstance(raw_status, str) or raw_status not in BID_STATUS_MAP:
                raise OcdsInputError(
                    f"第 {line} 行 ocid {ocid} 的投标 {index} 状态 {raw_status!r} 无法识别。"
                    f" / Line {line}, ocid {ocid}: bid {index} has unknown status {raw_status!r}."
                )
            bid_id = bid.get("id")
            bid_id = str(bid_id) if isinstance(bid_id, str | int) else str(index)
            tenderers = [t for t in _list(bid, "tenderers") if _id(t) is not None]
            for tenderer in tenderers:
                self.party(_id(tenderer), tenderer.get("name"), "bidder")
            price = self.money(bid.get("value"))
            submitted = parse_datetime(bid.get("date"))
            for tenderer in tenderers or [None]:
                self.bids.append(
                    {
                        "bid_id": f"{ocid}/{bid_id}",
                        "lot_id": ocid,
                        "bidder_id": _id(tenderer),
                        "price_fen": price,
                        "submitted_at": submitted,
                        "status": BID_STATUS_MAP[raw_status],
                        "rank": None,
                        "winner": False,
                        "event_seq": None,
                    }
                )

        method = tender.get("procurementMethod")
        details = tender.get("procurementMethodDetails")
        count = tender.get("numberOfTenderers")
        category = CATEGORY_MAP.get(str(tender.get("mainProcurementCategory")), "")
        status = tender.get("status")
        self.lots.append(
            {
                "lot_id": ocid,
                "project_id": ocid,
                "title": tender.get("title") if isinstance(tender.get("title"), str) else "",
                "category": category,
                "procurement_method": method if isinstance(method, str) else None,
                "estimated_price_fen": self.money(tender.get("value")),
                "currency": "",
                "tender_start": parse_datetime(period.get("startDate")),
                "bid_deadline": parse_datetime(period.get("endDate")),
                "opened_at": parse_datetime(_obj(tender, "awardPeriod").get("startDate")),
                "awarded_at": min(active_dates) if active_dates else None,
                "tenderer_id": _id(buyer),
                "agency_id": _id(entity),
                "stage": status if isinstance(status, str) else "unknown",
                "state_funded": False,
                "source": f"ocds:{self.publisher}",
                "event_seq": None,
                "procurement_method_details": details if isinstance(details, str) else None,
                "number_of_tenderers": (count if isinstance(count, int) and not isinstance(count, bool) else None),
            }
        )

    def frames(self) -> Frames:
        currency = self.currency or ""
        for lot in self.lots:
            lot["currency"] = currency
        winners = {(a["lot_id"], a["bidder_id"]) for a in self.awards if a["status"] == "active"}
        for bid in self.bids:
            bid["winner"] = (bid["lot_id"], bid["bidder_id"]) in winners
        lots = pl.DataFrame(self.lots, schema={**LOTS_SCHEMA, **LOTS_OPTIONAL_SCHEMA})
        return Frames(
            lots=lots,
            bids=pl.DataFrame(self.bids, schema=BIDS_SCHEMA),
            awards=pl.DataFrame(self.awards, schema=AWARDS_SCHEMA),
            parties=pl.DataFrame(list(self.parties.values()), schema=PARTIES_SCHEMA),
        )


def _releases(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            raise OcdsInputError(
                f"第 {number} 行不是有效的 JSON：{error.msg}。 / Line {number} is not valid JSON: {error.msg}."
            ) from error
        if not isinstance(value, dict):
            raise OcdsInputError(f"第 {number} 行不是 JSON 对象。 / Line {number} is not a JSON object.")
        yield number, value


def frames_from_lines(lines: Iterable[str], *, currency: str | None = None, publisher: str = "unknown") -> Frames:
    """Frames from OCDS compiled releases, one JSON object per line."""
    builder = _Builder(currency=currency, publisher=publisher)
    seen: set[str] = set()
    for number, release in _releases(lines):
        ocid = release.get("ocid")
        if isinstance(ocid, str) and ocid in seen:
            raise OcdsInputError(
                f"第 {number} 行的 ocid {ocid} 重复（应为汇编发布，每个 ocid 一行）。"
                f" / Line {number} repeats ocid {ocid} (compiled releases: one line per ocid)."
            )
        builder.add(release, number)
        if isinstance(ocid, str):
            seen.add(ocid)
    return builder.frames()


def frames_from_file(path: str | Path, *, currency: str | None = None, publisher: str | None = None) -> Frames:
    """Frames from a JSON Lines file of compiled releases."""
    path = Path(path)
    with path.open(encoding="utf-8") as handle:
        return frames_from_lines(handle, currency=currency, publisher=publisher or path.stem)
