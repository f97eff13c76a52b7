"""The authorization matrix: every role (and the public without a token) against every change and sensitive read.

One world per database serves the whole matrix: lot A is open for bids (bidder1 and bidder2
have bid), lot B is being evaluated (expert1 chairs its committee), lot C is only registered.
A denied request answers 401 (no token, for changes) or 403 and writes nothing; an allowed
one gets past the policy (it may still be refused by the rules of the lot's stage).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jianzheng.domain import commands as c
from jianzheng.domain.credit import RecordCredit
from jianzheng.domain.roles import Role
from jianzheng.services.platform import Upload
from jianzheng.supervision.alert import Alert
from jianzheng.web.app import create_app
from tests.conftest import DATABASES, Api, fresh_database
from tests.support.tender import TenderWorld, announce, bid, build_world, register_lot

ROLES = [None, "public", "staff", "supervisor", "tenderer", "agency", "bidder1", "bidder3", "expert1", "witness"]
OWNERS = {"tenderer", "agency"}
BIDDERS = {"bidder1", "bidder3"}
OVERSIGHT = {"staff", "supervisor"}
SIGNED_IN = set(ROLES) - {None, "public"}


@dataclass
class Matrix:
    api: Api
    ids: dict[str, Any]


@pytest.fixture(scope="module", params=DATABASES)
def matrix(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    directory: Path = tmp_path_factory.mktemp("matrix")
    with fresh_database(request.param, directory) as url:
        world = build_world(directory / "data", url)
        lot_b = register_lot(world)
        announce(world, lot_b)
        for i in range(1, 6):
            bid(world, lot_b, f"bidder{i}", 950_000_000 + i)
        world.clock.advance(timedelta(days=21))
        world.platform.open_bids(world.actors["agency"], lot_b)
        world.platform.lot_command(world.actors["staff"], lot_b, c.FormCommittee(tuple(
            c.CommitteeMember(world.persons[f"expert{i}"], "expert", chair=i == 1) for i in range(1, 6))))
        lot_a = register_lot(world)
        announce(world, lot_a)
        bid(world, lot_a, "bidder1", 950_000_000)
        bid(world, lot_a, "bidder2", 960_000_000)
        lot_c = register_lot(world)
        world.account("witness", Role.WITNESS)  # a notary checking the ledger: reads its leaves, changes nothing
        staff = world.actors["staff"]
        doc = world.platform.store_document(c_upload()).as_payload()
        ids = {"A": lot_a, "B": lot_b, "C": lot_c, "doc": doc,
               "bidA": next(b["bid_id"] for b in world.services.queries.bids(world.actors["bidder1"], lot_a)),
               "bidB": world.services.queries.bids(staff, lot_b)[0]["bid_id"],
               "depB": world.services.queries.deposits(staff, lot_b)[0]["deposit_id"],
               "tenderer": world.parties["tenderer"], "agency": world.parties["agency"],
               "pm1": world.persons["pm1"], "now": world.clock.now().isoformat()}
        ids.update(desk_ids(world, lot_b))
        with TestClient(create_app(world.services)) as client:
            api = Api(client, world)
            api.sign_in(*(r for r in ROLES if r))
            yield Matrix(api, ids)
        world.services.engine.dispose()


def desk_ids(world: TenderWorld, lot_id: str) -> dict[str, str]:
    """An alert, a watch-list entry and two published credit records (one to revoke, one to read)."""
    desk, supervisor = world.services.desk, world.actors["supervisor"]
    now = world.clock.now()
    single = Alert("R018", "medium", "lot", lot_id, (lot_id,), (), "只收到一家投标", "One bid", ())
    [alert] = desk.raise_alerts([single])
    entry = desk.watch(supervisor, "bidder", world.parties["bidder4"], "多次陪标", now + timedelta(days=90))
    record = desk.record_credit(supervisor, RecordCredit(
        "party", world.parties["agency"], "未按规定公示", "criticism", "实施条例第五十四条", "公管局", now,
        now + timedelta(days=180)))
    published = desk.record_credit(supervisor, RecordCredit(
        "party", world.parties["agency"], "未按规定公示", "warning", "实施条例第五十四条", "公管局", now,
        now + timedelta(days=180)))
    return {"alert": alert, "entry": entry[0].payload["entry_id"], "record": record[0].payload["record_id"],
            "published": published[0].payload["record_id"],
            "bidder5": world.parties["bidder5"], "later": (now + timedelta(days=120)).isoformat()}


def c_upload() -> Upload:
    return Upload("澄清.pdf", b"%PDF matrix document", "application/pdf")


CONTENT = {"price_fen": 900_000_000, "duration_days": 300, "quality": "合格"}
POINTS = {"technical": 3000, "commercial": 1500, "price": 3500}

# (name, method, path, body or a callable of ids giving the request keywords, roles allowed)
CHANGES: list[tuple[str, str, str, Any, set[str]]] = [
    ("register party", "POST", "/parties", lambda i: {"json": {
        "name": "新单位有限公司", "credit_code": "91530100MA99999995", "kind": "bidder",
        "legal_representative_id": i["pm1"], "address": "昆明"}}, {"staff"}),
    ("register person", "POST", "/persons", lambda i: {"json": {
        "name": "赵六", "id_number": "11010519491231002X", "roles": ["expert"]}}, {"staff"}),
    ("create user", "POST", "/users", lambda i: {"json": {
        "username": "newuser", "password": "long enough 1", "role": "public", "display_name": "新账号"}}, {"staff"}),
    ("register project", "POST", "/projects", lambda i: {"json": {
        "name": "新项目", "tenderer_id": i["tenderer"], "agency_id": i["agency"], "funding_source": "财政资金",
        "state_funded": True, "lots": [{"name": "一标段", "estimated_price_fen": 100_000_000, "category": "works"}]}},
     {"staff", "tenderer", "agency"}),
    ("upload document", "POST", "/documents", lambda i: {"files": {"file": ("a.pdf", b"%PDF x", "application/pdf")}},
     SIGNED_IN),
    ("compile documents", "POST", "/lots/{A}/documents", lambda i: {"json": {
        "document": i["doc"], "method": "comprehensive", "deposit_fen": 1}}, OWNERS),
    ("confirm documents", "POST", "/lots/{A}/documents/confirm", {"json": {"version": 1}}, {"tenderer"}),
    ("file documents", "POST", "/lots/{A}/documents/filing", {"json": {"accept": True}}, {"supervisor"}),
    ("announce", "POST", "/lots/{A}/announcement", lambda i: {"json": {
        "sale_start": i["now"], "sale_end": i["now"], "bid_deadline": i["now"], "text": "公告"}},
     OWNERS | {"staff"}),
    ("clarify", "POST", "/lots/{A}/clarifications", {"json": {"text": "答疑", "affects_bids": False}}, OWNERS),
    ("register bidder", "POST", "/lots/{A}/registrations", {}, BIDDERS),
    ("pay deposit", "POST", "/lots/{A}/deposits", {"json": {
        "amount_fen": 1, "paying_account": "1", "paying_bank": "银行"}}, BIDDERS),
    ("submit bid json", "POST", "/lots/{A}/bids", {"json": {"content": CONTENT}}, BIDDERS),
    ("submit bid multipart", "POST", "/lots/{A}/bids/upload", {"data": {"content": '{"price_fen": 1}'}, "files": [
        ("files", ("b.pdf", b"bid", "application/pdf"))]}, BIDDERS),
    ("withdraw bid", "POST", "/lots/{A}/bids/withdrawal", {}, BIDDERS),
    ("raise objection", "POST", "/lots/{A}/objections", {"json": {"subject": "documents", "text": "异议"}}, BIDDERS),
    ("answer objection", "POST", "/lots/{A}/objections/OBJ0/answer", {"json": {"answer": "答复"}}, OWNERS),
    ("file complaint", "POST", "/lots/{A}/complaints", lambda i: {"json": {"text": "投诉", "known_at": i["now"]}},
     BIDDERS),
    ("accept complaint", "POST", "/lots/{A}/complaints/CMP0/acceptance", {"json": {"accept": True}}, {"supervisor"}),
    ("decide complaint", "POST", "/lots/{A}/complaints/CMP0/decision", {"json": {
        "upheld": False, "decision": "驳回"}}, {"supervisor"}),
    ("open bids", "POST", "/lots/{A}/opening", {}, OWNERS | {"staff"}),
    ("form committee", "POST", "/lots/{B}/committee", {"json": {"members": []}}, {"staff"}),
    ("submit scores", "POST", "/lots/{B}/scores", lambda i: {"json": {"bid_id": i["bidB"], "points_centi": POINTS}},
     {"expert1"}),
    ("reject bid", "POST", "/lots/{B}/bids/{bidB}/rejection", {"json": {"reason": "未按要求签章"}}, {"expert1"}),
    ("report evaluation", "POST", "/lots/{B}/evaluation-report", {"json": {}}, {"expert1"}),
    ("publish candidates", "POST", "/lots/{B}/candidates", lambda i: {"json": {"publicity_end": i["now"]}}, OWNERS),
    ("award", "POST", "/lots/{B}/award", lambda i: {"json": {"bidder_id": i["tenderer"]}}, {"tenderer"}),
    ("sign contract", "POST", "/lots/{B}/contract", {"json": {"price_fen": 1, "performance_bond_fen": 1}},
     {"tenderer"}),
    ("refund deposit", "POST", "/lots/{B}/deposits/{depB}/refund", {"json": {}}, OWNERS | {"staff"}),
    ("retender", "POST", "/lots/{C}/retender", {"json": {"reason": "重新招标"}}, OWNERS),
    ("cancel lot", "POST", "/lots/{C}/cancel", {"json": {"reason": "项目取消"}}, OWNERS),
    # the supervision desk: supervisors act on alerts, the watch list and credit records
    ("acknowledge alert", "POST", "/alerts/{alert}/acknowledge", {"json": {}}, {"supervisor"}),
    ("review alert", "POST", "/alerts/{alert}/review", {"json": {"note": "核查"}}, {"supervisor"}),
    ("transfer alert", "POST", "/alerts/{alert}/transfer", {"json": {"recipient": "市纪委监委", "note": "移送"}},
     {"supervisor"}),
    ("dismiss alert", "POST", "/alerts/{alert}/dismiss", {"json": {"reason": "误报"}}, {"supervisor"}),
    ("confirm alert", "POST", "/alerts/{alert}/confirm", {"json": {"finding": "查实"}}, {"supervisor"}),
    ("assign alert", "POST", "/alerts/{alert}/assign", {"json": {"assignee": "supervisor"}}, {"supervisor"}),
    ("comment alert", "POST", "/alerts/{alert}/comments", {"json": {"text": "意见"}}, {"supervisor"}),
    ("add watch entry", "POST", "/watchlist", lambda i: {"json": {
        "kind": "bidder", "subject_id": i["bidder5"], "reason": "陪标", "valid_to": i["later"]}}, {"supervisor"}),
    ("remove watch entry", "POST", "/watchlist/{entry}/removal", {"json": {"reason": "核实"}}, {"supervisor"}),
    ("record credit", "POST", "/credit-records", lambda i: {"json": {
        "subject_id": i["tenderer"], "behaviour": "逾期退还保证金", "sanction": "warning",
        "basis": "实施条例第五十七条", "authority": "公管局", "period_from": i["now"], "period_to": i["later"]}},
     {"supervisor"}),
    ("revoke credit", "POST", "/credit-records/{record}/revocation", {"json": {"reason": "撤销"}}, {"supervisor"}),
]

READS: list[tuple[str, str, set[str]]] = [
    ("bids before opening", "/lots/{A}/bids", BIDDERS),
    ("bid content before opening", "/bids/{bidA}/content", {"bidder1"}),
    ("scores during evaluation", "/lots/{B}/scores", OVERSIGHT | {"expert1"}),
    ("committee during evaluation", "/lots/{B}/committee", OVERSIGHT | {"expert1"}),
    ("deposits", "/lots/{B}/deposits", OVERSIGHT | OWNERS | BIDDERS),
    ("unannounced lot", "/lots/{C}", OVERSIGHT | OWNERS),
    ("whole operation log", "/events", OVERSIGHT),
    ("lot operation log", "/events?lot_id={A}", OVERSIGHT | OWNERS),
    ("persons", "/persons", OVERSIGHT),
    ("one person unmasked", "/persons/{pm1}", OVERSIGHT),
    ("accounts", "/users", OVERSIGHT),
    ("rule warnings", "/warnings", OVERSIGHT),
    ("alerts", "/alerts", OVERSIGHT),
    ("alert detail", "/alerts/{alert}", OVERSIGHT),
    ("alert counts", "/alerts/counts", OVERSIGHT),
    ("watch list", "/watchlist", OVERSIGHT),
    ("watch entry", "/watchlist/{entry}", OVERSIGHT),
    ("credit records (public)", "/credit-records", set(ROLES)),
    ("credit record (public)", "/credit-records/{published}", set(ROLES)),
    # The witness ledger: raw leaves (full event payloads) for oversight and witnesses; the rest is public.
    ("ledger leaves", "/ledger/leaves?start=0&end=5", OVERSIGHT | {"witness"}),
    ("ledger checkpoint", "/ledger/checkpoint", set(ROLES)),
    ("ledger checkpoints", "/ledger/checkpoints", set(ROLES)),
    ("ledger inclusion proof", "/ledger/proof/inclusion?index=0", set(ROLES)),
    ("ledger consistency proof", "/ledger/proof/consistency?old=1&new=3", set(ROLES)),
    ("ledger keys", "/ledger/keys", set(ROLES)),
]


def role_id(role: str | None) -> str:
    return role or "no-token"


@pytest.mark.parametrize("role", ROLES, ids=role_id)
@pytest.mark.parametrize(("name", "method", "path", "request_kwargs", "allowed"), CHANGES, ids=[c[0] for c in CHANGES])
def test_changes(matrix: Matrix, role: str | None, name: str, method: str, path: str, request_kwargs: Any,
                 allowed: set[str]) -> None:
    api = matrix.api
    kwargs = request_kwargs(matrix.ids) if callable(request_kwargs) else dict(request_kwargs)
    before = api.event_count()
    response = api.call(role, method, path.format(**matrix.ids), **kwargs)
    if role in allowed:
        assert response.status_code not in (401, 403), f"{name} as {role}: {response.text}"
        assert response.status_code < 500
    else:
        assert response.status_code == (401 if role is None else 403), f"{name} as {role}: {response.text}"
        assert response.json()["error"]["code"] in ("auth.required", "forbidden")
        assert api.event_count() == before, f"{name} as {role} wrote events"


@pytest.mark.parametrize("role", ROLES, ids=role_id)
@pytest.mark.parametrize(("name", "path", "allowed"), READS, ids=[r[0] for r in READS])
def test_sensitive_reads(matrix: Matrix, role: str | None, name: str, path: str, allowed: set[str]) -> None:
    api = matrix.api
    before = api.event_count()
    response = api.get(role, path.format(**matrix.ids))
    if name == "one person unmasked":
        assert response.status_code == 200
        unmasked = "*" not in response.json()["id_number"]
        assert unmasked == (role in allowed), f"{name} as {role}"
    elif role in allowed:
        assert response.status_code == 200, f"{name} as {role}: {response.text}"
    else:
        assert response.status_code in (401, 403), f"{name} as {role}: {response.text}"
    assert api.event_count() == before


def test_public_reads_published_notices_without_a_token(matrix: Matrix) -> None:
    notices = matrix.api.ok(None, "GET", "/notices")
    assert notices and {n["kind"] for n in notices} >= {"announcement"}
