"""A platform lot's witnessed events as OCDS releases: one release per event that changes the record.

The lot's events are replayed in order into a view of the contracting process; after each
event the view is rendered as an OCDS release body, and when the body differs from the
previous one a release is emitted: id ``<ocid>-<event seq>``, the event's time as its date,
and a tag chosen by the event type (registration → ``planning``, announcement →
``tender``, clarification or deadline move → ``tenderAmendment``, candidates and award →
``award``, contract → ``contract``, cancellation → ``tenderCancellation``, anything else
that shows → ``tenderUpdate``). Each release is a full snapshot, so merging them in order
gives the state after the last event, which is the compiled release.

Sealed bids stay sealed: no bid, bidder or deposit appears before the opening (Order 20
Art. 25–28); at the opening each opened bid appears with its price, and the extension's
fields (fingerprint, upload IP, deposit and paying account, project manager, content
digests, technical proposal) are filled from the events and the opened bid content.
Money is CNY: integer fen become exact decimal yuan.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from jianzheng.adapters.ocds.normalize import number
from jianzheng.domain.calendar import format_instant
from jianzheng.domain.events import WitnessedEvent

CURRENCY = "CNY"
USCC_SCHEME = "CN-USCC"  # 统一社会信用代码 (GB 32100-2015)
AWARD_CRITERIA = {"comprehensive": "ratedCriteria", "lowest_price": "priceOnly"}
TAGS = {
    "lot.registered": "planning",
    "lot.announced": "tender",
    "lot.clarification_issued": "tenderAmendment",
    "lot.deadline_extended": "tenderAmendment",
    "lot.candidates_published": "award",
    "lot.awarded": "award",
    "lot.contract_signed": "contract",
    "lot.cancelled": "tenderCancellation",
}

# Reads a bid's opened content (the blob) by its SHA-256; None when it cannot be read as JSON.
ContentReader = Callable[[str], Mapping[str, Any] | None]


def money(fen: int | None) -> dict[str, Any] | None:
    """Integer fen as an OCDS Value in CNY (exact decimal yuan, payload form)."""
    if fen is None:
        return None
    return {"amount": number(Decimal(fen) / 100), "currency": CURRENCY}


def _document(doc: Mapping[str, Any] | None, doc_id: str, kind: str, at: str) -> dict[str, Any] | None:
    if not doc:
        return None
    return {"id": doc_id, "documentType": kind, "title": doc.get("name"), "format": doc.get("media_type"),
            "datePublished": at, "sha256": doc.get("sha256"), "sm3": doc.get("sm3"), "size": doc.get("size")}


@dataclass
class _Bid:
    bid_id: str
    bidder_id: str
    round: int
    version: int
    submitted_at: str
    source_ip: str
    content_sha256: str
    content_sm3: str
    documents: list[dict[str, Any]]
    fingerprint: dict[str, Any] | None
    status: str = "submitted"
    visible: bool = False
    price_fen: int | None = None
    project_manager_id: str | None = None
    technical_proposal: str | None = None
    rank: int | None = None
    score: int | None = None
    reason: str | None = None


@dataclass
class _Deposit:
    deposit_id: str
    bidder_id: str
    round: int
    amount_fen: int
    paying_account: str
    paying_bank: str
    from_basic_account: bool
    paid_at: str
    refunded_at: str | None = None
    interest_fen: int | None = None


@dataclass
class LotView:
    """What an OCDS reader may know of a platform lot after some of its events."""

    lot_id: str
    ocid: str
    parties: Mapping[str, Mapping[str, Any]]
    persons: Mapping[str, Mapping[str, Any]]
    projects: Mapping[str, Mapping[str, Any]]
    read_content: ContentReader
    registered: dict[str, Any] = field(default_factory=dict)
    status: str = "planning"
    round: int = 1
    method: str | None = None
    factors: list[dict[str, Any]] = field(default_factory=list)
    deposit_fen: int | None = None
    documents: list[dict[str, Any]] = field(default_factory=list)
    amendments: list[dict[str, Any]] = field(default_factory=list)
    announcement: str | None = None
    sale_start: str | None = None
    bid_deadline: str | None = None
    opened_at: str | None = None
    awarded_at: str | None = None
    bids: dict[str, _Bid] = field(default_factory=dict)
    deposits: dict[str, _Deposit] = field(default_factory=dict)
    awards: list[dict[str, Any]] = field(default_factory=list)
    contracts: list[dict[str, Any]] = field(default_factory=list)

    # -- events ---------------------------------------------------------------------------

    def apply(self, event: WitnessedEvent) -> None:
        handler = getattr(self, "_" + event.type.removeprefix("lot."), None)
        if event.type.startswith("lot.") and handler is not None:
            handler(event.payload, format_instant(event.time), event)

    def _registered(self, p: dict[str, Any], at: str, e: WitnessedEvent) -> None:
        self.registered = dict(p)

    def _documents_compiled(self, p: dict[str, Any], at: str, e: WitnessedEvent) -> None:
        self.method = p["method"]
        self.factors = list(p["factors"])
        self.deposit_fen = p["deposit_fen"]
        doc = _document(p.get("document"), f"tender-{self.round}-v{p['version']}", "biddingDocuments", at)
        if doc:
            self.documents.append(doc)

    def _announced(self, p: dict[str, Any], at: str, e: WitnessedEvent) -> None:
        self.status = "active"
        self.announcement = p["text"]
        self.sale_start = p["sale_start"]
        self.bid_deadline = p["bid_deadline"]

    def _clarification_issued(self, p: dict[str, Any], at: str, e: WitnessedEvent) -> None:
        key = f"clarification-{self.round}-{p['number']}"
        self.amendments.append({"id": key, "date": at, "rationale": "澄清与修改 / Clarification",
                                "description": p["text"]})
        doc = _document(p.get("document"), key, "clarifications", at)
        if doc:
            self.documents.append(doc)

    def _deadline_extended(self, p: dict[str, Any], at: str, e: WitnessedEvent) -> None:
        self.bid_deadline = p["new_deadline"]
        self.amendments.append({
            "id": f"deadline-{e.seq}", "date": at, "rationale": "投标截止时间顺延 / The bid deadline moved",
            "description": f"{p['old_deadline']} → {p['new_deadline']}（{p['article']}）"})

    def _deposit_paid(self, p: dict[str, Any], at: str, e: WitnessedEvent) -> None:
        self.deposits[p["deposit_id"]] = _Deposit(
            p["deposit_id"], p["bidder_id"], self.round, p["amount_fen"], p["paying_account"], p["paying_bank"],
            p["from_basic_account"], at)

    def _deposit_refunded(self, p: dict[str, Any], at: str, e: WitnessedEvent) -> None:
        deposit = self.deposits.get(p["deposit_id"])
        if deposit is not None:
            deposit.refunded_at = at
            deposit.interest_fen = p["interest_fen"]

    def _bid_submitted(self, p: dict[str, Any], at: str, e: WitnessedEvent) -> None:
        if p.get("replaces") and p["replaces"] in self.bids:
            self.bids[p["replaces"]].status = "replaced"
        self.bids[p["bid_id"]] = _Bid(
            p["bid_id"], p["bidder_id"], self.round, p["version"], at, e.source_ip, p["content_sha256"],
            p["content_sm3"], list(p.get("documents") or []), p.get("fingerprint"))

    def _bid_withdrawn(self, p: dict[str, Any], at: str, e: WitnessedEvent) -> None:
        if p["bid_id"] in self.bids:
            self.bids[p["bid_id"]].status = "withdrawn"

    def _bid_decrypted(self, p: dict[str, Any], at: str, e: WitnessedEvent) -> None:
        # A sealed bid opened in the hall: what is published is the plaintext and its documents.
        bid = self.bids.get(p["bid_id"])
        if bid is not None:
            bid.content_sha256, bid.content_sm3 = p["content_sha256"], p["content_sm3"]
            bid.documents = list(p.get("documents") or [])

    def _bid_decryption_failed(self, p: dict[str, Any], at: str, e: WitnessedEvent) -> None:
        bid = self.bids.get(p["bid_id"])
        if bid is not None:
            bid.status = "failed_decryption"
            bid.reason = f"未能解密，视为撤回 / not decrypted, treated as withdrawn ({p.get('article')})"

    def _opened(self, p: dict[str, Any], at: str, e: WitnessedEvent) -> None:
        self.opened_at = at
        for item in p["bids"]:
            bid = self.bids.get(item["bid_id"])
            if bid is None:
                continue
            bid.status = "opened"
            bid.price_fen = item["price_fen"]
            bid.project_manager_id = item.get("project_manager_id")
            content = self.read_content(bid.content_sha256)
            if content is not None and isinstance(content.get("technical_proposal"), str):
                bid.technical_proposal = content["technical_proposal"] or None
        for bid in self.bids.values():
            # At the opening the round's opened and withdrawn bids become public.
            if bid.round == self.round and bid.status in ("opened", "withdrawn", "failed_decryption"):
                bid.visible = True

    def _failed(self, p: dict[str, Any], at: str, e: WitnessedEvent) -> None:
        self.status = "unsuccessful"

    def _retendered(self, p: dict[str, Any], at: str, e: WitnessedEvent) -> None:
        self.round = int(p["round"])
        self.status = "planning"
        self.opened_at = None

    def _bid_rejected(self, p: dict[str, Any], at: str, e: WitnessedEvent) -> None:
        bid = self.bids.get(p["bid_id"])
        if bid is not None:
            bid.status = "rejected"
            bid.reason = p["reason"]

    def _evaluation_reported(self, p: dict[str, Any], at: str, e: WitnessedEvent) -> None:
        for row in p["ranking"]:
            bid = self.bids.get(row["bid_id"])
            if bid is not None:
                bid.rank = row["rank"]
                bid.score = row["score"]
                bid.status = "evaluated"

    def _candidates_published(self, p: dict[str, Any], at: str, e: WitnessedEvent) -> None:
        self.awards = [a for a in self.awards if a.get("round") != self.round]
        for candidate in p["candidates"]:
            self.awards.append({
                "id": f"{self.lot_id}-R{self.round}-C{candidate['rank']}", "round": self.round,
                "title": f"第{candidate['rank']}中标候选人 / Candidate {candidate['rank']}",
                "status": "pending", "bidder_id": candidate["bidder_id"], "bid_id": candidate["bid_id"],
                "price_fen": candidate["price_fen"], "date": at, "documents": []})

    def _awarded(self, p: dict[str, Any], at: str, e: WitnessedEvent) -> None:
        self.awarded_at = at
        self.status = "complete"
        for award in self.awards:
            if award.get("round") != self.round:
                continue
            if award["bid_id"] == p["bid_id"]:
                award.update(status="active", date=at, price_fen=p["price_fen"])
                doc = _document(p.get("notice"), f"{award['id']}-notice", "awardNotice", at)
                if doc:
                    award["documents"] = [doc]
            else:
                award["status"] = "unsuccessful"

    def _contract_signed(self, p: dict[str, Any], at: str, e: WitnessedEvent) -> None:
        award = next((a for a in self.awards if a["status"] == "active" and a.get("round") == self.round), None)
        doc = _document(p.get("document"), f"{p['contract_id']}-contract", "contractSigned", at)
        self.contracts.append({
            "id": p["contract_id"], "awardID": award["id"] if award else None, "status": "active",
            "value": money(p["price_fen"]), "dateSigned": at, "documents": [doc] if doc else [],
            "bond_fen": p.get("performance_bond_fen")})

    def _cancelled(self, p: dict[str, Any], at: str, e: WitnessedEvent) -> None:
        self.status = "cancelled"

    # -- rendering ------------------------------------------------------------------------

    def _reference(self, party_id: str | None) -> dict[str, Any] | None:
        if not party_id:
            return None
        row = self.parties.get(party_id, {})
        return {"id": party_id, "name": row.get("name") or party_id}

    def _party(self, party_id: str, roles: list[str]) -> dict[str, Any]:
        row = self.parties.get(party_id, {})
        party: dict[str, Any] = {"id": party_id, "name": row.get("name") or party_id, "roles": roles}
        if row.get("credit_code"):
            party["identifier"] = {"scheme": USCC_SCHEME, "id": row["credit_code"], "legalName": row.get("name")}
        if row.get("address"):
            party["address"] = {"streetAddress": row["address"], "countryName": "中国"}
        phones = row.get("phones") or []
        contact = {k: v for k, v in (("telephone", phones[0] if phones else None), ("email", row.get("email")))
                   if v}
        if contact:
            party["contactPoint"] = contact
        return party

    def _bid(self, bid: _Bid) -> dict[str, Any]:
        status = {"opened": "pending", "evaluated": "valid", "rejected": "disqualified", "withdrawn": "withdrawn",
                  "failed_decryption": "withdrawn"}.get(bid.status, "pending")
        body: dict[str, Any] = {
            "id": bid.bid_id, "date": bid.submitted_at, "status": status,
            "tenderers": [self._reference(bid.bidder_id)], "round": bid.round, "version": bid.version,
            "uploadIp": bid.source_ip,
            "content": {"sha256": bid.content_sha256, "sm3": bid.content_sm3,
                        "technicalProposal": bid.technical_proposal},
            "documents": [d for d in (_document(doc, f"{bid.bid_id}-{i + 1}", "biddingDocuments", bid.submitted_at)
                                      for i, doc in enumerate(bid.documents)) if d],
        }
        if bid.price_fen is not None:
            body["value"] = money(bid.price_fen)
        if bid.fingerprint:
            body["fingerprint"] = {camel: bid.fingerprint.get(snake) for snake, camel in (
                ("machine_code", "machineCode"), ("mac", "mac"), ("cpu_id", "cpuId"), ("disk_serial", "diskSerial"),
                ("author", "author"), ("tool", "tool")) if bid.fingerprint.get(snake)}
        if bid.project_manager_id:
            person = self.persons.get(bid.project_manager_id, {})
            body["projectManager"] = {"id": bid.project_manager_id, "name": person.get("name")}
        deposit = next((d for d in self.deposits.values() if d.bidder_id == bid.bidder_id and d.round == bid.round),
                       None)
        if deposit is not None:
            body["deposit"] = {
                "id": deposit.deposit_id, "value": money(deposit.amount_fen), "payingAccount": deposit.paying_account,
                "payingBank": deposit.paying_bank, "fromBasicAccount": deposit.from_basic_account,
                "date": deposit.paid_at, "refundDate": deposit.refunded_at,
                "interest": money(deposit.interest_fen)}
        if bid.rank is not None:
            body["rank"] = bid.rank
        if bid.score is not None:
            body["score"] = number(Decimal(bid.score) / 10000)  # the ranking's mean is in 1/10000 point
        if bid.reason:
            body["statusDetails"] = bid.reason
        return body

    def render(self) -> dict[str, Any] | None:
        """The release body (without id, date and tag), or None before the lot is registered."""
        if not self.registered:
            return None
        r = self.registered
        tenderer_id, agency_id = r["tenderer_id"], r.get("agency_id")
        project = self.projects.get(r["project_id"], {})
        roles: dict[str, list[str]] = {}
        roles.setdefault(tenderer_id, []).append("buyer")
        roles.setdefault(agency_id or tenderer_id, []).append("procuringEntity")
        visible = [b for b in self.bids.values() if b.visible and b.status != "replaced"]
        for bid in visible:
            if "tenderer" not in roles.setdefault(bid.bidder_id, []):
                roles[bid.bidder_id].append("tenderer")
        for award in self.awards:
            if award["status"] == "active" and "supplier" not in roles.setdefault(award["bidder_id"], []):
                roles[award["bidder_id"]].append("supplier")
        tender: dict[str, Any] = {
            "id": self.lot_id, "title": r["name"], "status": self.status, "round": self.round,
            "value": money(r["estimated_price_fen"]), "mainProcurementCategory": r["category"],
            "procurementMethod": "selective" if "invit" in r["procedure"] else "open",
            "procurementMethodDetails": r["procedure"],
            "procuringEntity": self._reference(agency_id or tenderer_id),
            "submissionMethod": ["electronicSubmission"],
        }
        if self.method:
            tender["awardCriteria"] = AWARD_CRITERIA.get(self.method, self.method)
            tender["awardCriteriaDetails"] = "；".join(
                f"{f['name_zh']} {f['name_en']} {Decimal(f['max_points']) / 100:g}" for f in self.factors) or None
        if self.deposit_fen is not None:
            tender["bidDeposit"] = money(self.deposit_fen)
        if self.announcement:
            tender["description"] = self.announcement
        if self.bid_deadline:
            tender["tenderPeriod"] = {"startDate": self.sale_start, "endDate": self.bid_deadline}
        if self.opened_at or self.awarded_at:
            tender["awardPeriod"] = {k: v for k, v in (("startDate", self.opened_at), ("endDate", self.awarded_at))
                                     if v}
        if visible:
            tender["tenderers"] = [self._reference(pid) for pid in dict.fromkeys(b.bidder_id for b in visible)]
            tender["numberOfTenderers"] = len({b.bidder_id for b in visible})
        if self.documents:
            tender["documents"] = copy.deepcopy(self.documents)
        if self.amendments:
            tender["amendments"] = copy.deepcopy(self.amendments)
        body: dict[str, Any] = {
            "ocid": self.ocid, "initiationType": "tender", "language": "zh",
            "parties": [self._party(pid, rs) for pid, rs in roles.items()],
            "buyer": self._reference(tenderer_id),
            "planning": {"budget": {
                "id": r["project_id"], "amount": money(r["estimated_price_fen"]),
                "project": project.get("name"), "projectID": r["project_id"],
                "description": project.get("funding_source")}},
            "tender": tender,
        }
        if visible:
            body["bids"] = {"details": [self._bid(b) for b in sorted(visible, key=lambda b: (b.round, b.bid_id))]}
        if self.awards:
            body["awards"] = [{
                "id": a["id"], "title": a["title"], "status": a["status"], "date": a["date"],
                "value": money(a["price_fen"]), "suppliers": [self._reference(a["bidder_id"])],
                "relatedBids": [a["bid_id"]], **({"documents": a["documents"]} if a["documents"] else {}),
            } for a in self.awards]
        if self.contracts:
            body["contracts"] = [{k: v for k, v in c.items() if k != "bond_fen" and v not in (None, [])}
                                 for c in self.contracts]
        pruned: dict[str, Any] = _prune(body)
        return pruned


def _prune(value: Any) -> Any:
    """Drop None values so a release says only what is known."""
    if isinstance(value, dict):
        return {k: _prune(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune(v) for v in value if v is not None]
    return value


def platform_releases(view: LotView, events: list[WitnessedEvent]) -> list[dict[str, Any]]:
    """The lot's releases (payload form), one for each event that changed what the record shows."""
    releases: list[dict[str, Any]] = []
    previous = ""
    for event in events:
        view.apply(event)
        body = view.render()
        if body is None:
            continue
        encoded = json.dumps(body, sort_keys=True, ensure_ascii=False)
        if encoded == previous:
            continue
        previous = encoded
        release = {"ocid": view.ocid, "id": f"{view.ocid}-{event.seq}", "date": format_instant(event.time),
                   "tag": [TAGS.get(event.type, "tenderUpdate")], **body}
        releases.append(release)
    return releases
