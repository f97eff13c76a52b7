"""REGS34 related parties (关联关系) bidding on one lot.

Regs 34 para. 2: "different organisations whose persons in charge are the same person, or
between which there is a control or management relation, may not bid for the same lot"
(单位负责人为同一人或者存在控股、管理关系的不同单位，不得参加同一标段投标). The platform refuses
such a registration when the rule is in block mode; this indicator finds what got through
— a rule in warn mode, registry facts that changed later, or relations the registration
check cannot see: a chain of shared people, phones, addresses or accounts in the
relationship graph (`jianzheng.supervision.graph`, seed 004's "cloud eye" mining hidden
links). One alert per tender (subject the lot) with the relation of each related pair and
the path that joins them. Co-bidding across lots — groups that share out the wins — is
REGS39-NET's pattern.
"""

from __future__ import annotations

from itertools import combinations
from typing import Literal

import polars as pl
from pydantic import Field

from jianzheng.supervision import events
from jianzheng.supervision.alert import Alert, AlertParty, evidence
from jianzheng.supervision.context import Context
from jianzheng.supervision.graph import GraphParams, build_relationships, party_hops
from jianzheng.supervision.matching import TENDER, tender_bidders
from jianzheng.supervision.registry import indicator
from jianzheng.supervision.settings import IndicatorSettings

CODE = "REGS34"
WeakLink = Literal["holds", "phone", "address", "email", "account", "deposit_account"]

RELATIONS = {
    "same_legal_representative": ("法定代表人（单位负责人）为同一人", "the same legal representative"),
    "control": ("存在控股关系", "one controls the other"),
    "same_controlling_shareholder": ("同一控股股东", "the same controlling shareholder"),
    "management": ("存在管理关系", "a management relation"),
    "linked": ("通过共同的人员、电话、地址或账户相关联", "linked by shared people, phones, addresses or accounts"),
}


class Settings(IndicatorSettings):
    control_share_bp: int = Field(
        default=5000,
        ge=0,
        le=10000,
        description="A holder controls a company when its share is more than this, in basis points "
        "(5000 = 50%; Company Law: 控股股东 holds more than half).",
    )
    largest_holder_controls: bool = Field(
        default=False,
        description="Also treat the single largest holder as controlling when no one holds a majority.",
    )
    weak_links: tuple[WeakLink, ...] = Field(
        default=("holds", "phone", "address", "email", "account"),
        description="Shared values that link parties in the relationship graph: holds (a minority "
        "shareholding), phone, address, email, account (the registered basic account), deposit_account (an "
        "account a deposit was paid from; off by default: that is REGS40-6's sign on its lot).",
    )
    max_parties_per_value: int = Field(
        default=5,
        ge=2,
        description="A phone, address, email or account shared by more parties than this is ignored "
        "(a registration agent, a switchboard).",
    )
    max_party_hops: int = Field(
        default=2,
        ge=1,
        description="Two bidders are linked when a chain of shared values joins them in at most this many "
        "company-to-company steps.",
    )
    def graph(self) -> GraphParams:
        return GraphParams(
            control_share_bp=self.control_share_bp,
            largest_holder_controls=self.largest_holder_controls,
            weak_links=tuple(self.weak_links),
            max_parties_per_value=self.max_parties_per_value,
            max_party_hops=self.max_party_hops,
        )


def _related_alerts(ctx: Context, settings: Settings) -> list[Alert]:
    participants = tender_bidders([ctx.in_scope("bid_details"), ctx.in_scope("deposits")])
    if participants.height == 0:
        # Without bid details (imported data), the bids themselves say who took part.
        participants = (
            ctx.submitted_bids().filter(pl.col("bidder_id").is_not_null())
            .select("lot_id", pl.lit(1, dtype=pl.Int64).alias("round"), "bidder_id").unique()
        )
    if participants.height == 0:
        return []
    rel = build_relationships(ctx.reference, settings.graph())
    names = {r[0]: r[1] for r in ctx.frames.parties.select("party_id", "name").iter_rows()}
    # Every relation and every path lies inside one connected group of the graph: only tenders
    # with two bidders in one group need a closer look (most tenders have none).
    groups = pl.DataFrame(
        {"bidder_id": [k[6:] for k in rel.component if k.startswith("party:")],
         "group": [v for k, v in rel.component.items() if k.startswith("party:")]},
        schema={"bidder_id": pl.String(), "group": pl.Int64()},
    )
    shared = (
        participants.join(groups, on="bidder_id", how="inner")
        .filter(pl.len().over([*TENDER, "group"]) >= 2)
        .sort([*TENDER, "bidder_id"])
    )
    alerts = []
    for (lot_id, round_), part in shared.group_by(list(TENDER), maintain_order=True):
        found = []
        candidates = [
            (a, b)
            for _, members in part.group_by("group", maintain_order=True)
            for a, b in combinations(members["bidder_id"].to_list(), 2)
        ]
        for a, b in sorted(candidates):
            relation = rel.relation(a, b)
            steps = rel.path(a, b)
            if relation is None and (steps is None or party_hops(steps) > settings.max_party_hops):
                continue
            kind, facts = relation if relation is not None else ("linked", {})
            seqs = [rel.party_seq.get(a), rel.party_seq.get(b)]
            seqs += [s for step in steps or [] for s in step["event_seqs"]]
            found.append(
                (
                    kind,
                    evidence(
                        "related_bidders",
                        {
                            "bidder_a": a,
                            "bidder_b": b,
                            "names": [names.get(a), names.get(b)],
                            "relation": kind,
                            "relation_label": " / ".join(RELATIONS[kind]),
                            "facts": facts,
                            "path": steps or [],
                            "group": rel.component.get(f"party:{a}"),
                        },
                        seqs,
                    ),
                    (a, b),
                )
            )
        if not found:
            continue
        involved = sorted({p for _, _, pair in found for p in pair})
        kinds = list(dict.fromkeys(k for k, _, _ in found))
        strong = any(k != "linked" for k in kinds)
        alerts.append(
            Alert(
                indicator=CODE,
                severity="high" if strong else "medium",
                subject="lot",
                subject_id=str(lot_id),
                lot_ids=(str(lot_id),),
                parties=tuple(AlertParty(p, "related_bidder") for p in involved),
                explanation_zh=f"{len(involved)} 家投标人存在关联关系"
                f"（{'；'.join(RELATIONS[k][0] for k in kinds)}），参加同一标段投标（条例第三十四条）。",
                explanation_en=f"{len(involved)} related bidders ({'; '.join(RELATIONS[k][1] for k in kinds)}) "
                "bid on the same lot (Regs 34).",
                evidence=(*(e for _, e, _ in found), evidence("tender", {"lot_id": lot_id, "round": round_})),
                value=float(len(involved)),
            )
        )
    return alerts


@indicator(
    code=CODE,
    name_zh="关联企业参加同一标段投标",
    name_en="Related parties bidding on one lot",
    basis="招标投标法实施条例第三十四条 / Regs 34",
    reads=("lots", "bids", "awards", "parties", "persons", "shareholders", "deposits", "bid_details"),
    settings=Settings,
    realtime_events=(events.LOT_DEPOSIT_PAID, events.LOT_BID_SUBMITTED, events.LOT_OPENED),
)
def related_parties(ctx: Context, settings: Settings) -> list[Alert]:
    return _related_alerts(ctx, settings)
