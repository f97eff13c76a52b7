"""A trading center with lots at every interesting point of their life, for the page tests.

Built through the services on top of `tests.support.tender`'s world (real SQLite, real
events, a simulated clock), so the pages show what the platform really records:

- `completed`: four bids, opened, scored by five experts of whom expert3 raises bidder3 and
  presses the others down (the deviating expert), candidates, award, contract, refunds;
- `overdue`: awarded 40 days ago with no contract (Law 46: 30 days) — late;
- `late_contract`: contract signed 35 days after the award — a rule warning (law46);
- `failed`: only two bids at the deadline — failed (Law 28);
- `evaluation`: opened, committee formed, some scores in;
- `bidding`: announced at the end, two clarifications, bids still sealed;
- `draft`: registered, documents compiled only (not public).

Then the process indicators (PROC-*) run over the tables and their alerts are recorded, as
`jianzheng analyze` does; the late contract's rule warning is an alert by itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from jianzheng.adapters.sql.supervision_frames import load_frames
from jianzheng.domain import commands as c
from jianzheng.domain import registry as r
from jianzheng.domain.errors import Refusal
from jianzheng.services.platform import Upload
from jianzheng.supervision import all_indicators, run_batch
from tests.support.tender import FACTORS, TenderWorld, basic_account, build_world

EXPERTS = 5
PRICES = {"bidder1": 950_000_000, "bidder2": 962_500_000, "bidder3": 991_000_000, "bidder4": 978_000_000,
          "bidder5": 969_000_000}


@dataclass
class PageWorld:
    world: TenderWorld
    lots: dict[str, str] = field(default_factory=dict)  # scenario key -> lot id


def register(world: TenderWorld, project: str, lot: str, estimate_fen: int = 1_000_000_000) -> str:
    events = world.platform.register_project(world.actors["agency"], r.RegisterProject(
        name=project, tenderer_id=world.parties["tenderer"], agency_id=world.parties["agency"],
        funding_source="财政资金", state_funded=True, region="昆明市",
        lots=(c.RegisterLot("", lot, estimate_fen, "works", "construction-open", world.parties["tenderer"],
                            world.parties["agency"], True),)))
    return str(events[1].payload["lot_id"])


def compile_documents(world: TenderWorld, lot_id: str) -> None:
    """Tender documents with a deposit of 1% of the estimate (Regs 26 allows up to 2%)."""
    estimate = world.services.queries.lot(world.actors["staff"], lot_id)["estimated_price_fen"]
    doc = world.platform.store_document(Upload("招标文件.pdf", b"%PDF tender " + lot_id.encode(), "application/pdf"))
    world.platform.lot_command(world.actors["agency"], lot_id, c.CompileDocuments(doc, "comprehensive", FACTORS,
                                                                                   estimate // 100))


def announce(world: TenderWorld, lot_id: str, text: str) -> None:
    p = world.platform
    compile_documents(world, lot_id)
    p.lot_command(world.actors["tenderer"], lot_id, c.ConfirmDocuments(1))
    p.lot_command(world.actors["supervisor"], lot_id, c.FileDocuments(True, "备案通过"))
    now = world.clock.now()
    p.lot_command(world.actors["agency"], lot_id, c.PublishAnnouncement(
        now, now + timedelta(days=7), now + timedelta(days=21), text))


def bid(world: TenderWorld, lot_id: str, bidder: str, price_fen: int) -> None:
    p = world.platform
    actor = world.actors[bidder]
    p.lot_command(actor, lot_id, c.RegisterBidder())
    deposit = world.services.queries.lot(world.actors["staff"], lot_id)["deposit_fen"]
    p.lot_command(actor, lot_id, c.PayDeposit(deposit, basic_account(world, world.parties[bidder]), "中国建设银行"))
    p.submit_bid(actor, lot_id, {
        "price_fen": price_fen, "project_manager_id": world.persons[f"pm{bidder[-1]}"], "duration_days": 300,
        "quality": "合格", "technical_proposal": f"{bidder} 的施工组织设计",
        "boq": [{"code": "010101", "name": "土方开挖", "unit": "m3", "quantity_milli": 1_000_000,
                 "unit_price_fen": price_fen // 2000}]},
        [Upload("投标文件.pdf", f"bid of {bidder} on {lot_id}".encode(), "application/pdf")])


def form_committee(world: TenderWorld, lot_id: str) -> None:
    members = tuple(c.CommitteeMember(world.persons[f"expert{i}"], "expert", chair=(i == 1))
                    for i in range(1, EXPERTS + 1))
    world.platform.lot_command(world.actors["staff"], lot_id, c.FormCommittee(members))


def points_for(world: TenderWorld, expert: int, bidder_id: str) -> dict[str, int]:
    """Honest experts agree closely; expert3 lifts bidder3 and presses everyone else down."""
    favourite = bidder_id == world.parties["bidder3"]
    if expert == 3:
        return {"technical": 3900 if favourite else 2200, "commercial": 1950 if favourite else 1000,
                "price": 3900 if favourite else 2500}
    strong = bidder_id == world.parties["bidder1"]
    return {"technical": 3400 + 100 * strong + 20 * expert, "commercial": 1600 + 10 * expert,
            "price": 3600 if strong else 3300}


def score(world: TenderWorld, lot_id: str, experts: range = range(1, EXPERTS + 1)) -> None:
    bids = world.services.queries.bids(world.actors["staff"], lot_id)
    for i in experts:
        for b in bids:
            if b["status"] == "opened":
                world.platform.lot_command(world.actors[f"expert{i}"], lot_id,
                                           c.SubmitScores(b["bid_id"], points_for(world, i, b["bidder_id"])))


REASONS = {3: "该投标人技术方案明显优于其他投标人，其余投标文件施工组织设计粗糙。"}


def report(world: TenderWorld, lot_id: str) -> None:
    """The chair reports; deviating scores are first explained by their experts; every member signs."""
    p = world.platform
    persons = {person_id: key for key, person_id in world.persons.items()}
    for _ in range(3):
        try:
            p.lot_command(world.actors["expert1"], lot_id, c.ReportEvaluation())
            break
        except Refusal as refusal:
            if refusal.code != "evaluation.deviation_unexplained":
                raise
            # The evaluation asks a written reason for each score far from the other members' (seed 001).
            for d in refusal.details["deviations"]:
                expert = persons[d["person_id"]]
                reason = REASONS.get(int(expert.removeprefix("expert")), "按评分细则独立评审，分值有据可查。")
                p.lot_command(world.actors[expert], lot_id, c.ExplainDeviation(d["bid_id"], d["factor"], reason))
    for i in range(1, EXPERTS + 1):
        p.lot_command(world.actors[f"expert{i}"], lot_id, c.SignReport())


def first_ranked(world: TenderWorld, lot_id: str) -> str:
    bids = world.services.queries.bids(world.actors["staff"], lot_id)
    return str(next(b["bidder_id"] for b in bids if b.get("rank") == 1))


def award_price(world: TenderWorld, lot_id: str) -> int:
    lot = world.services.queries.lot(world.actors["staff"], lot_id)
    bids = world.services.queries.bids(world.actors["staff"], lot_id)
    return int(next(b["price_fen"] for b in bids if b["bidder_id"] == lot["awarded_bidder_id"]
                    and b["status"] == "opened"))


def build_page_world(data_dir: Path, database_url: str | None = None) -> PageWorld:
    world = build_world(data_dir, database_url)
    p = world.platform
    pw = PageWorld(world)
    lots = pw.lots
    lots["completed"] = register(world, "滇池路改造工程", "第一标段 道路工程")
    lots["overdue"] = register(world, "盘龙江堤防加固工程", "第二标段 堤防工程", 620_000_000)
    lots["late_contract"] = register(world, "呈贡新区学校建设项目", "第一标段 教学楼", 1_480_000_000)
    lots["failed"] = register(world, "官渡区供水管网改造", "第三标段 管网工程", 310_000_000)
    lots["evaluation"] = register(world, "昆明市档案馆迁建工程", "第一标段 主体结构", 2_150_000_000)
    for key in ("completed", "overdue", "late_contract", "failed", "evaluation"):
        announce(world, lots[key], f"招标公告：{key}")
    for i, (bidder, price) in enumerate(PRICES.items(), 1):
        if i <= 4:
            bid(world, lots["completed"], bidder, price)
        if i <= 3:
            bid(world, lots["overdue"], bidder, price - 400_000_000)
            bid(world, lots["late_contract"], bidder, price + 470_000_000)
            bid(world, lots["evaluation"], bidder, price + 1_100_000_000)
        if i <= 2:
            bid(world, lots["failed"], bidder, price - 660_000_000)
    world.clock.advance(timedelta(days=21, minutes=5))
    staff = world.actors["staff"]
    for key in ("completed", "overdue", "late_contract", "failed", "evaluation"):
        p.open_bids(world.actors["agency"], lots[key])
    for key in ("completed", "overdue", "late_contract", "evaluation"):
        form_committee(world, lots[key])
    for key in ("completed", "overdue", "late_contract"):
        score(world, lots[key])
        report(world, lots[key])
    score(world, lots["evaluation"], range(1, 3))
    world.clock.advance(timedelta(days=1))
    for key in ("completed", "overdue", "late_contract"):
        p.lot_command(world.actors["agency"], lots[key], c.PublishCandidates(world.clock.now() + timedelta(days=3)))
    world.clock.advance(timedelta(days=4))
    for key in ("completed", "overdue", "late_contract"):
        p.lot_command(world.actors["tenderer"], lots[key], c.Award(first_ranked(world, lots[key])))
    world.clock.advance(timedelta(days=5))
    p.lot_command(world.actors["tenderer"], lots["completed"], c.SignContract(award_price(world, lots["completed"]),
                                                                               50_000_000))
    world.clock.advance(timedelta(days=2))
    for deposit in world.services.queries.deposits(staff, lots["completed"]):
        p.lot_command(world.actors["agency"], lots["completed"], c.RefundDeposit(deposit["deposit_id"], 1000))
    world.clock.advance(timedelta(days=28))
    p.lot_command(world.actors["tenderer"], lots["late_contract"],
                  c.SignContract(award_price(world, lots["late_contract"]), 70_000_000))
    lots["bidding"] = register(world, "西山区城中村改造安置房", "第二标段 安置房", 880_000_000)
    announce(world, lots["bidding"], "招标公告：西山区城中村改造安置房第二标段")
    for number, text in enumerate(("补充工程量清单第3项的计量规则。", "现场踏勘改为线上视频方式。"), 1):
        p.lot_command(world.actors["agency"], lots["bidding"], c.IssueClarification(text, number == 1))
    for bidder in ("bidder2", "bidder4"):
        bid(world, lots["bidding"], bidder, 850_000_000)
    lots["draft"] = register(world, "五华区老旧小区改造", "第一标段 外立面", 150_000_000)
    compile_documents(world, lots["draft"])
    world.clock.advance(timedelta(days=2))
    analyze(world)
    return pw


def analyze(world: TenderWorld) -> list[str]:
    """Run the process indicators over the platform's tables and record their alerts, as `jianzheng analyze`
    does; the scenario breaks statutory deadlines, which is what those indicators watch."""
    codes = [code for code in all_indicators() if code.startswith("PROC-")]
    loaded = load_frames(world.services.engine, world.services.blobs)
    return world.services.desk.raise_alerts(run_batch(loaded.frames, indicators=codes))
