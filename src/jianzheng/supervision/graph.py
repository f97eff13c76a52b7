"""The relationship graph over parties (交易主体关系分析) and co-bidding networks (围标网络).

**Relationship graph.** Nodes are parties (``party:<id>``) and the things they can share:
people (``person:<id>`` — a legal representative, a shareholder, an employee), phones,
addresses, emails and bank accounts. Edges come from the registry and the deposits:

============== =========================================================== ========
kind           edge                                                        Regs 34
============== =========================================================== ========
legal_rep      party — its legal representative (单位负责人)                  yes
controls       controlling holder (party or person) — the party it controls yes
holds          any other shareholding                                      no
employs        party — a person it employs, when that person heads another  yes
phone          party — a registered phone                                  no
address        party — its registered address (compatibility form)         no
email          party — its registered email                                no
account        party — its registered basic account                        no
deposit_ac…    party — an account it paid a deposit from (off by default)   no
============== =========================================================== ========

Values shared by more than ``max_parties_per_value`` parties (a registration agent's
address, a switchboard) are dropped: they connect everybody and mean nothing. People are
never dropped: one person heading twenty companies makes all twenty related. Connected
components are the related groups.

Two bidders are **related under Regs 34** (单位负责人为同一人或者存在控股、管理关系) when
they have the same legal representative, one controls the other, the same holder controls
both, or one's legal representative works for the other (management). They are **linked**
when a path joins them through shared values with at most ``max_party_hops`` company-to-
company steps.

**Co-bidding networks.** Across all lots, pairs of bidders that bid together far more than
chance predicts (at least ``min_co_bids`` lots, in at least ``together_share`` of the
smaller one's lots, ``min_lift`` times the independent expectation) form groups. A group
that wins at least ``min_group_win_share`` of its decided lots, and whose lots are won by
its members in turn (轮流坐庄) or in which some members never win (陪标), is flagged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import networkx as nx
import polars as pl

from jianzheng.supervision.frames import Frames
from jianzheng.supervision.matching import account_key, email_key, phone_key, text_key

STRONG_KINDS = ("legal_rep", "controls", "employs")
WEAK_KINDS = ("holds", "phone", "address", "email", "account", "deposit_account")
# Registry facts link companies; a deposit paid from another's account is Regs 40(6)'s business
# (REGS40-6 flags it on its lot) and is only a graph link when asked for.
DEFAULT_WEAK_KINDS = ("holds", "phone", "address", "email", "account")


@dataclass(frozen=True)
class GraphParams:
    control_share_bp: int = 5000
    largest_holder_controls: bool = False
    weak_links: tuple[str, ...] = DEFAULT_WEAK_KINDS
    max_parties_per_value: int = 5
    max_party_hops: int = 2


@dataclass
class Relationships:
    """The graph plus the Regs 34 facts it was built from."""

    graph: nx.Graph
    legal_rep: dict[str, str] = field(default_factory=dict)
    controllers: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    employer: dict[str, str] = field(default_factory=dict)
    party_seq: dict[str, int] = field(default_factory=dict)
    person_seq: dict[str, int] = field(default_factory=dict)
    component: dict[str, int] = field(default_factory=dict)

    def relation(self, a: str, b: str) -> tuple[str, dict[str, Any]] | None:
        """The Regs 34 relation of two parties, with its facts; None when there is none."""
        rep_a, rep_b = self.legal_rep.get(a), self.legal_rep.get(b)
        if rep_a and rep_a == rep_b:
            return "same_legal_representative", {"person_id": rep_a}
        if a in self.controllers.get(b, ()) or b in self.controllers.get(a, ()):
            holder, held = (a, b) if a in self.controllers.get(b, ()) else (b, a)
            return "control", {"controller_id": holder, "controlled_id": held}
        common = self.controllers.get(a, set()) & self.controllers.get(b, set())
        if common:
            return "same_controlling_shareholder", {"controller_ids": sorted(common)}
        for head, other in ((a, b), (b, a)):
            rep = self.legal_rep.get(head)
            if rep and self.employer.get(rep) == other:
                return "management", {"person_id": rep, "heads": head, "employed_by": other}
        return None

    def path(self, a: str, b: str) -> list[dict[str, Any]] | None:
        """The shortest chain of shared values joining two parties, edge by edge."""
        source, target = f"party:{a}", f"party:{b}"
        if source not in self.graph or target not in self.graph:
            return None
        if self.component.get(source) != self.component.get(target):
            return None
        try:
            nodes = nx.shortest_path(self.graph, source, target)
        except nx.NetworkXNoPath:
            return None
        steps = []
        for u, v in zip(nodes, nodes[1:], strict=False):
            data = self.graph.edges[u, v]
            steps.append({"from": u, "to": v, "kind": data["kind"], "value": data.get("shown"),
                          "event_seqs": sorted(data.get("seqs", ()))})
        return steps


def _add(graph: nx.Graph, party: str, node: str, kind: str, shown: Any, seqs: Iterable[int | None]) -> None:
    u = f"party:{party}"
    clean = {int(s) for s in seqs if s is not None}
    if graph.has_edge(u, node):
        graph.edges[u, node]["seqs"] |= clean
        return
    graph.add_edge(u, node, kind=kind, shown=shown, seqs=clean)


def build_relationships(frames: Frames, params: GraphParams) -> Relationships:
    """The relationship graph of every registered party, with its connected groups."""
    graph = nx.Graph()
    rel = Relationships(graph)
    parties = frames.parties
    for row in parties.select("party_id", "event_seq").iter_rows():
        if row[1] is not None:
            rel.party_seq[row[0]] = int(row[1])
        graph.add_node(f"party:{row[0]}")
    persons = frames.persons
    for row in persons.select("person_id", "employer_id", "event_seq").iter_rows():
        if row[1]:
            rel.employer[row[0]] = row[1]
        if row[2] is not None:
            rel.person_seq[row[0]] = int(row[2])
    known = set(parties["party_id"].to_list())
    for party, rep, seq in parties.select("party_id", "legal_representative_id", "event_seq").iter_rows():
        if rep:
            rel.legal_rep[party] = rep
            _add(graph, party, f"person:{rep}", "legal_rep", rep, [seq, rel.person_seq.get(rep)])
    heads = set(rel.legal_rep.values())
    for person, employer in rel.employer.items():
        # An employee matters for Regs 34 only when the same person heads another company.
        if person in heads and employer in known:
            _add(graph, employer, f"person:{person}", "employs", person, [rel.person_seq.get(person)])
    _shareholdings(frames.shareholders, rel, known, params)
    weak = set(params.weak_links)
    values: list[pl.DataFrame] = []
    if "phone" in weak:
        values.append(parties.select("party_id", "event_seq", pl.col("phones").alias("shown")).explode("shown")
                      .with_columns(phone_key(pl.col("shown")).alias("key"), pl.lit("phone").alias("kind")))
    if "address" in weak:
        values.append(parties.select("party_id", "event_seq", pl.col("address").alias("shown"))
                      .with_columns(text_key(pl.col("shown")).str.replace_all(r"[\p{P}\p{S}]", "").alias("key"),
                                    pl.lit("address").alias("kind")))
    if "email" in weak:
        values.append(parties.select("party_id", "event_seq", pl.col("email").alias("shown"))
                      .with_columns(email_key(pl.col("shown")).alias("key"), pl.lit("email").alias("kind")))
    if "account" in weak:
        values.append(parties.select("party_id", "event_seq", pl.col("basic_account").alias("shown"))
                      .with_columns(account_key(pl.col("shown")).alias("key"), pl.lit("account").alias("kind")))
    if "deposit_account" in weak:
        # The same node kind as basic accounts: paying from another's basic account joins the two.
        values.append(frames.deposits.select(pl.col("bidder_id").alias("party_id"), "event_seq",
                                             pl.col("paying_account").alias("shown"))
                      .with_columns(account_key(pl.col("shown")).alias("key"), pl.lit("account").alias("kind")))
    if values:
        table = (
            pl.concat([v.select("party_id", "event_seq", pl.col("shown").cast(pl.String), "key", "kind")
                       for v in values])
            .filter(pl.col("key").is_not_null() & (pl.col("key").str.len_chars() >= 4))
        )
        spread = table.group_by(["kind", "key"]).agg(pl.col("party_id").n_unique().alias("parties"))
        useful = spread.filter((pl.col("parties") >= 2) & (pl.col("parties") <= params.max_parties_per_value))
        for party, seq, shown, key, kind in table.join(useful.select("kind", "key"), on=["kind", "key"],
                                                       how="semi").iter_rows():
            _add(graph, party, f"{kind}:{key}", kind, shown, [seq])
    for index, members in enumerate(nx.connected_components(graph)):
        for node in members:
            rel.component[node] = index
    return rel


def _shareholdings(holdings: pl.DataFrame, rel: Relationships, known: set[str], params: GraphParams) -> None:
    by_party: dict[str, list[tuple[str, int, int | None]]] = defaultdict(list)
    for party, holder, share, seq in holdings.select("party_id", "holder_id", "share_bp", "event_seq").iter_rows():
        by_party[party].append((holder, int(share), seq))
    for party, holders in by_party.items():
        top = max(s for _, s, _ in holders)
        leaders = [h for h, s, _ in holders if s == top]
        for holder, share, seq in holders:
            controls = share > params.control_share_bp or (
                params.largest_holder_controls and len(leaders) == 1 and holder == leaders[0]
            )
            node = f"party:{holder}" if holder in known else f"person:{holder}"
            if controls:
                rel.controllers[party].add(holder)
            elif "holds" not in params.weak_links:
                continue
            seqs = [seq, rel.party_seq.get(holder), rel.person_seq.get(holder)]
            _add(rel.graph, party, node, "controls" if controls else "holds", {"holder_id": holder, "share_bp": share},
                 seqs)


def party_hops(steps: list[dict[str, Any]]) -> int:
    """Company-to-company steps in a path (a shared value between two parties is one step)."""
    nodes = [steps[0]["from"], *(s["to"] for s in steps)]
    return sum(1 for n in nodes if n.startswith("party:")) - 1


# -- co-bidding networks -------------------------------------------------------------------


@dataclass(frozen=True)
class CoBidParams:
    min_co_bids: int = 4
    together_share: float = 0.8
    min_lift: float = 2.0
    min_group_win_share: float = 0.5


def co_bidding_groups(participation: pl.DataFrame, winners: pl.DataFrame, params: CoBidParams) -> list[dict[str, Any]]:
    """Groups of bidders that bid together far more than chance, with their wins.

    ``participation``: ``lot_id, bidder_id, event_seq`` (one row per lot and bidder);
    ``winners``: ``lot_id, winner_id, award_event_seq``. Returns one dict per flagged group.
    """
    part = participation.unique(subset=["lot_id", "bidder_id"], keep="first")
    contested = part.group_by("lot_id").agg(pl.len().alias("n")).filter(pl.col("n") >= 2).select("lot_id")
    part = part.join(contested, on="lot_id", how="semi")
    total = contested.height
    if total == 0:
        return []
    counts = part.group_by("bidder_id").agg(pl.len().alias("lots"))
    pairs = (
        part.select("lot_id", "bidder_id")
        .join(part.select("lot_id", pl.col("bidder_id").alias("other_id")), on="lot_id")
        .filter(pl.col("bidder_id") < pl.col("other_id"))
        .group_by(["bidder_id", "other_id"])
        .agg(pl.len().alias("together"))
        .filter(pl.col("together") >= params.min_co_bids)
        .join(counts, on="bidder_id")
        .join(counts.rename({"bidder_id": "other_id", "lots": "other_lots"}), on="other_id")
        .with_columns(
            (pl.col("together") / pl.min_horizontal("lots", "other_lots")).alias("share"),
            (pl.col("together") * total / (pl.col("lots") * pl.col("other_lots"))).alias("lift"),
        )
        .filter((pl.col("share") >= params.together_share) & (pl.col("lift") >= params.min_lift))
    )
    if pairs.height == 0:
        return []
    network = nx.Graph()
    stats: dict[tuple[str, str], dict[str, Any]] = {}
    for row in pairs.iter_rows(named=True):
        network.add_edge(row["bidder_id"], row["other_id"])
        stats[(row["bidder_id"], row["other_id"])] = {
            "together": row["together"], "share": row["share"], "lift": row["lift"],
        }
    lots_of: dict[str, set[str]] = defaultdict(set)
    seq_of: dict[tuple[str, str], int | None] = {}
    for lot, bidder, seq in part.select("lot_id", "bidder_id", "event_seq").iter_rows():
        lots_of[bidder].add(lot)
        seq_of[(lot, bidder)] = seq
    won = {r[0]: (r[1], r[2]) for r in winners.select("lot_id", "winner_id", "award_event_seq").iter_rows()}
    groups = []
    for members in nx.connected_components(network):
        ordered = sorted(members)
        shared: dict[str, int] = defaultdict(int)
        for member in ordered:
            for lot in lots_of[member]:
                shared[lot] += 1
        lots = sorted(lot for lot, n in shared.items() if n >= 2)
        if len(lots) < params.min_co_bids:
            continue
        decided = [lot for lot in lots if lot in won]
        wins: dict[str, list[str]] = {m: sorted(lot for lot in decided if won[lot][0] == m) for m in ordered}
        group_wins = sum(len(w) for w in wins.values())
        # A group that wins its lots shares out the market; one that mostly loses is just a set of
        # frequent competitors that others beat.
        dominant = len(decided) >= params.min_co_bids and group_wins >= params.min_group_win_share * len(decided)
        if not dominant:
            continue
        rotation = sum(1 for m in ordered if wins[m]) >= 2
        covers = [
            m for m in ordered
            if not wins[m] and sum(1 for lot in decided if lot in lots_of[m]) >= params.min_co_bids
        ]
        if not rotation and not covers:
            continue
        groups.append(
            {
                "members": ordered,
                "lots": lots,
                "decided_lots": decided,
                "wins": wins,
                "rotation": rotation,
                "cover_bidders": covers,
                "pairs": [
                    {"bidder_a": a, "bidder_b": b, **stats[(a, b)]}
                    for a, b in combinations(ordered, 2) if (a, b) in stats
                ],
                "event_seqs": sorted(
                    {s for lot in lots for m in ordered for s in [seq_of.get((lot, m))] if s is not None}
                    | {int(won[lot][1]) for lot in decided if won[lot][1] is not None}
                ),
            }
        )
    return groups

