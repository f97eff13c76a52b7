"""What the read tables show of an imported process: facts drawn from its compiled release.

An import event carries the release as published (payload form) and these facts, computed
from the compiled release after that release, so the projections stay simple functions of
one event. Party ids are namespaced by the publisher (``armenia:AM-TIN-00830786``), so an
imported company never collides with a registered one or with another publisher's; bid ids
are namespaced by the lot. Money becomes integer fen (minor units × 100, rounded
half-even) in the lot's currency — the tender value's currency, else the first one seen;
an amount in another currency is left out of the tables (it stays in the release).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from jianzheng.adapters.ocds.merge import compile_releases
from jianzheng.adapters.ocds.normalize import decimal_of
from jianzheng.domain.calendar import format_instant

SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]+$")
ID_LENGTH = 64  # the read tables' id columns
# The extension's camelCase fingerprint fields, as the platform's bids table names them.
FINGERPRINT = {"machineCode": "machine_code", "mac": "mac", "cpuId": "cpu_id", "diskSerial": "disk_serial",
               "author": "author", "tool": "tool"}
CATEGORIES = {"works": "works", "goods": "goods", "services": "services"}


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def namespaced(namespace: str, local: str) -> str:
    """A read-table id for a publisher's own id: readable when it is short and plain, else hashed."""
    if SAFE_ID.match(local) and len(namespace) + 1 + len(local) <= ID_LENGTH:
        return f"{namespace}:{local}"
    return f"{namespace}:h{_digest(local, 20)}"


def _obj(parent: Any, key: str) -> dict[str, Any]:
    value = parent.get(key) if isinstance(parent, dict) else None
    return value if isinstance(value, dict) else {}


def _list(parent: Any, key: str) -> list[Any]:
    value = parent.get(key) if isinstance(parent, dict) else None
    return value if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def instant(value: Any) -> str | None:
    """An RFC 3339 date-time as the tables store instants (UTC, milliseconds), or None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return format_instant(parsed)


def fen(amount: Any) -> int | None:
    value = decimal_of(amount)
    if value is None:
        return None
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


class _Summary:
    def __init__(self, compiled: Mapping[str, Any], namespace: str, lot_id: str) -> None:
        self.compiled = compiled
        self.namespace = namespace
        self.lot_id = lot_id
        self.currency = self._currency()
        self.parties: dict[str, dict[str, Any]] = {}

    def _currency(self) -> str | None:
        tender = _obj(self.compiled, "tender")
        candidates = [_obj(tender, "value")]
        candidates += [_obj(b, "value") for b in _list(_obj(self.compiled, "bids"), "details")]
        candidates += [_obj(a, "value") for a in _list(self.compiled, "awards")]
        candidates += [_obj(c, "value") for c in _list(self.compiled, "contracts")]
        candidates.append(_obj(_obj(_obj(self.compiled, "planning"), "budget"), "amount"))
        for value in candidates:
            currency = value.get("currency")
            if isinstance(currency, str):
                return currency
        return None

    def money(self, value: Any) -> int | None:
        if not isinstance(value, dict) or value.get("currency") != self.currency:
            return None
        return fen(value.get("amount"))

    def party(self, reference: Any, role: str | None = None) -> str | None:
        """The namespaced id of an organisation reference, recording the party on the way."""
        if not isinstance(reference, dict):
            return None
        local = _text(reference.get("id"))
        name = _text(reference.get("name"))
        if local is None and name is None:
            return None
        party_id = namespaced(self.namespace, local) if local else f"{self.namespace}:n{_digest(name or '', 20)}"
        entry = self.parties.setdefault(party_id, {"party_id": party_id, "ocds_id": local, "name": name or "",
                                                   "roles": []})
        if name and not entry["name"]:
            entry["name"] = name
        if role and role not in entry["roles"]:
            entry["roles"].append(role)
        return party_id

    def build(self) -> dict[str, Any]:
        compiled = self.compiled
        tender = _obj(compiled, "tender")
        for organisation in _list(compiled, "parties"):
            for role in _list(organisation, "roles") or [None]:
                self.party(organisation, role if isinstance(role, str) else None)
        tenderer_id = self.party(_obj(compiled, "buyer"), "buyer")
        agency_id = self.party(_obj(tender, "procuringEntity"), "procuringEntity")
        bids = self.bids()
        awards = [a for a in _list(compiled, "awards") if isinstance(a, dict)]
        active = [a for a in awards if a.get("status") == "active"]
        winner = next((self.party(s, "supplier") for a in active for s in _list(a, "suppliers")), None)
        contracts = [c for c in _list(compiled, "contracts") if isinstance(c, dict)]
        signed = [c for c in contracts if c.get("status") in ("active", "terminated") or c.get("dateSigned")]
        budget = _obj(_obj(compiled, "planning"), "budget")
        category = CATEGORIES.get(str(tender.get("mainProcurementCategory")))
        lot = {
            "name": _text(tender.get("title")) or _text(budget.get("project")) or str(compiled.get("ocid")),
            "category": category,
            "procedure": _text(tender.get("procurementMethod")),
            "currency": self.currency,
            "estimated_price_fen": self.money(tender.get("value")),
            "stage": stage(compiled),
            "tenderer_id": tenderer_id,
            "agency_id": agency_id,
            "announced_at": instant(_obj(tender, "tenderPeriod").get("startDate")),
            "bid_deadline": instant(_obj(tender, "tenderPeriod").get("endDate")),
            "opened_at": instant(_obj(tender, "awardPeriod").get("startDate")),
            "awarded_at": min((d for d in (instant(a.get("date")) for a in active) if d), default=None),
            "awarded_bidder_id": winner,
            "contract_signed_at": min((d for d in (instant(c.get("dateSigned")) for c in signed) if d),
                                      default=None),
            "contract_price_fen": self.money(signed[0].get("value")) if signed else None,
            "deposit_fen": self.money(tender.get("bidDeposit")),
            "round": tender.get("round") if isinstance(tender.get("round"), int) else 1,
        }
        project = {
            "name": _text(budget.get("project")) or lot["name"],
            "funding_source": _text(budget.get("description")),
        }
        parties = [{**p, "kind": _kind(p["roles"])} for p in self.parties.values()]
        return {"ocid": compiled.get("ocid"), "project": project, "lot": lot, "parties": parties, "bids": bids}

    def bids(self) -> list[dict[str, Any]]:
        rows = []
        seen: set[str] = set()
        for index, bid in enumerate(_list(_obj(self.compiled, "bids"), "details")):
            if not isinstance(bid, dict) or bid.get("status") == "invited":
                continue  # an invitation is not a bid
            local = _text(bid.get("id")) or str(index)
            if local in seen:  # a publisher repeated a bid id: keep both rows apart
                local = f"{local}#{index}"
            seen.add(local)
            tenderers = [self.party(t, "tenderer") for t in _list(bid, "tenderers")]
            members = [t for t in tenderers if t]
            bidder = members[0] if members else f"{self.namespace}:anonymous-{_digest(self.lot_id + local, 12)}"
            content = _obj(bid, "content")
            digest = hashlib.sha256(json.dumps(bid, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
            manager = _obj(bid, "projectManager")
            rows.append({
                "bid_id": f"{self.lot_id}/{local}" if len(self.lot_id) + len(local) < 64
                else f"{self.lot_id[:40]}/h{_digest(local, 20)}",
                "ocds_id": local,
                "bidder_id": bidder,
                "members": members,
                "status": bid.get("status") if isinstance(bid.get("status"), str) else "pending",
                "submitted_at": instant(bid.get("date")),
                "price_fen": self.money(bid.get("value")),
                "source_ip": _text(bid.get("uploadIp")),
                "fingerprint": {FINGERPRINT[k]: v for k, v in _obj(bid, "fingerprint").items()
                                if k in FINGERPRINT and isinstance(v, str)} or None,
                "project_manager_id": namespaced(self.namespace, str(manager["id"])) if _text(manager.get("id"))
                else None,
                "content_sha256": _text(content.get("sha256")) or digest,
                "content_sm3": _text(content.get("sm3")),
                "documents": [_document(d) for d in _list(bid, "documents") if isinstance(d, dict)],
                "round": bid.get("round") if isinstance(bid.get("round"), int) else 1,
                "version": bid.get("version") if isinstance(bid.get("version"), int) else 1,
                "rank": bid.get("rank") if isinstance(bid.get("rank"), int) else None,
                "score": _score(bid.get("score")),
                "statusDetails": _text(bid.get("statusDetails")),
            })
        return rows


def _document(doc: Mapping[str, Any]) -> dict[str, Any]:
    """An OCDS document in the shape the bids table keeps platform documents (plus its URL)."""
    return {"name": _text(doc.get("title")), "sha256": _text(doc.get("sha256")), "sm3": _text(doc.get("sm3")),
            "size": doc.get("size") if isinstance(doc.get("size"), int) else None,
            "media_type": _text(doc.get("format")), "url": _text(doc.get("url"))}


def _score(value: Any) -> int | None:
    """An evaluation score in points as the bids table keeps it, 1/10000 point."""
    points = decimal_of(value)
    return None if points is None else int((points * 10000).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def _kind(roles: Sequence[str]) -> str:
    if "buyer" in roles:
        return "tenderer"
    if "procuringEntity" in roles:
        return "agency"
    if {"tenderer", "supplier"} & set(roles):
        return "bidder"
    return "other"


def stage(compiled: Mapping[str, Any]) -> str:
    """The lifecycle stage (domain.lifecycle.Stage value) an imported process has reached."""
    tender = _obj(compiled, "tender")
    status = tender.get("status")
    if status in ("cancelled", "withdrawn"):
        return "cancelled"
    contracts = [c for c in _list(compiled, "contracts") if isinstance(c, dict)]
    if any(c.get("status") == "terminated" for c in contracts):
        return "completed"
    if any(c.get("status") == "active" or c.get("dateSigned") for c in contracts):
        return "contracted"
    awards = [a for a in _list(compiled, "awards") if isinstance(a, dict)]
    if any(a.get("status") == "active" for a in awards):
        return "awarded"
    if any(a.get("status") == "pending" for a in awards):
        return "candidates_published"
    if status == "unsuccessful":
        return "failed"
    if status == "complete":
        return "completed"
    if _list(_obj(compiled, "bids"), "details"):
        return "opened"
    if status == "active":
        return "bidding"
    return "registered"


def summarize(releases: Sequence[Mapping[str, Any]], namespace: str, lot_id: str) -> dict[str, Any]:
    """The read-table facts of a process after these releases (payload form)."""
    return _Summary(compile_releases(releases), namespace, lot_id).build()
