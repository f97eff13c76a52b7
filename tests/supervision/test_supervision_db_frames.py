"""Frames from the platform's database: a real tender with planted Regs 40 and Regs 34 signs, on SQLite and PostgreSQL.

The tender is driven through the services (tests/support/tender.py); the frames are read
back from the read tables, the event log and the blob store, and every collusion indicator
must find its planted sign with evidence that points at the real witnessed events.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import sqlalchemy as sa

from jianzheng.adapters.sql import tables as t
from jianzheng.adapters.sql.supervision_frames import load_frames
from jianzheng.domain import registry as r
from jianzheng.domain.roles import Role
from jianzheng.supervision import Alert, run_batch, run_realtime
from tests.support.tender import TenderWorld, announce, basic_account, bid_with, make_uscc, open_lot, register_lot

PROPOSAL = (
    "一、施工部署：本标段划分为三个施工段，采用流水作业，东段先行，西段随后跟进。\n"
    "二、主要施工方法：路基采用分层填筑，每层松铺厚度三十公分，重型压路机碾压六遍。\n"
    "三、质量保证：建立三检制度，隐蔽工程验收合格后方可进入下一道工序，混泥土试块按批留置。\n"
    "四、安全措施：设专职安全员两名，夜间施工设置警示灯带，基坑周边搭设一米二高防护栏杆。"
)
BOQ = [
    {"code": "040101", "name": "挖一般土方", "unit": "m3", "quantity_milli": 1_000_000, "unit_price_fen": 2_345},
    {"code": "040102", "name": "填方", "unit": "m3", "quantity_milli": 800_000, "unit_price_fen": 1_877},
    {"code": "040201", "name": "水泥稳定碎石", "unit": "m2", "quantity_milli": 500_000, "unit_price_fen": 6_612},
    {"code": "040202", "name": "沥青混凝土面层", "unit": "m2", "quantity_milli": 500_000, "unit_price_fen": 9_931},
]
MACHINE = {"machine_code": "JZ-PC-7731", "mac": "00-1A-2B-3C-4D-5E", "cpu_id": "BFEBFBFF000906EA",
           "disk_serial": "WD-WX11A9", "author": "张工", "tool": "投标文件编制工具 3.2"}


def plant(world: TenderWorld) -> str:
    """One lot with five bidders showing every Regs 40 sign, plus a sixth sharing an address (Regs 34)."""
    p = world.platform
    staff = world.actors["staff"]
    address = str(next(x["address"] for x in world.services.queries.parties(staff)
                       if x["party_id"] == world.parties["bidder2"]))
    rep = world.person("bidder6-rep", ("legal_representative",))
    events = p.register_enterprise(staff, r.RegisterEnterprise(
        name="bidder6有限公司", credit_code=make_uscc(900), kind="bidder", legal_representative_id=rep,
        address=address, phones=("0871-69990000",), basic_account="6222999900001111", basic_bank="中国银行"))
    world.parties["bidder6"] = events[0].payload["party_id"]
    world.account("bidder6", Role.BIDDER, party="bidder6")
    world.person("pm6", ("project_manager",), employer="bidder6")
    lot = register_lot(world)
    announce(world, lot)
    shared_phone = {"name": "李四", "phone": "139 0000 8888", "email": "agent@example.cn"}
    bid_with(world, lot, "bidder1", 960_123_400, fingerprint=MACHINE, source_ip="10.8.8.8",
             proposal=PROPOSAL.replace("本标段", "bidder1有限公司本标段"), boq=BOQ)
    bid_with(world, lot, "bidder2", 975_432_100, fingerprint={**MACHINE, "author": "王工"}, source_ip="10.8.8.8",
             proposal=PROPOSAL.replace("本标段", "bidder2有限公司本标段"), boq=[dict(b) for b in BOQ])
    bid_with(world, lot, "bidder3", 900_012_300, representative={**shared_phone, "name": "赵六"},
             fingerprint={"machine_code": "OTHER-1", "author": "Administrator"})
    bid_with(world, lot, "bidder4", 910_012_300, representative=shared_phone,
             fingerprint={"machine_code": "OTHER-2", "author": "Administrator"},
             paying_account=basic_account(world, world.parties["bidder3"]))
    bid_with(world, lot, "bidder5", 920_012_300, key_staff=("pm1",),
             proposal="本项目由bidder4有限公司负责现场协调，我方按期完成全部工程内容。")
    bid_with(world, lot, "bidder6", 987_000_000)
    open_lot(world, lot)
    return lot


def seqs_of(world: TenderWorld, event_type: str) -> list[int]:
    with world.services.engine.connect() as conn:
        return [int(s) for s in conn.execute(sa.select(t.events.c.seq).where(t.events.c.type == event_type))
                .scalars()]


def by_code(alerts: list[Alert]) -> dict[str, list[Alert]]:
    found: dict[str, list[Alert]] = {}
    for alert in alerts:
        found.setdefault(alert.indicator, []).append(alert)
    return found


def facts(alert: Alert, name: str) -> list[Any]:
    return [e.value for e in alert.evidence if e.fact == name]


def test_frames_from_the_database_carry_every_fact_and_its_event(world: TenderWorld) -> None:
    lot = plant(world)
    loaded = load_frames(world.services.engine, world.services.blobs)
    frames = loaded.frames
    assert loaded.notes == []
    ids = {v: k for k, v in world.parties.items()}
    details = {ids[r["bidder_id"]]: r for r in frames.bid_details.iter_rows(named=True)}
    assert set(details) == {f"bidder{i}" for i in range(1, 7)}
    first = details["bidder1"]
    assert (first["machine_code"], first["mac"], first["author"], first["source_ip"]) == (
        "JZ-PC-7731", "00-1A-2B-3C-4D-5E", "张工", "10.8.8.8")
    assert details["bidder3"]["source_ip"] == "127.0.0.1"
    assert details["bidder4"]["rep_phone"] == "139 0000 8888" and details["bidder4"]["rep_name"] == "李四"
    assert first["technical_proposal"].startswith("一、施工部署") and first["document_names"] == ["投标文件.pdf"]
    submitted = seqs_of(world, "lot.bid_submitted")
    [opened] = seqs_of(world, "lot.opened")
    assert sorted(d["event_seq"] for d in details.values()) == sorted(submitted)
    assert {d["opened_seq"] for d in details.values()} == {opened}
    assert {d["round"] for d in details.values()} == {1}
    staff = frames.bid_staff.filter(pl.col("role") == "key_staff")
    assert staff["person_id"].to_list() == [world.persons["pm1"]]
    assert frames.boq_lines.filter(pl.col("bidder_id") == world.parties["bidder1"]).height == len(BOQ)
    deposits = {ids[r["bidder_id"]]: r for r in frames.deposits.iter_rows(named=True)}
    assert deposits["bidder4"]["paying_account"] == basic_account(world, world.parties["bidder3"])
    assert sorted(d["event_seq"] for d in deposits.values()) == sorted(seqs_of(world, "lot.deposit_paid"))
    parties = {r["party_id"]: r for r in frames.parties.iter_rows(named=True)}
    assert sorted(r["event_seq"] for r in parties.values()) == sorted(seqs_of(world, "party.registered"))
    assert parties[world.parties["bidder6"]]["address"] == parties[world.parties["bidder2"]]["address"]
    lots = frames.lots.row(0, named=True)
    assert lots["lot_id"] == lot and lots["stage"] == "opened" and lots["procurement_method"] == "open"
    assert lots["opened_at"] is not None and lots["opened_at"].tzinfo is not None
    statuses = frames.bids["status"].unique().to_list()
    assert statuses == ["valid"] and frames.bids["price_fen"].null_count() == 0
    persons = frames.persons.filter(pl.col("person_id") == world.persons["pm1"]).row(0, named=True)
    assert persons["employer_id"] == world.parties["bidder1"] and persons["event_seq"] is not None


def test_every_collusion_indicator_finds_its_planted_sign(world: TenderWorld) -> None:
    lot = plant(world)
    frames = load_frames(world.services.engine, world.services.blobs).frames
    alerts = by_code(run_batch(frames, indicators=["REGS40-1", "REGS40-2", "REGS40-3", "REGS40-4", "REGS40-5",
                                                   "REGS40-6", "REGS34"]))
    p = world.parties
    submitted = set(seqs_of(world, "lot.bid_submitted"))

    [preparer] = alerts["REGS40-1"]
    assert preparer.lot_ids == (lot,) and set(preparer.party_ids) == {p["bidder1"], p["bidder2"]}
    fields = {f["field"] for f in (e.value for e in preparer.evidence) if isinstance(f, dict) and "field" in f}
    # The author differs, "Administrator" is a placeholder and 127.0.0.1 is exempt.
    assert fields == {"machine_code", "mac", "cpu_id", "disk_serial", "source_ip"}
    assert all(set(e.event_seqs) <= submitted for e in preparer.evidence)

    [agent] = alerts["REGS40-2"]
    assert set(agent.party_ids) == {p["bidder3"], p["bidder4"]}
    assert {e.value["field"] for e in agent.evidence if e.fact.startswith("same_")} == {"phone", "email"}

    [staff] = alerts["REGS40-3"]
    [person] = facts(staff, "same_person")
    assert person["person_id"] == world.persons["pm1"] and person["employer_id"] == p["bidder1"]
    assert set(person["roles"].values()) == {"project_manager", "key_staff"}

    documents = [a for a in alerts["REGS40-4"] if facts(a, "similar_proposals") or facts(a, "identical_boq_prices")]
    [copy] = documents
    [similar] = facts(copy, "similar_proposals")
    assert {similar["bidder_a"], similar["bidder_b"]} == {p["bidder1"], p["bidder2"]}
    assert similar["containment"] > 0.9 and similar["passages"]
    assert "混泥土试块按批留置" in similar["passages"][0]["a"] + similar["passages"][0]["b"] or any(
        "混泥土" in x["shared"] for x in similar["passages"])
    [boq] = facts(copy, "identical_boq_prices")
    assert boq["identical_lines"] == len(BOQ)
    prices = [a for a in alerts["REGS40-4"] if facts(a, "arithmetic_progression")]
    [progression] = prices
    [terms] = facts(progression, "arithmetic_progression")
    assert terms["prices_fen"] == [900_012_300, 910_012_300, 920_012_300]
    assert terms["steps_fen"] == [10_000_000, 10_000_000]

    [mixed] = alerts["REGS40-5"]
    [named] = facts(mixed, "names_other_bidder")
    assert (named["writer_id"], named["named_bidder_id"]) == (p["bidder5"], p["bidder4"])

    [account] = alerts["REGS40-6"]
    [same] = facts(account, "same_paying_account")
    assert same["registered_basic_account_of"] == [p["bidder3"]]
    assert sorted(d["bidder_id"] for d in same["deposits"]) == sorted([p["bidder3"], p["bidder4"]])
    assert set(account.evidence[0].event_seqs) <= set(seqs_of(world, "lot.deposit_paid")) | set(
        seqs_of(world, "party.registered"))

    [related] = alerts["REGS34"]
    [pair] = facts(related, "related_bidders")
    # bidder6 registered bidder2's address.
    assert {pair["bidder_a"], pair["bidder_b"]} == {p["bidder2"], p["bidder6"]}
    assert pair["relation"] == "linked" and [s["kind"] for s in pair["path"]] == ["address", "address"]
    assert related.severity == "medium"
    # With deposit accounts in the graph, bidder4's deposit from bidder3's basic account links them too.
    [wider] = run_batch(frames, {"REGS34": {"weak_links": ["address", "account", "deposit_account"]}},
                        indicators=["REGS34"])
    pairs = {frozenset((x["bidder_a"], x["bidder_b"])): x for x in facts(wider, "related_bidders")}
    account = pairs[frozenset((p["bidder3"], p["bidder4"]))]
    assert [s["kind"] for s in account["path"]] == ["account", "account"]


def test_contents_stay_closed_until_the_opening(world: TenderWorld) -> None:
    lot = register_lot(world)
    announce(world, lot)
    for i in (1, 2, 3):
        bid_with(world, lot, f"bidder{i}", 950_000_000 + i * 7_000_000, proposal=PROPOSAL, fingerprint=MACHINE,
                 source_ip="10.0.0.9")
    frames = load_frames(world.services.engine, world.services.blobs).frames
    assert frames.bid_details["technical_proposal"].null_count() == 3
    assert frames.bid_staff.height == 0 and frames.boq_lines.height == 0
    assert set(frames.bids["status"].to_list()) == {"pending"}
    # The fingerprints are in the submission events: the same preparer shows before the opening.
    live = run_realtime("lot.bid_submitted", frames, lot_ids=[lot], indicators=["REGS40-1"])
    assert len(live) == 1 and len(live[0].party_ids) == 3
    assert run_batch(frames, indicators=["REGS40-4"]) == []
    open_lot(world, lot)
    opened = load_frames(world.services.engine, world.services.blobs).frames
    assert opened.bid_details["technical_proposal"].null_count() == 0
    without = load_frames(world.services.engine, world.services.blobs, read_contents=False).frames
    assert without.bid_details["technical_proposal"].null_count() == 3
    assert without.bid_details["machine_code"].to_list() == ["JZ-PC-7731"] * 3


def test_frames_of_given_lots_keep_the_registries_whole(world: TenderWorld) -> None:
    first = register_lot(world)
    second = register_lot(world)
    for lot in (first, second):
        announce(world, lot)
    bid_with(world, first, "bidder1", 950_000_000)
    bid_with(world, second, "bidder2", 950_000_000)
    frames = load_frames(world.services.engine, world.services.blobs, lot_ids=[second]).frames
    assert frames.lots["lot_id"].to_list() == [second]
    assert frames.bid_details["bidder_id"].to_list() == [world.parties["bidder2"]]
    assert frames.deposits["lot_id"].to_list() == [second]
    assert frames.parties.height == len(world.parties)


def test_an_unreadable_content_is_noted_and_the_rest_still_loads(world: TenderWorld) -> None:
    lot = register_lot(world)
    announce(world, lot)
    for i in (1, 2, 3):
        bid_with(world, lot, f"bidder{i}", 950_000_000 + i * 7_000_000, proposal=PROPOSAL)
    open_lot(world, lot)
    with world.services.engine.connect() as conn:
        bid_id, digest = conn.execute(sa.select(t.bids.c.bid_id, t.bids.c.content_sha256).limit(1)).one()
    world.services.blobs.path(digest).unlink()
    loaded = load_frames(world.services.engine, world.services.blobs)
    assert len(loaded.notes) == 1 and bid_id in loaded.notes[0] and "could not be read" in loaded.notes[0]
    proposals = dict(loaded.frames.bid_details.select("bid_id", "technical_proposal").iter_rows())
    assert proposals[bid_id] is None
    assert sum(p is not None for p in proposals.values()) == 2
