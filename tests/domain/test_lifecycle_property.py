"""Property: no sequence of commands drives a lot along an edge the state machine lacks.

Random commands (every lot command, with plausible random arguments, from random actors,
with random clock advances) go through the pure domain — `decide`, then `evolve` for each
event. After every accepted command each appended event's stage change is an edge of
`TRANSITIONS` (or a resumption to the stage the lot was suspended from); a refused command
leaves the state exactly as it was.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jianzheng.domain import commands as c
from jianzheng.domain.errors import Refusal
from jianzheng.domain.lifecycle import RESUME_EVENT, TRANSITIONS, Stage, is_reachable_edge
from jianzheng.domain.lot import evolve
from tests.domain.lotkit import AGENCY, DOC, EXPERTS, FACTORS, TENDERER, LotDriver, party

BIDDERS = ("P-B1", "P-B2", "P-B3", "P-B4")
PARTIES = (TENDERER, AGENCY, *BIDDERS, None)
PERSONS = (*EXPERTS, "H-REPR0", None)
# Mostly small steps, so that bidders can act before the deadline; now and then a long one.
ADVANCES = (*[timedelta(0)] * 40, timedelta(milliseconds=1), timedelta(minutes=1), timedelta(minutes=31),
            timedelta(hours=5), timedelta(days=1), timedelta(days=3), timedelta(days=4), timedelta(days=11),
            timedelta(days=22), timedelta(days=45))
KINDS = ("compile", "confirm", "file", "announce", "clarify", "object", "answer", "complain", "accept",
         "decide", "register", "deposit", "bid", "withdraw", "open", "committee", "score", "reject", "report",
         "publish", "award", "contract", "refund", "retender", "cancel")
# The commands that move a lot on from each stage, drawn more often so deep stages are reached.
NATURAL: dict[Stage, tuple[str, ...]] = {
    Stage.REGISTERED: ("compile",),
    Stage.DOCUMENTS_COMPILED: ("confirm", "compile"),
    Stage.DOCUMENTS_CONFIRMED: ("file",),
    Stage.DOCUMENTS_FILED: ("announce",),
    Stage.BIDDING: ("register", "deposit", "bid", "bid", "open", "clarify", "object", "withdraw"),
    Stage.OPENED: ("committee", "complain", "object"),
    Stage.EVALUATION: ("score", "score", "score", "report", "reject"),
    Stage.EVALUATED: ("publish", "complain"),
    Stage.CANDIDATES_PUBLISHED: ("award", "object", "complain"),
    Stage.AWARDED: ("contract", "refund"),
    Stage.CONTRACTED: ("refund",),
    Stage.COMPLETED: ("complain",),
    Stage.FAILED: ("retender", "refund"),
    Stage.SUSPENDED: ("answer", "accept", "decide"),
    Stage.CANCELLED: ("refund",),
}

text = st.sampled_from(["", "  ", "理由", "理由", "合理的说明 reason"])


def command(data: st.DataObject, d: LotDriver) -> tuple[Any, str | None, str | None]:
    """A random command with plausible arguments and a plausible (or random) actor."""
    s = d.state
    natural = NATURAL[s.stage]
    if s.stage is Stage.BIDDING and len(s.active_bids()) < 3:
        natural = tuple(k for k in natural if k != "open")  # give the bidders time first
    kind = data.draw(st.sampled_from(natural * 6 + KINDS), label="kind")
    registered = [b for b in BIDDERS if b in s.registrations]
    fresh = [b for b in BIDDERS if b not in s.registrations]
    pool = (fresh * 3 if kind == "register" else registered * 3) + list(BIDDERS)
    bidder = data.draw(st.sampled_from(pool))
    expert = data.draw(st.sampled_from(EXPERTS[:5]))
    party_id, person_id = {
        "register": (bidder, None), "deposit": (bidder, None), "bid": (bidder, None), "withdraw": (bidder, None),
        "object": (bidder, None), "complain": (bidder, None), "score": (None, expert), "reject": (None, expert),
        "report": (None, EXPERTS[0]),
    }.get(kind, (AGENCY, None))
    if data.draw(st.integers(0, 9)) == 0:  # now and then, anybody at all
        party_id, person_id = data.draw(st.sampled_from(PARTIES)), data.draw(st.sampled_from(PERSONS))
    now = d.now
    days = st.integers(-2, 30).map(lambda n: now + timedelta(days=n))
    bids = [b.bid_id for b in s.bids.values()] or ["BID-NONE"]
    cmd: Any
    if kind == "compile":
        cmd = c.CompileDocuments(DOC, data.draw(st.sampled_from(["comprehensive"] * 3 + ["lowest_price", "x"])),
                                 data.draw(st.sampled_from([FACTORS, FACTORS, ()])),
                                 data.draw(st.sampled_from([10_000_000, 0, 20_000_000, 20_000_001])))
    elif kind == "confirm":
        cmd = c.ConfirmDocuments(data.draw(st.sampled_from([s.documents_version, s.documents_version + 1, 0])))
    elif kind == "file":
        cmd = c.FileDocuments(data.draw(st.sampled_from([True, True, True, False])), data.draw(text))
    elif kind == "announce":
        start = now + timedelta(days=data.draw(st.sampled_from([0, 0, 0, -1, 2])))
        sale = data.draw(st.sampled_from([5, 6, 7, 7, 4, -1]))
        deadline = data.draw(st.sampled_from([20, 21, 25, 30, 19, 3]))
        cmd = c.PublishAnnouncement(start, start + timedelta(days=sale), start + timedelta(days=deadline),
                                    data.draw(st.sampled_from(["招标公告", "招标公告", ""])))
    elif kind == "clarify":
        cmd = c.IssueClarification(data.draw(text), data.draw(st.booleans()), None,
                                   data.draw(st.one_of(st.none(), days)))
    elif kind == "object":
        cmd = c.RaiseObjection(data.draw(st.sampled_from(["documents", "opening", "result", "other"])),
                               data.draw(text))
    elif kind == "answer":
        cmd = c.AnswerObjection(data.draw(st.sampled_from([*s.objections, "OBJ-NONE"])), data.draw(text))
    elif kind == "complain":
        cmd = c.FileComplaint(data.draw(text), now - timedelta(days=data.draw(st.integers(-1, 12))))
    elif kind == "accept":
        cmd = c.AcceptComplaint(data.draw(st.sampled_from([*s.complaints, "CMP-NONE"])), data.draw(st.booleans()),
                                data.draw(text))
    elif kind == "decide":
        cmd = c.DecideComplaint(data.draw(st.sampled_from([*s.complaints, "CMP-NONE"])), data.draw(st.booleans()),
                                data.draw(text))
    elif kind == "register":
        cmd = c.RegisterBidder()
    elif kind == "deposit":
        cmd = c.PayDeposit(s.deposit_fen + data.draw(st.integers(-1, 1)) * data.draw(st.integers(0, 30_000_000)),
                           data.draw(st.sampled_from([f"ACCT-{party_id}", "OTHER", ""])), "银行")
    elif kind == "bid":
        cmd = c.SubmitBid("c" * 64, "d" * 64, ())
    elif kind == "withdraw":
        cmd = c.WithdrawBid()
    elif kind == "open":
        if s.bid_deadline is not None and d.now < s.bid_deadline and data.draw(st.sampled_from([1, 1, 1, 0])):
            # The opening is due at the deadline: jump there, a little before, or a little after.
            d.now = s.bid_deadline + data.draw(st.sampled_from(
                [timedelta(0), timedelta(0), timedelta(milliseconds=-1), timedelta(minutes=40)]))
        active = s.active_bids()
        keep = len(active) - data.draw(st.sampled_from([0, 0, 0, 1]))
        prices = st.sampled_from([900_000_000, 950_000_000, 1_000_000_000, 870_000_000, 0])
        cmd = c.OpenBids(tuple(c.OpenedBid(b.bid_id, data.draw(prices), None, None, None) for b in active[:keep]))
    elif kind == "committee":
        experts = data.draw(st.sampled_from([5, 5, 5, 7, 4, 6, 3]))
        reps = data.draw(st.sampled_from([0, 0, 1, 2]))
        chair = data.draw(st.sampled_from([0, 0, 0, 1, experts + reps]))
        members = [c.CommitteeMember(EXPERTS[i], "expert", chair=i == chair) for i in range(experts)]
        members += [c.CommitteeMember(f"H-REPR{i}", "tenderer_representative", chair=experts + i == chair)
                    for i in range(reps)]
        cmd = c.FormCommittee(tuple(members))
    elif kind == "score":
        # Mostly agreeing experts, so reports are not all held up by the deviation-reason rule;
        # now and then an outlier or an out-of-range score.
        points = {f.code: data.draw(st.sampled_from([f.max_points // 2] * 6 + [0, f.max_points, f.max_points + 1]))
                  for f in s.factors}
        if data.draw(st.integers(0, 9)) == 0:
            points = {"unknown": 1}
        cmd = c.SubmitScores(data.draw(st.sampled_from(bids)), points)
    elif kind == "reject":
        cmd = c.RejectBid(data.draw(st.sampled_from(bids)), data.draw(text))
    elif kind == "report":
        cmd = c.ReportEvaluation()
    elif kind == "publish":
        cmd = c.PublishCandidates(data.draw(days), data.draw(st.integers(0, 4)))
    elif kind == "award":
        options = [str(x["bidder_id"]) for x in s.candidates] + [bidder]
        cmd = c.Award(data.draw(st.sampled_from(options)), data.draw(text))
    elif kind == "contract":
        price = data.draw(st.integers(-1, 1_000_000_000))
        cmd = c.SignContract(price, data.draw(st.integers(0, max(0, price // 5))))
    elif kind == "refund":
        cmd = c.RefundDeposit(data.draw(st.sampled_from([*s.deposits, "DEP-NONE"])), data.draw(st.integers(-1, 500)))
    elif kind == "retender":
        cmd = c.Retender(data.draw(text))
    else:
        cmd = c.CancelLot(data.draw(text))
    return cmd, party_id, person_id


def check_step(d: LotDriver, cmd: Any, party_id: str | None, person_id: str | None, seen: set[Stage]) -> None:
    before = copy.deepcopy(d.state)
    ctx = d.context(party_id, person_id)
    from jianzheng.domain.decisions import decide

    try:
        drafts = decide(d.state, cmd, ctx)
    except Refusal:
        assert d.state == before, f"a refused {type(cmd).__name__} changed the state"
        return
    for draft in drafts:
        stage, resume_to = d.state.stage, d.state.resume_to
        event = d._witness(draft.type, draft.payload, draft.stream)  # evolve: raises on an illegal step
        after = d.state.stage
        if draft.type == RESUME_EVENT:
            assert stage is Stage.SUSPENDED and after is resume_to, (draft.type, stage, after)
        elif draft.type in TRANSITIONS:
            allowed, target = TRANSITIONS[draft.type]
            assert stage in allowed, (draft.type, stage)
            assert after is (stage if target is None else target), (draft.type, stage, after)
        else:
            assert after is stage, f"{draft.type} moved the lot from {stage} to {after}"
        if after is not stage:
            assert is_reachable_edge(stage, after), (stage, after)
        assert event.stream == f"lot:{d.state.lot_id}"
        seen.add(after)


def run_sequence(data: st.DataObject, seen: set[Stage]) -> int:
    """Apply a random command sequence, checking every step; return the number of steps."""
    d = LotDriver(state_funded=data.draw(st.booleans()))
    for bidder in BIDDERS:
        d.parties[bidder] = party(bidder)
    d.parties["P-B4"] = party("P-B4", rep=f"H-REP-{data.draw(st.sampled_from(['P-B1', 'P-B4']))}")
    steps = data.draw(st.integers(1, 120), label="steps")
    for _ in range(steps):
        d.now = d.now + data.draw(st.sampled_from(ADVANCES))
        cmd, party_id, person_id = command(data, d)
        check_step(d, cmd, party_id, person_id, seen)
    return steps


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_commands_follow_the_state_machine(data: st.DataObject) -> None:
    seen: set[Stage] = set()
    steps = run_sequence(data, seen)
    # check_step asserts every transition; here: the run did step and stayed inside the machine.
    assert steps >= 1
    assert seen <= set(Stage)


def test_the_property_reaches_deep_stages() -> None:
    """The generator is biased enough to exercise the whole machine, not just its first steps."""
    reached: set[Stage] = set()

    @settings(max_examples=300, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def explore(data: st.DataObject) -> None:
        run_sequence(data, reached)

    explore()
    # EVALUATED is not required: since the evaluation rules ask for deviation reasons and
    # signatures, random scoring rarely yields a report; tests/web/test_web_evaluation.py and
    # tests/domain/test_rules.py drive that edge deliberately.
    assert {Stage.BIDDING, Stage.OPENED, Stage.EVALUATION, Stage.FAILED, Stage.SUSPENDED,
            Stage.CANCELLED} <= reached, sorted(reached)


def test_evolve_refuses_an_event_the_machine_lacks() -> None:
    d = LotDriver()
    before = d.state.stage
    from jianzheng.domain.events import WitnessedEvent

    bad = WitnessedEvent(99, d.now, "U1", "staff", "127.0.0.1", "CMD", "lot.awarded", "lot:PRJ1-01",
                         {"bidder_id": "P", "bid_id": "B"})
    try:
        evolve(d.state, bad)
    except Refusal as refusal:
        assert refusal.code == "lifecycle.illegal"
    else:
        raise AssertionError("evolve accepted lot.awarded in stage registered")
    assert d.state.stage is before
