"""REGS39-NET co-bidding networks (围标串标网络): groups that always bid together and share out the wins.

Regs 39 lists collusion among bidders, among it "agreeing who wins" (投标人之间约定中标人,
item 2) and "agreeing that some bidders give up winning" (约定部分投标人放弃投标或者中标, item
3). In the record this shows across lots, not on one: a set of companies that turn up
together far more often than chance, whose lots are won by one member after another
(轮流坐庄), or in which some members bid again and again and never win (陪标 — the within-
group form of R025's "excessive unsuccessful bids"). The members need not be related on
paper; the pattern is in the bidding (`jianzheng.supervision.graph.co_bidding_groups`).

One alert per group: subject the group (``A+B+C``), the lots where two or more members bid,
the members' roles (winner, cover bidder), the wins per member and the pair statistics.
"""

from __future__ import annotations

import polars as pl
from pydantic import Field

from jianzheng.supervision.alert import Alert, AlertParty, evidence
from jianzheng.supervision.context import Context
from jianzheng.supervision.graph import CoBidParams, co_bidding_groups
from jianzheng.supervision.ocp import single_winners
from jianzheng.supervision.registry import indicator
from jianzheng.supervision.settings import IndicatorSettings

CODE = "REGS39-NET"


class Settings(IndicatorSettings):
    min_co_bids: int = Field(
        default=4,
        ge=2,
        description="Minimum lots two bidders bid together, and minimum decided lots of a group, before "
        "co-bidding is judged.",
    )
    together_share: float = Field(
        default=0.8,
        gt=0,
        le=1,
        description="Two bidders bid together in at least this share of the smaller one's lots.",
    )
    min_lift: float = Field(
        default=2.0,
        gt=0,
        description="… and at least this many times as often as independent bidding would give.",
    )
    min_group_win_share: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="A group is judged only when its members won at least this share of its decided lots: "
        "a cartel shares out its lots, frequent competitors that others beat do not.",
    )


@indicator(
    code=CODE,
    name_zh="围标串标网络（轮流中标、陪标）",
    name_en="Co-bidding network (bid rotation, cover bidding)",
    basis="招标投标法实施条例第三十九条第（二）、（三）项 / Regs 39(2)(3); cf. OCP red flag R025",
    reads=("lots", "bids", "awards"),
    settings=Settings,
)
def cobidding_network(ctx: Context, settings: Settings) -> list[Alert]:
    participation = (
        ctx.submitted_bids().filter(pl.col("bidder_id").is_not_null()).select("lot_id", "bidder_id", "event_seq")
    )
    params = CoBidParams(
        min_co_bids=settings.min_co_bids,
        together_share=settings.together_share,
        min_lift=settings.min_lift,
        min_group_win_share=settings.min_group_win_share,
    )
    alerts = []
    for group in co_bidding_groups(participation, single_winners(ctx), params):
        members = group["members"]
        roles = {m: "member" for m in members}
        for member, won in group["wins"].items():
            if won:
                roles[member] = "winner"
        for member in group["cover_bidders"]:
            roles[member] = "cover_bidder"
        facets_zh, facets_en = ["长期共同投标"], ["always bid together"]
        if group["rotation"]:
            facets_zh.append("轮流中标")
            facets_en.append("take turns winning")
        if group["cover_bidders"]:
            facets_zh.append("部分成员从不中标（陪标）")
            facets_en.append("some members never win (cover bidding)")
        alerts.append(
            Alert(
                indicator=CODE,
                severity="high" if group["rotation"] else "medium",
                subject="bidder",
                subject_id="+".join(members),
                lot_ids=tuple(group["lots"]),
                parties=tuple(AlertParty(m, roles[m]) for m in members),
                explanation_zh=f"{len(members)} 家投标人在 {len(group['lots'])} 个标段中{'、'.join(facets_zh)}，"
                "疑似围标串标网络（条例第三十九条）。",
                explanation_en=f"{len(members)} bidders {', '.join(facets_en)} across {len(group['lots'])} lots: "
                "a suspected bid-rigging network (Regs 39).",
                evidence=(
                    evidence(
                        "co_bidding_group",
                        {"members": members, "lots": group["lots"], "pairs": group["pairs"]},
                        group["event_seqs"],
                    ),
                    evidence("wins", {"decided_lots": group["decided_lots"], "by_member": group["wins"]}),
                    evidence("rotation", group["rotation"]),
                    evidence("cover_bidders", group["cover_bidders"]),
                ),
                value=float(len(group["lots"])),
                key_facts=("co_bidding_group",),
            )
        )
    return alerts
