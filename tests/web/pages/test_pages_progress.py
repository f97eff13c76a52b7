"""The statutory deadlines, stage steps and deviation marks, computed from lot states built by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from jianzheng.domain.events import WitnessedEvent
from jianzheng.domain.lifecycle import Stage
from jianzheng.domain.lot import Deposit, LotState
from jianzheng.domain.procedures import load_procedure
from jianzheng.web.pages.progress import deadlines, next_step, stage_changes, steps
from jianzheng.web.pages.scoring import score_table

PROCEDURE = load_procedure()
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 Beijing


def event(seq: int, kind: str, at: datetime, payload: dict[str, object] | None = None) -> WitnessedEvent:
    return WitnessedEvent(seq, at, "U1", "staff", "127.0.0.1", f"CMD{seq}", kind, "lot:L1", dict(payload or {}))


def by_key(state: LotState, now: datetime) -> dict[str, object]:
    return {d.key: d for d in deadlines(state, [], PROCEDURE, now)}


def test_the_contract_deadline_is_pending_then_overdue_then_met_or_broken() -> None:
    state = LotState("L1", stage=Stage.AWARDED, awarded_at=T0)
    pending = by_key(state, T0 + timedelta(days=30))["deadline.law46"]
    assert pending.status == "pending" and pending.note == {"n": 0}  # type: ignore[attr-defined]
    overdue = by_key(state, T0 + timedelta(days=33))["deadline.law46"]
    assert overdue.status == "overdue" and overdue.note == {"n": 3}  # type: ignore[attr-defined]
    state.contract_signed_at = T0 + timedelta(days=30)
    assert by_key(state, T0 + timedelta(days=40))["deadline.law46"].status == "ok"  # type: ignore[attr-defined]
    state.contract_signed_at = T0 + timedelta(days=31)
    assert by_key(state, T0 + timedelta(days=40))["deadline.law46"].status == "breach"  # type: ignore[attr-defined]


def test_periods_are_counted_in_beijing_calendar_days() -> None:
    # Sale from Monday 09:00 to the following Saturday 08:00 Beijing time: five calendar days.
    state = LotState("L1", stage=Stage.BIDDING, sale_start=T0, sale_end=T0 + timedelta(days=4, hours=23),
                     announced_at=T0, bid_deadline=T0 + timedelta(days=19, hours=20))
    rows = by_key(state, T0)
    assert rows["deadline.regs16"].status == "ok"  # type: ignore[attr-defined]
    # 19 days and 20 hours, but 20 calendar days in Beijing: the deadline falls at 05:00 on day 20.
    assert rows["deadline.law24"].status == "ok"  # type: ignore[attr-defined]
    state.bid_deadline = T0 + timedelta(days=19)
    assert by_key(state, T0)["deadline.law24"].status == "breach"  # type: ignore[attr-defined]


def test_the_opening_must_follow_the_deadline_within_the_grace_minutes() -> None:
    deadline = T0 + timedelta(days=21)
    state = LotState("L1", stage=Stage.BIDDING, bid_deadline=deadline)
    assert by_key(state, deadline - timedelta(days=2))["deadline.law34"].status == "pending"  # type: ignore
    assert by_key(state, deadline + timedelta(minutes=31))["deadline.law34"].status == "overdue"  # type: ignore
    state.stage, state.opened_at = Stage.OPENED, deadline + timedelta(minutes=10)
    assert by_key(state, deadline + timedelta(days=1))["deadline.law34"].status == "ok"  # type: ignore
    state.opened_at = deadline + timedelta(minutes=45)
    assert by_key(state, deadline + timedelta(days=1))["deadline.law34"].status == "breach"  # type: ignore


def test_deposit_refunds_are_judged_one_by_one() -> None:
    signed = T0 + timedelta(days=40)
    state = LotState("L1", stage=Stage.CONTRACTED, contract_signed_at=signed, deposits={
        "D1": Deposit("D1", "B1", 100, "acct", T0, refunded_at=signed + timedelta(days=2)),
        "D2": Deposit("D2", "B2", 100, "acct", T0)})
    pending = by_key(state, signed + timedelta(days=3))["deadline.regs57"]
    assert pending.status == "pending" and pending.note == {"n": 1}  # type: ignore[attr-defined]
    assert by_key(state, signed + timedelta(days=6))["deadline.regs57"].status == "overdue"  # type: ignore
    state.deposits["D2"].refunded_at = signed + timedelta(days=7)
    assert by_key(state, signed + timedelta(days=8))["deadline.regs57"].status == "breach"  # type: ignore


def test_what_is_next_follows_the_stage() -> None:
    state = LotState("L1", stage=Stage.CANDIDATES_PUBLISHED, publicity_end=T0 + timedelta(days=3))
    following = next_step(state, deadlines(state, [], PROCEDURE, T0))
    assert following is not None and following.key == "next.candidates_published"
    assert following.when == T0 + timedelta(days=3)
    assert next_step(LotState("L1", stage=Stage.COMPLETED), []) is None


def test_stage_steps_follow_the_witnessed_events_and_restart_after_a_re_tender() -> None:
    events = [event(1, "lot.registered", T0, {"lot_id": "L1"}),
              event(2, "lot.documents_compiled", T0 + timedelta(hours=1)),
              event(3, "lot.failed", T0 + timedelta(days=1)),
              event(4, "lot.retendered", T0 + timedelta(days=2), {"round": 2}),
              event(5, "lot.documents_compiled", T0 + timedelta(days=3))]
    changes = stage_changes(events)
    assert [c.stage for c in changes] == [Stage.REGISTERED, Stage.DOCUMENTS_COMPILED, Stage.FAILED,
                                          Stage.REGISTERED, Stage.DOCUMENTS_COMPILED]
    shown = steps(changes, Stage.DOCUMENTS_COMPILED)
    assert [s.state for s in shown[:3]] == ["done", "current", "ahead"]
    assert shown[0].time == T0 + timedelta(days=2) and shown[1].time == T0 + timedelta(days=3)
    failed = steps(changes[:3], Stage.FAILED)
    assert [s.state for s in failed[:3]] == ["done", "done", "ahead"]


FACTORS = [{"code": "tech", "name_zh": "技术", "name_en": "Technical", "max_points": 5000},
           {"code": "price", "name_zh": "报价", "name_en": "Price", "max_points": 5000}]


def sheet(person: str, bid: str, tech: int, price: int) -> dict[str, object]:
    return {"person_id": person, "bid_id": bid, "points": {"tech": tech, "price": price}, "total": tech + price}


def test_the_expert_far_from_the_others_is_marked_and_close_ones_are_not() -> None:
    scores = [sheet(p, b, 4000, 4000) for p in ("E1", "E2", "E3") for b in ("B1", "B2")]
    scores += [sheet("E4", "B1", 5000, 5000), sheet("E4", "B2", 1500, 1500)]
    members = [(p, f"专家{p}", p == "E1") for p in ("E1", "E2", "E3", "E4")]
    table = score_table(scores, FACTORS, [("B1", "甲"), ("B2", "乙")], members)
    assert [e.person_id for e in table.deviating] == ["E4"]
    e4 = next(e for e in table.experts if e.person_id == "E4")
    assert e4.deviation_percent == 35.0  # (20% + 20% + 50% + 50%) / 4
    assert [c.flagged for c in e4.rows[1].cells] == [True, True]
    assert table.means["B2"] == (8000 * 3 + 3000) // 4


def test_no_expert_is_marked_with_fewer_than_three_to_compare() -> None:
    scores = [sheet("E1", "B1", 5000, 5000), sheet("E2", "B1", 0, 0)]
    table = score_table(scores, FACTORS, [("B1", "甲")], [("E1", "一", True), ("E2", "二", False)])
    assert table.deviating == [] and all(e.deviation_percent is None for e in table.experts)
