"""The life of each lot as processes on the scheduler, every step a command through the platform.

`Tendering` holds what the processes share: the platform, the world, the random
generator, the labels. A project process registers the project and starts one process per
lot; a lot process walks the lifecycle (documents compiled, confirmed and filed, the
announcement, the opening, the committee and its scores, the report, candidates, award,
contract, deposit refunds) and starts one process per bidder, which registers, pays its
deposit and uploads its bid. Honest lots keep every statutory period; the planted kinds
break exactly what they say. A case is labelled once the step that shows it has happened.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from jianzheng.domain import commands as c
from jianzheng.domain import registry as r
from jianzheng.domain.calendar import add_days, local_date
from jianzheng.domain.errors import Refusal
from jianzheng.domain.events import WitnessedEvent
from jianzheng.services.actor import Actor
from jianzheng.services.platform import Platform, Upload
from jianzheng.simulate.bids import BidPlan, BidPlanner, BidRound, Sign
from jianzheng.simulate.calibration import YUAN
from jianzheng.simulate.documents import BillOfQuantities, bid_file, evaluation_report, tender_file
from jianzheng.simulate.labels import LabelBook
from jianzheng.simulate.plan import LotPlan, ProjectPlan
from jianzheng.simulate.review import Document, batches, document_pages, review
from jianzheng.simulate.scheduler import Process, Scheduler
from jianzheng.simulate.timing import add_working_days, at, later_same_day, office_moment, working_day
from jianzheng.simulate.world import Expert, World

FACTORS = {
    "works": (c.FactorSpec("technical", "技术标", "Technical proposal", 4000),
              c.FactorSpec("commercial", "商务标", "Commercial terms", 1000),
              c.FactorSpec("price", "投标报价", "Price", 5000)),
    "services": (c.FactorSpec("technical", "服务方案", "Service proposal", 5000),
                 c.FactorSpec("commercial", "商务及业绩", "Commercial terms and record", 2000),
                 c.FactorSpec("price", "投标报价", "Price", 3000)),
    "goods": (),  # lowest evaluated price (经评审的最低投标价法): no scoring factors
}
DEMAND_DEPOSIT_RATE = 0.0035  # yearly interest on demand deposits refunded with the deposit (Regs 57)
REJECT_REASONS = ("投标文件未按招标文件要求提供项目经理注册证书", "投标保证金缴纳凭证与招标文件要求不符",
                  "投标报价中漏项，不响应招标文件实质性要求")
WaitFor = Generator[datetime, None, Any]


@dataclass
class LotRun:
    """A lot's progress as its processes learn it from the platform's events."""

    plan: LotPlan
    project: ProjectPlan
    owner: Actor
    owner_ip: str
    round_: int = 1
    bids: BidRound | None = None
    deadline: datetime | None = None
    opened: list[dict[str, Any]] = field(default_factory=list)
    deposit_fen: int = 0
    winner_id: str = ""
    winner_price: int = 0


class Tendering:
    """Shared state of the simulation's processes and the helpers they act through."""

    def __init__(self, platform: Platform, world: World, rng: random.Random, labels: LabelBook,
                 scheduler: Scheduler, planner: BidPlanner, now: Callable[[], datetime]) -> None:
        self.platform = platform
        self.world = world
        self.rng = rng
        self.labels = labels
        self.scheduler = scheduler
        self.planner = planner
        self.now = now
        self.commands = 0
        self.refusals = 0  # commands refused and retried later (a lot suspended by an objection)
        self.cartel_lots: dict[int, list[tuple[str, str, str]]] = {}  # cartel -> (lot, designated, winner)

    # -- acting ------------------------------------------------------------------------------

    def act(self, actor: Actor, lot_id: str, command: Any, ip: str) -> list[WitnessedEvent]:
        events = self.platform.lot_command(actor, lot_id, command, ip)
        self.commands += 1  # counted once carried out; a refused command wrote nothing
        return events

    def retrying(self, action: Callable[[], list[WitnessedEvent]], give_up: datetime) -> WaitFor:
        """Run `action`; while the lot is suspended (an objection), try again two hours later."""
        while True:
            try:
                return action()
            except Refusal as refusal:
                if refusal.code != "lot.suspended" or self.now() + timedelta(hours=2) >= give_up:
                    raise
                self.refusals += 1
                yield self.now() + timedelta(hours=2)

    def staff(self) -> Actor:
        return self.rng.choice(self.world.center.staff)

    def staff_ip(self, actor: Actor) -> str:
        return self.world.center.staff_ips.get(actor.user_id, "10.53.1.10")

    # -- projects ----------------------------------------------------------------------------

    def project_process(self, project: ProjectPlan) -> Process:
        owner_company = project.agency or project.tenderer
        owner = owner_company.actor
        assert owner is not None and project.tenderer.actor is not None
        self.commands += 1
        events = self.platform.register_project(owner, r.RegisterProject(
            name=project.name, tenderer_id=project.tenderer.party_id,
            agency_id=project.agency.party_id if project.agency else None, funding_source=project.funding,
            state_funded=project.state_funded, region=project.region,
            lots=tuple(c.RegisterLot("", lot.name, lot.estimate_fen, lot.trade.category, "construction-open",
                                     project.tenderer.party_id, project.agency.party_id if project.agency else None,
                                     project.state_funded) for lot in project.lots)), owner_company.office_ip)
        for lot, event in zip(project.lots, events[1:], strict=True):
            lot.lot_id = str(event.payload["lot_id"])
            run = LotRun(lot, project, owner, owner_company.office_ip)
            self.scheduler.spawn(self.lot_process(run), office_moment(
                self.rng, local_date(self.now()), earliest=self.now() + timedelta(minutes=20)))
        yield self.now()

    # -- a lot ---------------------------------------------------------------------------------

    def lot_process(self, run: LotRun) -> Process:
        rng, lot = self.rng, run.plan
        tenderer = run.project.tenderer.actor
        assert tenderer is not None
        while True:
            # 1% or 2% of the estimate (Regs 26 caps it at 2%), at most 800,000 yuan, in thousands.
            deposit = max(1000 * YUAN, min(lot.estimate_fen * rng.choice((1, 2)) // 100, 800_000 * YUAN)
                          // (1000 * YUAN) * 1000 * YUAN)
            run.deposit_fen = deposit
            document = self.platform.store_document(Upload(
                "招标文件.txt", tender_file(lot.name, lot.estimate_fen, lot.method, deposit, run.round_),
                "text/plain; charset=utf-8"))
            self.act(run.owner, lot.lot_id, c.CompileDocuments(document, lot.method, FACTORS[lot.trade.category],
                                                               deposit, "具备相应资质，近三年无重大违法记录"),
                     run.owner_ip)
            yield office_moment(rng, add_working_days(local_date(self.now()), rng.randint(1, 2)))
            # One version per round: a re-tender starts the documents again from version 1.
            self.act(tenderer, lot.lot_id, c.ConfirmDocuments(1), run.project.tenderer.office_ip)
            yield office_moment(rng, add_working_days(local_date(self.now()), rng.randint(1, 2)))
            supervisor = rng.choice(self.world.center.supervisors)
            self.act(supervisor, lot.lot_id, c.FileDocuments(True, "备案材料齐全，同意备案"), "10.53.9.21")
            yield office_moment(rng, add_working_days(local_date(self.now()), rng.randint(0, 1)))
            yield from self._announce(run)
            assert run.deadline is not None
            yield run.deadline + timedelta(seconds=rng.randrange(20, 300))
            opener = self.staff() if rng.random() < 0.6 else run.owner
            self.commands += 1
            events = self.platform.open_bids(opener, lot.lot_id,
                                             self.staff_ip(opener) if opener.role.value == "staff" else run.owner_ip)
            if events[0].type != "lot.failed":
                run.opened = list(events[0].payload["bids"])
                self._label_bids(run)
                break
            yield from self._after_failure(run)
        yield from self._evaluate(run)
        yield from self._award(run)

    def _announce(self, run: LotRun) -> WaitFor:
        rng, lot = self.rng, run.plan
        now = self.now()
        sale_end = add_days(now, rng.randint(5, 7))
        short = "short_bidding_period" in lot.kinds and run.round_ == 1
        days = rng.randint(12, 17) if short else rng.randint(20, 30)
        deadline_day = working_day(local_date(now) + timedelta(days=days))
        if short and (deadline_day - local_date(now)).days >= 20:
            deadline_day = local_date(now) + timedelta(days=days)
        run.deadline = at(deadline_day, 9, 30)
        sale_end = min(sale_end, run.deadline - timedelta(days=1))
        text = (f"{lot.name} 招标公告：本项目已具备招标条件，现进行公开招标。投标截止时间"
                f"{run.deadline:%Y年%m月%d日 %H:%M}，开标采用不见面开标方式。")
        announcer = run.owner if rng.random() < 0.8 else self.staff()
        self.act(announcer, lot.lot_id, c.PublishAnnouncement(now, sale_end, run.deadline, text),
                 run.owner_ip if announcer is run.owner else self.staff_ip(announcer))
        if short:
            actual = (local_date(run.deadline) - local_date(now)).days
            self._label("short_bidding_period", [lot.lot_id], self._owners(run), [], days=actual, minimum=20)
        duration = None if lot.trade.category != "works" else rng.choice((90, 120, 180, 240, 300, 365, 540))
        run.bids = self.planner.plan(lot, run.round_, BillOfQuantities.draw(lot.trade.category, lot.estimate_fen),
                                     now, sale_end, run.deadline, duration)
        for plan in run.bids.bids:
            self.scheduler.spawn(self.bidder_process(run, plan), plan.register_at)
        if lot.honest and not short:
            if rng.random() < 0.15:
                self.scheduler.spawn(self._clarify(run), office_moment(rng, local_date(now) + timedelta(days=4)))
            if rng.random() < 0.04 and run.bids.bids:
                self.scheduler.spawn(self._object(run), office_moment(rng, local_date(now) + timedelta(days=3)))
        yield self.now()

    def _clarify(self, run: LotRun) -> Process:
        assert run.deadline is not None
        # An objection may have suspended the lot meanwhile; the clarification then waits for the answer.
        yield from self.retrying(lambda: self.act(run.owner, run.plan.lot_id, c.IssueClarification(
            "第1号澄清：工程量清单第3项的计量单位更正为立方米，其余内容不变。", affects_bids=False), run.owner_ip),
            run.deadline)

    def _object(self, run: LotRun) -> Process:
        """A potential bidder objects to the documents; the owner answers within the statutory 3 days."""
        assert run.bids is not None and run.deadline is not None
        objector = self.rng.choice(run.bids.bids).company
        assert objector.actor is not None
        events = self.act(objector.actor, run.plan.lot_id, c.RaiseObjection(
            "documents", "招标文件资格条件中的业绩要求限定了特定行政区域，请予澄清。"), objector.office_ip)
        objection_id = str(events[0].payload["objection_id"])
        yield office_moment(self.rng, add_working_days(local_date(self.now()), 1))
        self.act(run.owner, run.plan.lot_id, c.AnswerObjection(
            objection_id, "经核实，业绩要求不限定行政区域，已在澄清中明确。"), run.owner_ip)

    def bidder_process(self, run: LotRun, plan: BidPlan) -> Process:
        actor = plan.company.actor
        assert actor is not None and run.deadline is not None
        lot_id, deadline, ip = run.plan.lot_id, run.deadline, plan.company.office_ip
        yield from self.retrying(lambda: self.act(actor, lot_id, c.RegisterBidder(), ip), deadline)
        yield max(plan.deposit_at, self.now())
        events = yield from self.retrying(lambda: self.act(
            actor, lot_id, c.PayDeposit(run.deposit_fen, plan.paying_account, plan.paying_bank), ip),
            deadline)
        plan.deposit_id = str(events[0].payload["deposit_id"])
        plan.deposit_fen = run.deposit_fen
        yield max(plan.submit_at, self.now())
        document = plan.document or bid_file(plan.company.name, plan.company.credit_code, run.plan.name,
                                             plan.price_fen, plan.proposal)

        def submit() -> list[WitnessedEvent]:
            events = self.platform.submit_bid(actor, lot_id, plan.content(),
                                              [Upload("投标文件.txt", document, "text/plain; charset=utf-8")],
                                              source_ip=plan.source_ip, fingerprint=plan.fingerprint)
            self.commands += 1
            return events
        events = yield from self.retrying(submit, deadline)
        plan.bid_id = str(events[0].payload["bid_id"])

    def _after_failure(self, run: LotRun) -> WaitFor:
        """Too few bids (Law 28): refund the deposits, then re-tender."""
        rng, lot = self.rng, run.plan
        assert run.bids is not None
        for plan in run.bids.bids:
            if plan.deposit_id:
                yield office_moment(rng, add_working_days(local_date(self.now()), rng.randint(0, 2)))
                staff = self.staff()
                self.act(staff, lot.lot_id, c.RefundDeposit(plan.deposit_id, self._interest(plan)),
                         self.staff_ip(staff))
        yield office_moment(rng, add_working_days(local_date(self.now()), rng.randint(1, 3)))
        self.act(run.owner, lot.lot_id, c.Retender("投标人少于三个，依法重新招标（招标投标法第二十八条）"),
                 run.owner_ip)
        run.round_ += 1
        yield office_moment(rng, add_working_days(local_date(self.now()), rng.randint(2, 6)))

    def _interest(self, plan: BidPlan) -> int:
        days = max(1, (self.now() - plan.deposit_at).days)
        return int(plan.deposit_fen * DEMAND_DEPOSIT_RATE * days / 365)

    def _within(self, start: datetime, low: int, high: int) -> datetime:
        """An office moment between `low` and `high` calendar days after `start`, on a weekday."""
        first = local_date(start)
        days = [d for d in range(low, high + 1) if (first + timedelta(days=d)).weekday() < 5]
        earliest = start + timedelta(minutes=10) if 0 in days else None
        return office_moment(self.rng, first + timedelta(days=self.rng.choice(days or [high])), earliest=earliest)

    # -- evaluation ----------------------------------------------------------------------------

    def _committee(self, run: LotRun) -> list[Expert]:
        rng, lot = self.rng, run.plan
        size = 7 if lot.estimate_fen >= 50_000_000 * YUAN else 5
        honest = [e for e in self.world.experts if not e.corrupt]
        specialists = [e for e in honest if e.trade == lot.trade.code]
        pool = specialists if len(specialists) >= size else honest
        members = rng.sample(pool, size)
        if "evaluator_bias" in lot.kinds:
            corrupt = [e for e in self.world.experts if e.corrupt]
            members[-1] = rng.choice(corrupt)
        return members

    def _evaluate(self, run: LotRun) -> WaitFor:
        rng, lot = self.rng, run.plan
        assert run.bids is not None
        yield later_same_day(rng, self.now(), 20, 50)
        committee = self._committee(run)
        staff = self.staff()
        self.act(staff, lot.lot_id, c.FormCommittee(tuple(
            c.CommitteeMember(e.person.person_id, "expert", chair=(i == 0)) for i, e in enumerate(committee))),
            self.staff_ip(staff))
        seats = {e.person.person_id: f"10.53.20.{11 + i}" for i, e in enumerate(committee)}
        by_bid = {p.bid_id: p for p in run.bids.bids}
        valid = [b for b in run.opened if b["bid_id"] in by_bid]
        chair = committee[0]
        assert chair.actor is not None
        if lot.honest and len(valid) > 3:
            for bid in list(valid):
                if rng.random() < 0.03 and len(valid) > 3:
                    yield later_same_day(rng, self.now(), 10, 30)
                    self.act(chair.actor, lot.lot_id, c.RejectBid(bid["bid_id"], rng.choice(REJECT_REASONS)),
                             seats[chair.person.person_id])
                    valid.remove(bid)
        biased = committee[-1] if ("evaluator_bias" in lot.kinds and lot.method == "comprehensive") else None
        favoured = rng.choice(valid)["bid_id"] if biased else ""
        # The members read the bids; their document viewers report the pages (review telemetry).
        yield from self._read_bids(run, committee, valid, seats, biased, favoured)
        if lot.method == "comprehensive":
            yield later_same_day(rng, self.now(), 15, 40)
            points = self._scores(run, committee, valid, biased, favoured)
            for expert in committee:
                assert expert.actor is not None
                for bid in valid:
                    yield later_same_day(rng, self.now(), 1, 4)
                    self.act(expert.actor, lot.lot_id, c.SubmitScores(bid["bid_id"], points[(expert.person.person_id,
                                                                                             bid["bid_id"])]),
                             seats[expert.person.person_id])
        yield later_same_day(rng, self.now(), 10, 40)
        names = {p.bid_id: p.company.name for p in run.bids.bids}
        provisional = sorted(valid, key=lambda b: b["price_fen"])
        report = self.platform.store_document(Upload("评标报告.txt", evaluation_report(
            lot.name, [(names[b["bid_id"]], int(b["price_fen"])) for b in provisional], len(committee)),
            "text/plain; charset=utf-8"))
        try:
            events = self.act(chair.actor, lot.lot_id, c.ReportEvaluation(report), seats[chair.person.person_id])
        except Refusal as refusal:
            # Scores far from the other members' need their expert's written reason first (seed 001).
            if refusal.code != "evaluation.deviation_unexplained":
                raise
            self.refusals += 1
            members = {e.person.person_id: e for e in committee}
            for deviation in refusal.details["deviations"]:
                expert = members[deviation["person_id"]]
                assert expert.actor is not None
                yield later_same_day(rng, self.now(), 2, 8)
                self.act(expert.actor, lot.lot_id, c.ExplainDeviation(
                    deviation["bid_id"], deviation["factor"], self._reason(expert, deviation, favoured)),
                    seats[expert.person.person_id])
            yield later_same_day(rng, self.now(), 5, 15)
            events = self.act(chair.actor, lot.lot_id, c.ReportEvaluation(report), seats[chair.person.person_id])
        ranking = events[0].payload["ranking"]
        run.winner_id, run.winner_price = str(ranking[0]["bidder_id"]), int(ranking[0]["price_fen"])
        if favoured:
            plan = by_bid[favoured]
            biased_expert = committee[-1]
            self._label("evaluator_bias", [lot.lot_id], [plan.company.party_id], [biased_expert.person.person_id],
                        favoured_bid=favoured, expert=biased_expert.person.key,
                        favoured_rank=next(int(x["rank"]) for x in ranking if x["bid_id"] == favoured))
        if lot.cartel is not None and lot.cartel_winner is not None:
            self.cartel_lots.setdefault(lot.cartel.number, []).append(
                (lot.lot_id, lot.cartel_winner.party_id, run.winner_id))

    def _read_bids(self, run: LotRun, committee: list[Expert], valid: list[dict[str, Any]], seats: dict[str, str],
                   biased: Expert | None, favoured: str) -> WaitFor:
        """Each member reads the valid bids; one skims everything on a `review_skipped` lot."""
        rng, lot = self.rng, run.plan
        with self.platform.store.read() as session:
            rows = {r["bid_id"]: r for r in session.rows("bids", {"lot_id": lot.lot_id})}
        documents = []
        for bid in valid:
            first = (rows[bid["bid_id"]]["documents"] or [{}])[0]
            if first.get("sha256"):
                documents.append(Document(bid["bid_id"], first["sha256"], document_pages(int(first["size"]), rng)))
        if not documents:
            return
        skipper = committee[1] if "review_skipped" in lot.kinds else None
        start = later_same_day(rng, self.now(), 5, 15)
        read: list[tuple[Expert, list[c.PageView]]] = []
        end = start
        for expert in committee:
            behaviour = "skip" if expert is skipper else ("biased" if expert is biased else "honest")
            views, done = review(rng, documents, start + timedelta(seconds=rng.randint(0, 300)), behaviour, favoured)
            read.append((expert, views))
            end = max(end, done)
        yield end + timedelta(minutes=rng.randint(1, 10))
        for expert, views in read:
            assert expert.actor is not None
            for batch in batches(views):
                self.act(expert.actor, lot.lot_id, c.RecordReviewPages(batch), seats[expert.person.person_id])
        if skipper is not None:
            views = next(v for e, v in read if e is skipper)
            others = [sum(x.seconds for x in v) for e, v in read if e is not skipper]
            self._label("review_skipped", [lot.lot_id], [run.project.tenderer.party_id], [skipper.person.person_id],
                        expert=skipper.person.key, seconds=sum(v.seconds for v in views), pages=len(views),
                        median_other_seconds=sorted(others)[len(others) // 2])

    def _reason(self, expert: Expert, deviation: dict[str, Any], favoured: str) -> str:
        """The written reason for a score far from the others': a biased expert's sounds reasonable too."""
        higher = float(deviation["points"]) / 100 > float(deviation["others_mean"])
        if expert.corrupt and favoured:
            return ("该投标人施工组织设计针对性强，重点难点分析透彻，措施得力，故给予较高评分。" if higher else
                    "该投标文件技术方案内容空泛，针对本工程的措施不足，故酌情扣分。")
        return self.rng.choice(("经复核，该项评分符合评分标准，维持原评分。",
                                "该投标文件在此项的响应程度与评分标准的描述对应，评分有据。"))

    def _scores(self, run: LotRun, committee: list[Expert], valid: list[dict[str, Any]], biased: Expert | None,
                favoured: str) -> dict[tuple[str, str], dict[str, int]]:
        """Each expert's points per bid: independent judgement of quality; price points by formula."""
        rng, lot = self.rng, run.plan
        assert run.bids is not None
        factors = {f.code: f.max_points for f in FACTORS[lot.trade.category]}
        prices = sorted(b["price_fen"] for b in valid)
        trimmed = prices[1:-1] if len(prices) >= 5 else prices
        base = sum(trimmed) / len(trimmed)
        quality = {p.bid_id: p.quality for p in run.bids.bids}
        out: dict[tuple[str, str], dict[str, int]] = {}
        for bid in valid:
            deviation = (bid["price_fen"] - base) / base * 100
            # The usual formula: one point off per 1% above the base price, half a point per 1% below.
            lost = deviation * 100 if deviation > 0 else -deviation * 50
            price_points = int(min(factors["price"], max(0, factors["price"] - lost)))
            for expert in committee:
                q = quality[bid["bid_id"]] + expert.leniency + rng.gauss(0, 0.035)
                if expert is biased:
                    # Near-full marks for the favoured bid, the others pressed far below their quality.
                    q = rng.uniform(0.95, 1.0) if bid["bid_id"] == favoured else quality[bid["bid_id"]] - \
                        rng.uniform(0.25, 0.35)
                technical = factors["technical"] * min(1.0, max(0.3, q))
                commercial = factors["commercial"] * min(1.0, max(0.5, 0.7 + 0.3 * q + rng.gauss(0, 0.03)))
                out[(expert.person.person_id, bid["bid_id"])] = {
                    "technical": int(technical) // 10 * 10, "commercial": int(commercial) // 10 * 10,
                    "price": price_points}
        return out

    # -- award, contract, refunds ---------------------------------------------------------------

    def _award(self, run: LotRun) -> WaitFor:
        rng, lot = self.rng, run.plan
        tenderer = run.project.tenderer.actor
        assert tenderer is not None and run.bids is not None
        # Regs 54: candidates within 3 days of the report, published for at least 3 days.
        yield self._within(self.now(), 0, 2)
        end = add_days(self.now(), rng.choice((3, 3, 4, 5)))
        self.act(run.owner, lot.lot_id, c.PublishCandidates(end, 3), run.owner_ip)
        yield office_moment(rng, local_date(end) + timedelta(days=rng.randint(0, 3)), earliest=end)
        self.act(tenderer, lot.lot_id, c.Award(run.winner_id), run.project.tenderer.office_ip)
        awarded = self.now()
        late = "late_contract" in lot.kinds
        days = rng.randint(35, 55) if late else rng.randint(5, 25)
        yield office_moment(rng, local_date(awarded) + timedelta(days=days))
        bond = run.winner_price * rng.choice((5, 8, 10)) // 100 // (1000 * YUAN) * 1000 * YUAN
        self.act(tenderer, lot.lot_id, c.SignContract(run.winner_price, bond), run.project.tenderer.office_ip)
        signed = self.now()
        if late:
            self._label("late_contract", [lot.lot_id], [run.project.tenderer.party_id, run.winner_id], [],
                        days=(local_date(signed) - local_date(awarded)).days, limit=30)
        deposits = [p for p in run.bids.bids if p.deposit_id]
        late_ids: set[str] = set()
        if "late_deposit_refund" in lot.kinds:
            losers = [p for p in deposits if p.company.party_id != run.winner_id] or deposits
            late_ids = {p.deposit_id for p in rng.sample(losers, rng.randint(1, len(losers)))}
        schedule = []
        for plan in deposits:
            # Regs 57: within 5 days of the contract, unless this is a planted late refund.
            moment = (office_moment(rng, local_date(signed) + timedelta(days=rng.randint(8, 20)))
                      if plan.deposit_id in late_ids else self._within(signed, 1, 4))
            schedule.append((moment, plan))
        schedule.sort(key=lambda item: (item[0], item[1].deposit_id))
        late_refunds: list[BidPlan] = []
        for moment, plan in schedule:
            yield moment
            staff = self.staff()
            self.act(staff, lot.lot_id, c.RefundDeposit(plan.deposit_id, self._interest(plan)), self.staff_ip(staff))
            if plan.deposit_id in late_ids:
                late_refunds.append(plan)
                if len(late_refunds) == len(late_ids):
                    self._label("late_deposit_refund", [lot.lot_id],
                                [run.project.tenderer.party_id, *(p.company.party_id for p in late_refunds)], [],
                                deposit_ids=sorted(late_ids), limit=5,
                                days=[(local_date(self.now()) - local_date(signed)).days])

    # -- labels --------------------------------------------------------------------------------

    def _owners(self, run: LotRun) -> list[str]:
        owners = [run.project.tenderer.party_id]
        if run.project.agency is not None:
            owners.append(run.project.agency.party_id)
        return owners

    def _label(self, kind: str, lot_ids: list[str], party_ids: list[str], person_ids: list[str],
               **details: Any) -> None:
        self.labels.add(kind, lot_ids, party_ids, person_ids, **details)

    def _label_bids(self, run: LotRun) -> None:
        """At the opening the bids become visible: label every sign the colluders' bids show."""
        assert run.bids is not None
        opened = {b["bidder_id"] for b in run.opened}
        for sign in run.bids.signs:
            companies = [c for c in sign.companies if c.party_id in opened]
            if len(companies) < 2:
                continue
            self._label(sign.kind, [run.plan.lot_id], [c.party_id for c in companies],
                        [p.person_id for p in sign.persons], **self._resolve(sign))

    def _resolve(self, sign: Sign) -> dict[str, Any]:
        """Details with the simulator's keys replaced by the platform's ids."""
        keys: dict[str, str] = {}
        for company in sign.companies:
            keys[company.key] = company.party_id
        for person in sign.persons:
            keys[person.key] = person.person_id

        def swap(value: Any) -> Any:
            if isinstance(value, str):
                return keys.get(value, value)
            if isinstance(value, list):
                return [swap(v) for v in value]
            if isinstance(value, dict):
                return {k: swap(v) for k, v in value.items()}
            return value
        return {k: swap(v) for k, v in sign.details.items()}

    def label_rotation(self) -> None:
        """After the year: each rotating cartel with two or more opened lots is one rotation case."""
        for cartel in self.world.cartels:
            lots = self.cartel_lots.get(cartel.number, [])
            if not cartel.rotates or len(lots) < 2:
                continue
            designated = [d for _, d, _ in lots]
            self._label("bid_rotation", [lot for lot, _, _ in lots], list(dict.fromkeys(designated)),
                        [cartel.boss.person_id], cartel=cartel.number, designated_winners=designated,
                        actual_winners=[w for _, _, w in lots])

