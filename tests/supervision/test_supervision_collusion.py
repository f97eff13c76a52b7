"""The collusion indicators (Regs 40 items 1-6, Regs 34) and their engines, fact by fact.

The fixture test (test_supervision_indicator_fixtures.py) pins each indicator's whole output
on a small case; these tests check what the evidence says, the negatives next to each
positive, the settings that change a verdict, and the text, price and graph engines on
their own.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from jianzheng.supervision import Alert, FrameSchemaError, SettingsError, run_batch, run_realtime
from jianzheng.supervision.frames import frames_from_records
from jianzheng.supervision.regularity import PriceParams, priced_pairs, progressions
from jianzheng.supervision.similarity import SEPARATOR, shingle_hashes, tender_overlaps

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture(code: str) -> tuple[dict[str, Any], dict[str, Any]]:
    given = json.loads((FIXTURES / f"{code}.input.json").read_text(encoding="utf-8"))
    return given["settings"], given["frames"]


def run(code: str, frames: dict[str, Any], settings: dict[str, Any] | None = None) -> list[Alert]:
    return run_batch(frames_from_records(frames), settings or {}, indicators=[code])


def facts(alert: Alert, name: str) -> list[Any]:
    return [e.value for e in alert.evidence if e.fact == name]


def seqs(alert: Alert, name: str) -> list[tuple[int, ...]]:
    return [e.event_seqs for e in alert.evidence if e.fact == name]


# -- REGS40-1 -------------------------------------------------------------------------------


def test_same_preparer_normalises_hardware_ids_and_exempts_the_centers_terminals() -> None:
    _, frames = fixture("REGS40-1")
    [alert] = run("REGS40-1", frames)
    assert alert.subject_id == "L1" and set(alert.party_ids) == {"C1", "C2"}
    [mac] = facts(alert, "same_mac")
    assert mac["normalised"] == "001A2B3C4D5E"
    assert {c["value"] for c in mac["carriers"]} == {"00-1A-2B-3C-4D-5E", "001a.2b3c.4d5e"}
    # The fingerprint is in the submission event itself.
    assert seqs(alert, "same_mac") == [(101, 102)]
    # L2: the kiosk at 127.0.0.1 and the placeholder author "Administrator" prove nothing; L3 is cancelled.
    assert all(a.subject_id != "L2" for a in run("REGS40-1", frames))
    exempt_nothing = run("REGS40-1", frames, {"REGS40-1": {"exempt_networks": []}})
    kiosk = [a for a in exempt_nothing if a.subject_id == "L2"]
    assert [f["value"] for f in facts(kiosk[0], "same_machine_code")] == ["KIOSK-01"]


def test_a_shared_author_name_alone_is_not_enough() -> None:
    lots = [{"lot_id": "L1", "stage": "opened", "source": "platform", "state_funded": False}]
    details = [{"bid_id": f"B{j}", "lot_id": "L1", "bidder_id": f"C{j}", "source_ip": f"10.0.0.{j}",
                "author": "张伟"} for j in range(3)]
    assert run("REGS40-1", {"lots": lots, "bid_details": details}) == []
    [alert] = run("REGS40-1", {"lots": lots, "bid_details": details},
                  {"REGS40-1": {"standalone_fields": ["author"]}})
    assert [f["value"] for f in facts(alert, "same_author")] == ["张伟"] and alert.severity == "medium"


def test_same_preparer_ignores_values_everybody_has() -> None:
    lots = [{"lot_id": f"L{i}", "stage": "opened", "source": "platform", "state_funded": False} for i in range(3)]
    details = [
        {"bid_id": f"B{i}{j}", "lot_id": f"L{i}", "bidder_id": f"C{i}{j}", "source_ip": "203.0.113.1",
         "author": "张工"}
        for i in range(3) for j in range(3)
    ]
    frames = {"lots": lots, "bid_details": details}
    assert len(run("REGS40-1", frames)) == 3
    # Nine bidders behind one address (a provincial proxy): generic once the setting says so.
    assert run("REGS40-1", frames, {"REGS40-1": {"generic_value_bidders": 9}}) == []


def test_bad_network_setting_is_refused_before_anything_runs() -> None:
    _, frames = fixture("REGS40-1")
    with pytest.raises(SettingsError, match="REGS40-1.*exempt_networks.*10.0.0.300/8"):
        run("REGS40-1", frames, {"REGS40-1": {"exempt_networks": ["10.0.0.300/8"]}})


# -- REGS40-2 -------------------------------------------------------------------------------


def test_same_agent_matches_person_phone_email_and_registry() -> None:
    _, frames = fixture("REGS40-2")
    [alert] = run("REGS40-2", frames)
    phones = {f["normalised"]: f for f in facts(alert, "same_phone")}
    assert set(phones) == {"13900009999", "13900004444"}
    registry = phones["13900004444"]
    assert {(c["bidder_id"], c["origin"]) for c in registry["carriers"]} == {("C3", "bid"), ("C4", "registry")}
    assert 4 in seqs(alert, "same_phone")[1] or 4 in seqs(alert, "same_phone")[0]
    employers = {f["normalised"]: f for f in facts(alert, "same_representative_employer")}
    assert set(employers) == {"C1", "C5"}  # C3's agent works for C1; C1's and C2's agent works for C5
    assert [f["bidder_ids"] for f in facts(alert, "same_representative")] == [["C1", "C2"]]
    # Without the registry, C4 drops out.
    quiet = run("REGS40-2", frames, {"REGS40-2": {"compare_registry": False}})
    assert "C4" not in quiet[0].party_ids


def test_placeholder_phone_is_not_an_agent() -> None:
    _, frames = fixture("REGS40-2")
    assert all(a.subject_id != "L2" for a in run("REGS40-2", frames))
    loud = run("REGS40-2", frames, {"REGS40-2": {"ignored_values": []}})
    assert any(a.subject_id == "L2" for a in loud)


# -- REGS40-3 -------------------------------------------------------------------------------


def test_same_person_in_two_bids_whatever_the_role() -> None:
    _, frames = fixture("REGS40-3")
    [alert] = run("REGS40-3", frames)
    [person] = facts(alert, "same_person")
    assert person["person_name"] == "项目经理甲" and person["employer_id"] == "C1"
    assert person["roles"] == {"B11": "project_manager", "B12": "key_staff"}
    assert seqs(alert, "same_person") == [(11, 101, 102, 150)]
    assert run("REGS40-3", frames, {"REGS40-3": {"include_key_staff": False}}) == []


# -- REGS40-4 -------------------------------------------------------------------------------


def test_copied_proposal_is_shown_side_by_side_after_removing_the_tender_text() -> None:
    _, frames = fixture("REGS40-4")
    alerts = run("REGS40-4", frames)
    [copy] = [a for a in alerts if a.subject_id == "L1"]
    [pair] = facts(copy, "similar_proposals")
    assert (pair["bidder_a"], pair["bidder_b"]) == ("C1", "C2") and pair["containment"] > 0.9
    assert any("混泥土试块" in p["a"] and "混泥土试块" in p["b"] for p in pair["passages"])
    [boq] = facts(copy, "identical_boq_prices")
    # 暂列金额 is priced the same by every bid: the tender fixed it.
    assert (boq["identical_lines"], boq["compared_lines"]) == (3, 4)
    assert [line["code"] for line in boq["lines"]] == ["040101", "040102", "040201"]
    [l2] = [a for a in alerts if a.subject_id == "L2" and facts(a, "similar_proposals")]
    assert facts(l2, "boilerplate_removed") == [{"tender_documents": 1}]  # the lot title sentence
    assert "C1" not in l2.party_ids


def test_regular_prices_within_a_tender_and_across_tenders() -> None:
    _, frames = fixture("REGS40-4")
    alerts = run("REGS40-4", frames)
    [arith] = [facts(a, "arithmetic_progression") for a in alerts if facts(a, "arithmetic_progression")]
    assert arith[0]["prices_fen"] == [920_012_300, 930_012_300, 940_012_300, 950_012_300]
    assert arith[0]["steps_fen"] == [10_000_000] * 3 and arith[0]["expected_by_chance"] < 1e-6
    assert arith[0]["ratios_to_estimate"] == pytest.approx([0.9200123, 0.9300123, 0.9400123, 0.9500123])
    [geo] = [facts(a, "geometric_progression") for a in alerts if facts(a, "geometric_progression")]
    assert geo[0]["bidder_ids"] == ["C1", "C2", "C3"] and geo[0]["ratios"] == pytest.approx([1.02, 1.02])
    [ratio] = [a for a in alerts if a.subject == "bidder"]
    assert ratio.lot_ids == ("L4", "L5", "L6") and ratio.subject_id == "C4+C5"
    [evidence] = facts(ratio, "constant_price_ratio")
    assert evidence["ratio_min"] == pytest.approx(1.05) and evidence["ratio_max"] == pytest.approx(1.05)
    assert run("REGS40-4", frames, {"REGS40-4": {"min_ratio_lots": 4}}) != alerts


def test_honest_random_prices_rarely_form_progressions() -> None:
    rng = random.Random(11)
    rows = []
    for lot in range(2000):
        estimate = rng.randrange(1_000_000, 500_000_000) * 100
        for j in range(rng.randrange(3, 12)):
            price = round(estimate * rng.gauss(0.92, 0.04) / 100) * 100
            rows.append({"lot_id": f"L{lot}", "round": 1, "bid_id": f"B{lot}-{j}", "bidder_id": f"C{j}",
                         "price_fen": price, "event_seq": None, "opened_seq": None})
    found = progressions(priced_pairs(pl.DataFrame(rows)), PriceParams())
    assert len(found) <= 4, found[:3]


def _corpus(rng: random.Random, typo_pair: bool) -> dict[str, Any]:
    """Forty bidders writing from one stock of phrases with their own figures; optionally two share typos."""
    stock = ["本工程划分为{}个施工段，按先地下后地上的原则组织流水施工", "混凝土浇筑后{}小时内覆盖洒水养护",
             "设专职安全员{}名，每日开展班前安全教育", "施工现场围挡高度不低于{}米，出入口设洗车平台",
             "脚手架采用扣件式钢管落地脚手架，立杆间距{}米", "计划工期{}日历天，关键线路为基础和主体结构"]
    lots, details = [], []
    for lot in range(20):
        lots.append({"lot_id": f"L{lot}", "stage": "opened", "source": "platform", "state_funded": False,
                     "title": f"第{lot}标段"})
        for j in range(4):
            bidder = f"C{(lot * 4 + j) % 40}"
            text = "。".join(s.format(rng.randrange(2, 300)) for s in rng.sample(stock, 5)) + "。"
            details.append({"bid_id": f"B{lot}-{j}", "lot_id": f"L{lot}", "bidder_id": bidder,
                            "technical_proposal": text, "event_seq": lot * 10 + j, "opened_seq": lot * 10 + 9})
    if typo_pair:
        for index in (0, 1):
            details[index]["technical_proposal"] = details[index]["technical_proposal"] + (
                "所有混泥土构件按规范养户。钢筋保护层用塑料垫块控制。")
    return {"lots": lots, "bid_details": details}


def test_shared_rare_errors_need_a_corpus_and_two_errors() -> None:
    rng = random.Random(5)
    honest = _corpus(rng, typo_pair=False)
    assert run("REGS40-4", honest) == []
    planted = _corpus(random.Random(5), typo_pair=True)
    alerts = run("REGS40-4", planted)
    [alert] = alerts
    [pair] = facts(alert, "shared_rare_errors")
    tokens = [e["token"] for e in pair["errors"]]
    assert any("混泥土" in t for t in tokens) and any("养户" in t for t in tokens)
    assert all(e["bidders_in_history"] <= 2 for e in pair["errors"])
    assert "混泥土" in pair["errors"][0]["a"] and "混泥土" in pair["errors"][0]["b"]
    # Too small a history: nothing is called rare.
    small = run("REGS40-4", planted, {"REGS40-4": {"min_corpus_bidders": 41}})
    assert not any(facts(a, "shared_rare_errors") for a in small)


# -- REGS40-5 and REGS40-6 --------------------------------------------------------------------


def test_mixed_documents_name_the_other_bidder_with_context() -> None:
    _, frames = fixture("REGS40-5")
    [alert] = run("REGS40-5", frames)
    found = {(f["writer_id"], f["named_bidder_id"]): f for f in facts(alert, "names_other_bidder")}
    assert set(found) == {("C2", "C1"), ("C3", "C2")}
    assert found[("C2", "C1")]["matched"] == "name" and "盖章" in found[("C2", "C1")]["context"]
    assert found[("C3", "C2")]["matched"] == "credit_code" and found[("C3", "C2")]["found_in"] == "document_names"
    # L2 names C5, which did not bid there, and C1 its own name.
    assert alert.lot_ids == ("L1",)


def test_short_names_are_optional() -> None:
    frames = {
        "lots": [{"lot_id": "L1", "stage": "opened", "source": "platform", "state_funded": False}],
        "parties": [{"party_id": "C1", "name": "云南滇池建设有限公司", "kind": "bidder"},
                    {"party_id": "C2", "name": "昆明高原路桥有限公司", "kind": "bidder"}],
        "bid_details": [{"bid_id": "B1", "lot_id": "L1", "bidder_id": "C1", "technical_proposal": "昆明高原路桥 负责"},
                        {"bid_id": "B2", "lot_id": "L1", "bidder_id": "C2", "technical_proposal": "自行施工"}],
    }
    [alert] = run("REGS40-5", frames)
    assert facts(alert, "names_other_bidder")[0]["matched"] == "short_name"
    assert run("REGS40-5", frames, {"REGS40-5": {"match_short_names": False}}) == []


def test_credit_codes_are_found_in_full_width_and_any_case() -> None:
    frames = {
        "lots": [{"lot_id": "L1", "stage": "opened", "source": "platform", "state_funded": False}],
        "parties": [{"party_id": "C1", "name": "甲", "kind": "bidder", "credit_code": "91530100MA0000001X"},
                    {"party_id": "C2", "name": "乙", "kind": "bidder", "credit_code": "91530100MA0000002Y"}],
        "bid_details": [
            {"bid_id": "B1", "lot_id": "L1", "bidder_id": "C1",
             "technical_proposal": "代码：９１５３０１００ＭＡ００００００２Ｙ"},
            {"bid_id": "B2", "lot_id": "L1", "bidder_id": "C2", "technical_proposal": "代码 91530100ma0000001x 已核"},
        ],
    }
    [alert] = run("REGS40-5", frames)
    found = {f["writer_id"]: f for f in facts(alert, "names_other_bidder")}
    assert found["C1"]["named_bidder_id"] == "C2" and "９１５３" in found["C1"]["context"]
    assert found["C2"]["named_bidder_id"] == "C1" and found["C2"]["matched"] == "credit_code"


def test_one_account_behind_several_deposits() -> None:
    _, frames = fixture("REGS40-6")
    [alert] = run("REGS40-6", frames)
    accounts = {f["normalised"]: f for f in facts(alert, "same_paying_account")}
    assert set(accounts) == {"6222000011110001", "6222000011110004"}
    shared = accounts["6222000011110001"]
    assert [d["deposit_id"] for d in shared["deposits"]] == ["D11", "D12"]
    assert shared["registered_basic_account_of"] == ["C1"]
    borrowed = accounts["6222000011110004"]
    assert borrowed["registered_basic_account_of"] == ["C4"] and borrowed["deposit_ids"] == ["D13"]
    assert seqs(alert, "same_paying_account")[1] == (4, 93)
    assert {a.subject_id for a in run("REGS40-6", frames, {"REGS40-6": {"compare_registry": False}})} == {"L1"}
    assert run("REGS40-6", frames, {"REGS40-6": {"min_account_chars": 3}})[-1].subject_id == "L2"


# -- REGS34 and REGS39-NET -----------------------------------------------------------------


def test_related_parties_by_legal_representative_control_and_shared_phone() -> None:
    settings, frames = fixture("REGS34")
    alerts = {a.subject_id: a for a in run("REGS34", frames, settings)}
    assert set(alerts) == {"L1", "L2", "L4"}
    [same_rep] = facts(alerts["L1"], "related_bidders")
    assert same_rep["relation"] == "same_legal_representative" and same_rep["facts"] == {"person_id": "H1"}
    [phone] = facts(alerts["L2"], "related_bidders")
    assert phone["relation"] == "linked" and phone["path"][0]["kind"] == "phone"
    assert alerts["L2"].severity == "medium" and alerts["L1"].severity == "high"
    pairs = facts(alerts["L4"], "related_bidders")
    relations = {frozenset((f["bidder_a"], f["bidder_b"])): f["relation"] for f in pairs}
    assert relations[frozenset(("C7", "C8"))] == "same_controlling_shareholder"
    # G holds exactly 50% of C5: not control (more than half), but a link through G.
    assert relations[frozenset(("C5", "C7"))] == "linked"
    largest = {a.subject_id: a for a in run("REGS34", frames, {"REGS34": {"largest_holder_controls": True}})}
    kinds = {f["relation"] for f in facts(largest["L4"], "related_bidders")}
    assert kinds == {"same_controlling_shareholder"}


def test_management_relation_and_hop_limit() -> None:
    frames = {
        "lots": [{"lot_id": "L1", "stage": "opened", "source": "platform", "state_funded": False}],
        "parties": [{"party_id": "A", "name": "甲", "kind": "bidder", "legal_representative_id": "HA"},
                    {"party_id": "B", "name": "乙", "kind": "bidder", "legal_representative_id": "HB"},
                    {"party_id": "C", "name": "丙", "kind": "bidder", "legal_representative_id": "HC",
                     "address": "北京路1号"},
                    {"party_id": "X", "name": "中间", "kind": "other", "address": "北京路1号", "email": "x@x.cn"},
                    {"party_id": "Y", "name": "中间二", "kind": "other", "email": "x@x.cn", "phones": ["0871-1234567"]},
                    {"party_id": "D", "name": "丁", "kind": "bidder", "phones": ["0871-1234567"]}],
        "persons": [{"person_id": "HA", "name": "甲负责人", "employer_id": "B"}],
        "bid_details": [{"bid_id": f"B{p}", "lot_id": "L1", "bidder_id": p} for p in "ABCD"],
    }
    [alert] = run("REGS34", frames)
    relations = {frozenset((f["bidder_a"], f["bidder_b"])): f for f in facts(alert, "related_bidders")}
    assert relations[frozenset("AB")]["relation"] == "management"
    assert relations[frozenset("AB")]["facts"] == {"person_id": "HA", "heads": "A", "employed_by": "B"}
    # C and D are three company steps apart (C–X–Y–D): beyond the default two.
    assert frozenset("CD") not in relations
    [wide] = run("REGS34", frames, {"REGS34": {"max_party_hops": 3}})
    assert frozenset("CD") in {frozenset((f["bidder_a"], f["bidder_b"])) for f in facts(wide, "related_bidders")}


def test_co_bidding_group_that_rotates_wins_and_keeps_a_cover_bidder() -> None:
    lots, bids, awards, details = [], [], [], []
    ring = ["R1", "R2", "R3"]
    rng = random.Random(3)
    for i in range(30):
        lot = f"L{i}"
        lots.append({"lot_id": lot, "stage": "awarded", "source": "platform", "state_funded": False})
        if i < 8:
            bidders = ring + [f"H{rng.randrange(40)}"]
            winner = ring[i % 2]  # R1 and R2 take turns; R3 never wins
        else:
            bidders = [f"H{x}" for x in rng.sample(range(40), 4)]
            winner = bidders[0]
        for j, b in enumerate(bidders):
            bids.append({"bid_id": f"{lot}-{j}", "lot_id": lot, "bidder_id": b, "status": "valid",
                         "winner": b == winner, "price_fen": 1000 + j, "event_seq": i * 10 + j})
        awards.append({"lot_id": lot, "bidder_id": winner, "status": "active", "event_seq": i * 10 + 9})
    frames = {"lots": lots, "bids": bids, "awards": awards, "bid_details": details}
    [group] = run("REGS39-NET", frames)
    assert group.subject_id == "R1+R2+R3" and len(group.lot_ids) == 8
    roles = {p.party_id: p.role for p in group.parties}
    assert roles == {"R1": "winner", "R2": "winner", "R3": "cover_bidder"}
    assert facts(group, "rotation") == [True] and facts(group, "cover_bidders") == [["R3"]]
    assert group.severity == "high"
    assert run("REGS39-NET", frames, {"REGS39-NET": {"min_co_bids": 9}}) == []
    # Related on paper or not, REGS34 has nothing to say about these bidders.
    assert run("REGS34", frames) == []


# -- engines --------------------------------------------------------------------------------


def test_shingle_hashes_equal_for_equal_shingles_and_skip_separators() -> None:
    texts = ["施工组织设计方案", f"组织设计方案{SEPARATOR}施工组织", "ab"]
    h, index, position = shingle_hashes(texts, 4)
    grams = {}
    for value, i, p in zip(h.tolist(), index.tolist(), position.tolist(), strict=True):
        grams.setdefault(texts[i][p : p + 4], set()).add(value)
    assert all(len(v) == 1 for v in grams.values())
    assert set(grams) == {"施工组织", "工组织设", "组织设计", "织设计方", "设计方案"}
    assert not any(SEPARATOR in g for g in grams)
    assert (index == 2).sum() == 0  # "ab" is shorter than one shingle


def test_tender_overlaps_are_exact_and_stay_within_tenders() -> None:
    rng = random.Random(2)
    alphabet = "施工组织设计方案质量安全进度控制混凝土钢筋模板脚手架养护验收"
    texts = ["".join(rng.choice(alphabet) for _ in range(400)) for _ in range(5)]
    texts[1] = texts[0][:200] + texts[1][200:]  # bid 1 copies half of bid 0
    texts[4] = texts[0]  # bid 4 is a copy of bid 0, but in another tender
    tenders, bidders = [1, 1, 1, 1, 2], ["A", "B", "C", "A", "E"]
    h, index, _ = shingle_hashes(texts, 5)
    shingles = pl.DataFrame({"doc": index, "h": h}).with_columns(
        pl.col("doc").replace_strict(dict(enumerate(tenders)), return_dtype=pl.Int64).alias("tender"),
        pl.col("doc").replace_strict(dict(enumerate(bidders)), return_dtype=pl.String).alias("bidder_id"),
    )
    overlaps = {(r["a"], r["b"]): r for r in tender_overlaps(shingles).iter_rows(named=True)}
    sets = [set(h[index == i].tolist()) for i in range(5)]
    assert (0, 4) not in overlaps  # another tender
    assert (0, 3) not in overlaps  # the same bidder's two bids
    pair = overlaps[(0, 1)]
    assert pair["shared"] == len(sets[0] & sets[1]) and pair["size_a"] == len(sets[0])
    assert pair["shared"] / min(pair["size_a"], pair["size_b"]) == pytest.approx(0.5, abs=0.05)
    for (a, b), row in overlaps.items():
        assert row["shared"] == len(sets[a] & sets[b])


# -- frames and real time ----------------------------------------------------------------------


def test_new_frames_are_validated() -> None:
    with pytest.raises(FrameSchemaError, match="bid_details.*round"):
        frames_from_records({"bid_details": [{"bid_id": "B1", "lot_id": "L1", "bidder_id": "C1", "round": None}]})
    with pytest.raises(FrameSchemaError, match="shareholders.*share_bp"):
        frames_from_records({"shareholders": [{"party_id": "P", "holder_id": "H", "share_bp": None}]})
    with pytest.raises(FrameSchemaError, match="未知的分析帧.*Unknown frames: bid_detail"):
        frames_from_records({"bid_detail": []})
    _, frames = fixture("REGS40-1")
    checked = frames_from_records(frames)
    broken = {**checked.parts(), "deposits": checked.deposits.with_columns(pl.col("amount_fen").cast(pl.Float64))}
    with pytest.raises(FrameSchemaError, match="deposits.*amount_fen"):
        run_batch(broken, indicators=["REGS40-6"])


def test_realtime_on_one_lot_matches_the_batch() -> None:
    for code, event in (("REGS40-1", "lot.bid_submitted"), ("REGS40-6", "lot.deposit_paid"),
                        ("REGS40-5", "lot.opened"), ("REGS40-3", "lot.opened")):
        settings, frames = fixture(code)
        batch = run_batch(frames_from_records(frames), settings, indicators=[code])
        live = run_realtime(event, frames_from_records(frames), settings, lot_ids=["L1"], indicators=[code])
        assert [a.id for a in live] == [a.id for a in batch if a.lot_ids == ("L1",)]
        assert run_realtime(event, frames_from_records(frames), settings, lot_ids=["L2"], indicators=[code]) == []
