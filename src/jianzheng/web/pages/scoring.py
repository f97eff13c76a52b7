"""The score table of a lot's one-screen view, with the deviating expert marked.

Seed 001's evaluator score deviation (评委评分偏差度): for each bid and scoring factor, an
expert's points are compared with the median of the other experts' points (the median, so
that one outlier does not drag the honest experts' reference with it); the difference, as a
share of the factor's maximum, is averaged over the expert's sheets. An expert whose
average reaches `DEVIATION_THRESHOLD_PERCENT` is marked on the page, and each single score
at least `CELL_THRESHOLD_PERCENT` of the factor's maximum away from the others is
highlighted, so a supervisor sees at a glance who raised one bidder and pressed down the
rest. This is the page's reading of the score sheets; alerts with evidence are the
supervision indicators' work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median
from typing import Any

DEVIATION_THRESHOLD_PERCENT = 10.0
CELL_THRESHOLD_PERCENT = 20.0
MIN_EXPERTS = 3  # with fewer there are not enough "others" to deviate from


@dataclass(frozen=True)
class FactorColumn:
    code: str
    name_zh: str
    name_en: str
    max_points: int


@dataclass
class Cell:
    points: int | None
    deviation: int | None = None  # centipoints away from the other experts' median
    flagged: bool = False


@dataclass
class SheetRow:
    """One expert's scores for one bid: a cell per factor and the total."""

    bid_id: str
    bidder_name: str
    cells: list[Cell]
    total: int | None


@dataclass
class ExpertSheet:
    person_id: str
    name: str
    chair: bool
    rows: list[SheetRow]
    deviation_percent: float | None
    deviating: bool = False


@dataclass
class ScoreTable:
    factors: list[FactorColumn]
    bids: list[tuple[str, str]]  # (bid_id, bidder name), in ranking or opening order
    experts: list[ExpertSheet]
    means: dict[str, int] = field(default_factory=dict)  # bid_id -> mean total, centipoints
    threshold: float = DEVIATION_THRESHOLD_PERCENT

    @property
    def deviating(self) -> list[ExpertSheet]:
        return [e for e in self.experts if e.deviating]

    def totals_matrix(self) -> list[dict[str, Any]]:
        """Per expert, the total of each bid: the compact view on a phone and the chart's data."""
        return [{"name": e.name, "deviating": e.deviating,
                 "totals": {r.bid_id: r.total for r in e.rows}} for e in self.experts]


def score_table(scores: list[dict[str, Any]], factors: list[dict[str, Any]], bids: list[tuple[str, str]],
                members: list[tuple[str, str, bool]]) -> ScoreTable:
    """Build the table from score rows (person_id, bid_id, points, total) of the lot.

    `members` lists (person_id, name, chair) in committee order; `bids` the bids to show.
    """
    columns = [FactorColumn(f["code"], f["name_zh"], f["name_en"], int(f["max_points"])) for f in factors]
    sheet: dict[tuple[str, str], dict[str, int]] = {(s["person_id"], s["bid_id"]): dict(s["points"]) for s in scores}
    people = [m for m in members if any((m[0], b) in sheet for b, _ in bids)]
    experts: list[ExpertSheet] = []
    for person_id, name, chair in people:
        rows = []
        shares: list[float] = []
        for bid_id, bidder_name in bids:
            own = sheet.get((person_id, bid_id))
            cells = []
            for column in columns:
                value = own.get(column.code) if own else None
                others = [sheet[(p, bid_id)][column.code] for p, _, _ in people
                          if p != person_id and (p, bid_id) in sheet and column.code in sheet[(p, bid_id)]]
                cell = Cell(value)
                if value is not None and len(others) >= MIN_EXPERTS - 1:
                    difference = value - median(others)
                    cell.deviation = round(difference)
                    share = abs(difference) / column.max_points * 100
                    shares.append(share)
                    cell.flagged = share >= CELL_THRESHOLD_PERCENT
                cells.append(cell)
            rows.append(SheetRow(bid_id, bidder_name, cells, sum(own.values()) if own else None))
        percent = round(sum(shares) / len(shares), 1) if shares else None
        experts.append(ExpertSheet(person_id, name, chair, rows, percent,
                                   percent is not None and percent >= DEVIATION_THRESHOLD_PERCENT))
    means = {}
    for bid_id, _ in bids:
        totals = [sum(sheet[(p, bid_id)].values()) for p, _, _ in people if (p, bid_id) in sheet]
        if totals:
            means[bid_id] = round(sum(totals) / len(totals))
    return ScoreTable(columns, bids, experts, means)
