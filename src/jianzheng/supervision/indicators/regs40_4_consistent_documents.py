"""REGS40-4 abnormally consistent documents or regularly spaced prices (投标文件异常一致或报价呈规律性差异).

Regs 40(4) deems bids collusive when "the bid documents of different bidders are abnormally
consistent, or their bid prices differ in a regular way" (不同投标人的投标文件异常一致或者投标
报价呈规律性差异). Four measurable signs, each with its own minimum sample:

* near-duplicate technical proposals, after the text that comes from the tender documents
  and the phrases everybody uses is removed (`jianzheng.supervision.similarity`);
* shared rare errors: short runs of text two bids share that the tender's other bids and
  nearly everybody else in history lack — a typo copied along with the text;
* identical bill-of-quantities unit prices on many lines, leaving out lines the tender fixed
  (priced identically by nearly every bid);
* prices in arithmetic or geometric progression within a tender, or a pair of bidders whose
  price ratio repeats across tenders (`jianzheng.supervision.regularity`).

Documents and prices give separate alerts: ``documents`` per tender (with the passages side
by side, the shared errors, the identical lines), ``prices`` per tender (the progression with
its steps) and ``price_ratio`` per pair of bidders across tenders.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import polars as pl
from pydantic import Field

from jianzheng.supervision import events
from jianzheng.supervision.alert import Alert, AlertParty, Evidence, Severity, evidence
from jianzheng.supervision.context import Context
from jianzheng.supervision.matching import TENDER, hashed
from jianzheng.supervision.registry import indicator
from jianzheng.supervision.regularity import PriceParams, constant_ratios, priced_pairs, progressions
from jianzheng.supervision.settings import IndicatorSettings
from jianzheng.supervision.similarity import (
    TextParams,
    context,
    passages,
    rare_runs,
    tender_overlaps,
)
from jianzheng.supervision.text_corpus import TextCorpus

CODE = "REGS40-4"


class Settings(IndicatorSettings):
    shingle_chars: int = Field(default=5, ge=2, le=16, description="Characters per shingle (k-gram) of text.")
    min_sentence_chars: int = Field(
        default=6, ge=1, description="Shorter sentences (numbering, headings) are ignored."
    )
    common_bidders: int = Field(
        default=10,
        ge=2,
        description="A sentence or shingle used by at least this many different bidders across history is "
        "common wording, not evidence (shingles: only once history has `min_corpus_bidders`).",
    )
    lot_boilerplate_share: float = Field(
        default=1.0,
        gt=0,
        le=1,
        description="A sentence in at least this share of a tender's bids is boilerplate (tenders with "
        "`lot_boilerplate_min_bids` or more bids only). Below 1, a ring that fills most of a tender hides "
        "its own copies.",
    )
    lot_boilerplate_min_bids: int = Field(
        default=5,
        ge=3,
        description="Minimum bids with text in a tender before sentences shared by most of them count as boilerplate.",
    )
    similarity_threshold: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="Flag two proposals when at least this share of the smaller one's own shingles is in the "
        "other (containment, after boilerplate removal).",
    )
    min_shared_shingles: int = Field(
        default=20,
        ge=1,
        description="Minimum distinct shingles two proposals must share to be compared at all (sample size).",
    )
    rare_max_bidders: int = Field(
        default=4,
        ge=2,
        description="A shingle used by at most this many different bidders across history is rare.",
    )
    min_corpus_bidders: int = Field(
        default=30,
        ge=2,
        description="Whether a shingle is common or rare is only judged when at least this many different "
        "bidders have text in history.",
    )
    min_rare_errors: int = Field(
        default=2,
        ge=1,
        description="Flag two bids that share at least this many rare runs (typos, odd tokens).",
    )
    max_error_chars: int = Field(
        default=12,
        ge=2,
        description="A shared rare run longer than this is a copied passage, not an error.",
    )
    min_identical_lines: int = Field(
        default=3,
        ge=1,
        description="Flag two bids with at least this many bill-of-quantities lines at identical unit prices.",
    )
    min_identical_share: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="… and at least this share of the lines both priced identical.",
    )
    fixed_price_share: float = Field(
        default=1.0,
        gt=0,
        le=1,
        description="A line priced identically by at least this share of a tender's bids (3 or more) is a "
        "price the tender fixed (暂列金额, 暂估价) and not compared. Below 1, a ring that fills most of a "
        "tender hides its own copied prices.",
    )
    min_progression_terms: int = Field(
        default=3, ge=3, description="Bids needed to call prices a progression (arithmetic or geometric)."
    )
    progression_tolerance_fen: int = Field(
        default=100,
        ge=0,
        description="How far (fen) a bid may be from the exact next term of a progression.",
    )
    min_progression_step_fen: int = Field(
        default=10_000,
        ge=1,
        description="Smallest step (fen) between terms of a progression; smaller steps are near-identical prices.",
    )
    max_chance_progressions: float = Field(
        default=0.01,
        gt=0,
        le=1,
        description="Flag a progression only when the tender's prices (their number, spread and rounding) "
        "would show one as long by chance less often than this (expected count).",
    )
    min_ratio_lots: int = Field(
        default=3,
        ge=2,
        description="Tenders in which a pair of bidders must show the same price ratio to be flagged.",
    )
    ratio_tolerance: float = Field(
        default=0.0001,
        gt=0,
        lt=0.1,
        description="Relative tolerance within which two price ratios count as the same.",
    )

    def text(self) -> TextParams:
        return TextParams(
            shingle_chars=self.shingle_chars,
            min_sentence_chars=self.min_sentence_chars,
            common_bidders=self.common_bidders,
            lot_share=self.lot_boilerplate_share,
            lot_min_bids=self.lot_boilerplate_min_bids,
            threshold=self.similarity_threshold,
            min_shared_shingles=self.min_shared_shingles,
            rare_max_bidders=self.rare_max_bidders,
            min_corpus_bidders=self.min_corpus_bidders,
            min_rare_errors=self.min_rare_errors,
            max_error_chars=self.max_error_chars,
        )

    def prices(self) -> PriceParams:
        return PriceParams(
            min_terms=self.min_progression_terms,
            tolerance_fen=self.progression_tolerance_fen,
            min_step_fen=self.min_progression_step_fen,
            min_lots=self.min_ratio_lots,
            ratio_tolerance=self.ratio_tolerance,
            max_chance=self.max_chance_progressions,
        )


# -- text ---------------------------------------------------------------------------------


def _similar_pairs(corpus: TextCorpus) -> list[dict[str, Any]]:
    params = corpus.params
    overlaps = tender_overlaps(corpus.informative)
    flagged = overlaps.filter(
        (pl.col("shared") >= params.min_shared_shingles)
        & (pl.col("shared") >= params.threshold * pl.min_horizontal("size_a", "size_b"))
    )
    found = []
    for row in flagged.iter_rows(named=True):
        na, nb, shared = int(row["size_a"]), int(row["size_b"]), int(row["shared"])
        found.append(
            {
                "a": row["a"],
                "b": row["b"],
                "shared_shingles": shared,
                "shingles_a": na,
                "shingles_b": nb,
                "jaccard": shared / (na + nb - shared),
                "containment": shared / min(na, nb),
                "passages": passages(corpus.doc(row["a"]), corpus.doc(row["b"]), params.min_passage_chars),
            }
        )
    return found


def _rare_pairs(corpus: TextCorpus) -> list[dict[str, Any]]:
    params = corpus.params
    if corpus.corpus_bidders < params.min_corpus_bidders:
        return []
    runs = rare_runs(
        corpus.shingles.select("tender", "doc", "pos", "h", "digit"),
        corpus.bidders_per_shingle,
        corpus.common_hashes,
        params,
    )
    if runs.height == 0:
        return []
    bidders = corpus.docs["bidder_id"].to_list()
    found = []
    for (a, b), part in runs.group_by(["a", "b"], maintain_order=True):
        first, second = int(str(a)), int(str(b))
        if part.height < params.min_rare_errors or bidders[first] == bidders[second]:
            continue
        text_a, text_b = str(corpus.texts[first]), str(corpus.texts[second])
        errors = [
            {
                "token": text_a[r["start_a"] : r["start_a"] + r["chars"]],
                "a": context(text_a, r["start_a"], r["chars"]),
                "b": context(text_b, r["start_b"], r["chars"]),
                "bidders_in_history": r["bidders"],
            }
            for r in part.iter_rows(named=True)
        ]
        found.append({"a": first, "b": second, "errors": errors})
    return found


# -- bill of quantities -------------------------------------------------------------------


def _boq_pairs(lines: pl.DataFrame, settings: Settings) -> list[dict[str, Any]]:
    lines = lines.filter(pl.col("unit_price_fen").is_not_null())
    if lines.height == 0:
        return []
    # 64-bit hashes of the composite keys: grouping on several string columns is the slow part.
    lines = lines.filter(hashed("bid_id", "code").is_first_distinct()).with_columns(
        hashed(*TENDER).alias("_t"), hashed(*TENDER, "code", "unit_price_fen").alias("_k")
    )
    per_tender = lines.group_by("_t").agg(pl.col("bid_id").n_unique().alias("bids"))
    # Lines are unique per bid and code, so counting rows counts bids.
    same = lines.group_by("_k").agg(pl.len().alias("same"), pl.col("_t").first())
    fixed = same.join(per_tender, on="_t").filter(
        (pl.col("bids") >= 3) & (pl.col("same") >= pl.col("bids") * settings.fixed_price_share)
    )
    open_lines = lines.join(fixed.select("_k"), on="_k", how="anti")
    # Only prices two bids of the tender share can be identical: the self-join sees those alone.
    repeated = same.filter(pl.col("same") >= 2).join(fixed.select("_k"), on="_k", how="anti").select("_k")
    candidates = open_lines.join(repeated, on="_k", how="semi")
    identical = (
        candidates.select("_k", *TENDER, "code", "unit_price_fen", "bid_id", "bidder_id", "name")
        .join(candidates.select("_k", "bid_id", "bidder_id"), on="_k", how="inner", suffix="_b")
        .filter((pl.col("bid_id") < pl.col("bid_id_b")) & (pl.col("bidder_id") != pl.col("bidder_id_b")))
    )
    counted = (
        identical.group_by([*TENDER, "bid_id", "bid_id_b"])
        .agg(
            pl.len().alias("identical"),
            pl.struct("code", "name", "unit_price_fen").sort_by("code").alias("lines"),
        )
        .filter(pl.col("identical") >= settings.min_identical_lines)
    )
    if counted.height == 0:
        return []
    paired = pl.concat([counted.select("bid_id"), counted.select(pl.col("bid_id_b").alias("bid_id"))]).unique()
    codes = open_lines.join(paired, on="bid_id", how="semi").select("bid_id", "code")
    compared = (
        counted.select("bid_id", "bid_id_b")
        .join(codes, on="bid_id")
        .join(codes.rename({"bid_id": "bid_id_b"}), on=["bid_id_b", "code"])
        .group_by(["bid_id", "bid_id_b"])
        .agg(pl.len().alias("compared"))
    )
    result = counted.join(compared, on=["bid_id", "bid_id_b"]).filter(
        pl.col("identical") >= pl.col("compared") * settings.min_identical_share
    )
    return list(result.sort([*TENDER, "bid_id", "bid_id_b"]).iter_rows(named=True))


# -- the indicator ------------------------------------------------------------------------


def _bid_facts(details: pl.DataFrame, bid_ids: set[str]) -> dict[str, dict[str, Any]]:
    """Tender, bidder and events of the given bids (only those: the frame may hold a million)."""
    wanted = details.filter(pl.col("bid_id").is_in(sorted(bid_ids)))
    return {r["bid_id"]: r for r in wanted.select("bid_id", *TENDER, "bidder_id", "event_seq", "opened_seq")
            .iter_rows(named=True)}


def _pair_head(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    return {
        "bid_a": first["bid_id"],
        "bidder_a": first["bidder_id"],
        "bid_b": second["bid_id"],
        "bidder_b": second["bidder_id"],
    }


def _seqs(*bids: dict[str, Any]) -> list[int | None]:
    return [s for b in bids for s in (b.get("event_seq"), b.get("opened_seq"))]


def _document_alerts(ctx: Context, settings: Settings) -> list[Alert]:
    details = ctx.in_scope("bid_details")
    by_tender: dict[tuple[str, int], list[tuple[str, Evidence, frozenset[str]]]] = defaultdict(list)
    boilerplate: dict[tuple[str, int], dict[str, int]] = {}
    params = settings.text()
    if details.filter(pl.col("technical_proposal").is_not_null()).height >= 2:
        if ctx.reference is ctx.frames:
            corpus = TextCorpus(ctx.frames, details, params)
        else:
            reference = TextCorpus(ctx.reference, ctx.reference.bid_details, params)
            corpus = TextCorpus(ctx.frames, details, params, reference=reference)
        docs = corpus.docs.to_dicts()
        tenders = {d["tender"]: (d["lot_id"], d["round"]) for d in docs}
        for row in corpus.removed.iter_rows():
            boilerplate.setdefault(tenders[row[0]], {})[str(row[1])] = int(row[2])
        for pair in _similar_pairs(corpus):
            first, second = docs[pair["a"]], docs[pair["b"]]
            value = {**_pair_head(first, second), **{k: v for k, v in pair.items() if k not in ("a", "b")}}
            item = evidence("similar_proposals", value, _seqs(first, second))
            by_tender[(first["lot_id"], first["round"])].append(("text", item, frozenset((first["bidder_id"],
                                                                                          second["bidder_id"]))))
        for pair in _rare_pairs(corpus):
            first, second = docs[pair["a"]], docs[pair["b"]]
            value = {**_pair_head(first, second), "errors": pair["errors"]}
            item = evidence("shared_rare_errors", value, _seqs(first, second))
            by_tender[(first["lot_id"], first["round"])].append(("errors", item, frozenset((first["bidder_id"],
                                                                                            second["bidder_id"]))))
    lines = ctx.in_scope("boq_lines")
    boq_pairs = _boq_pairs(lines, settings)
    paired = {p["bid_id"] for p in boq_pairs} | {p["bid_id_b"] for p in boq_pairs}
    facts = _bid_facts(lines.unique(subset=["bid_id"], keep="first"), paired)
    facts.update(_bid_facts(details, paired))
    for pair in boq_pairs:
        first, second = facts[pair["bid_id"]], facts[pair["bid_id_b"]]
        value = {
            **_pair_head(first, second),
            "identical_lines": pair["identical"],
            "compared_lines": pair["compared"],
            "lines": pair["lines"],
        }
        item = evidence("identical_boq_prices", value, _seqs(first, second))
        by_tender[(pair["lot_id"], pair["round"])].append(("boq", item, frozenset((first["bidder_id"],
                                                                                   second["bidder_id"]))))
    alerts = []
    labels = {"text": ("技术标雷同", "near-duplicate proposals"), "errors": ("共同罕见错误", "shared rare errors"),
              "boq": ("清单单价相同", "identical unit prices")}
    for (lot_id, round_), found in sorted(by_tender.items()):
        bidders = sorted({b for _, _, members in found for b in members})
        kinds = list(dict.fromkeys(kind for kind, _, _ in found))
        per_pair: dict[frozenset[str], set[str]] = defaultdict(set)
        for kind, _, members in found:
            per_pair[members].add(kind)
        strong = any(len(k) >= 2 for k in per_pair.values()) or any(
            kind == "text" and isinstance(item.value, dict) and _number(item.value.get("containment")) >= 0.8
            for kind, item, _ in found
        )
        severity: Severity = "high" if strong else "medium"
        items = [item for _, item, _ in found]
        items.append(evidence("boilerplate_removed", boilerplate.get((lot_id, round_), {})))
        items.append(evidence("tender", {"lot_id": lot_id, "round": round_}))
        alerts.append(
            Alert(
                indicator=CODE,
                severity=severity,
                subject="lot",
                subject_id=lot_id,
                lot_ids=(lot_id,),
                parties=tuple(AlertParty(b, "consistent_documents") for b in bidders),
                explanation_zh=f"{len(bidders)} 家投标人的投标文件异常一致"
                f"（{'、'.join(labels[k][0] for k in kinds)}），视为串通投标（条例第四十条第四项）。",
                explanation_en=f"The bids of {len(bidders)} bidders are abnormally consistent "
                f"({', '.join(labels[k][1] for k in kinds)}) (Regs 40(4)).",
                evidence=tuple(items),
                value=float(len(bidders)),
                key_facts=("similar_proposals", "shared_rare_errors", "identical_boq_prices", "tender"),
            )
        )
    return alerts


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _priced_bids(ctx: Context) -> pl.DataFrame:
    """One priced, opened bid per bidder and tender on price-comparable lots, with its round and events."""
    comparable = ctx.price_comparable_lot_ids().to_frame()
    rounds = ctx.in_scope("bid_details").select("bid_id", "round", pl.col("opened_seq"))
    return (
        ctx.submitted_bids()
        .join(comparable, on="lot_id", how="semi")
        .filter(pl.col("price_fen").is_not_null() & pl.col("bidder_id").is_not_null()
                & pl.col("status").is_in(["valid", "disqualified"]))
        .filter(pl.len().over("bid_id") == 1)  # a joint bid has no single bidder's price
        .join(rounds, on="bid_id", how="left")
        .with_columns(pl.col("round").fill_null(1))
        .unique(subset=[*TENDER, "bidder_id"], keep="first")
        .select(*TENDER, "bid_id", "bidder_id", "price_fen", "event_seq", "opened_seq")
    )


def _price_alerts(ctx: Context, settings: Settings) -> list[Alert]:
    priced = _priced_bids(ctx)
    params = settings.prices()
    estimates = {r["lot_id"]: r["estimated_price_fen"] for r in
                 ctx.lots_in_scope().select("lot_id", "estimated_price_fen").iter_rows(named=True)}
    alerts: list[Alert] = []
    paired = priced_pairs(priced)
    found = progressions(paired, params)
    by_tender: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for item in found:
        key = (item["lot_id"], item["round"])
        bids = {t["bid_id"] for t in item["terms"]}
        # The same bids in arithmetic and geometric form (tiny steps): keep the arithmetic one.
        if not any({t["bid_id"] for t in other["terms"]} >= bids for other in by_tender[key]):
            by_tender[key].append(item)
    for (lot_id, round_), items in sorted(by_tender.items()):
        estimate_fen = estimates.get(lot_id)
        bidders = sorted({t["bidder_id"] for i in items for t in i["terms"]})
        longest = max(len(i["terms"]) for i in items)
        proof = [
            evidence(
                f"{i['kind']}_progression",
                {
                    "bid_ids": [t["bid_id"] for t in i["terms"]],
                    "bidder_ids": [t["bidder_id"] for t in i["terms"]],
                    "prices_fen": [t["price_fen"] for t in i["terms"]],
                    "steps_fen": i["steps_fen"],
                    "ratios": i["ratios"],
                    "ratios_to_estimate": [t["price_fen"] / estimate_fen for t in i["terms"]] if estimate_fen else None,
                    "estimated_price_fen": estimate_fen,
                    "tolerance_fen": params.tolerance_fen,
                    "price_grid_fen": i["price_grid_fen"],
                    "expected_by_chance": i["expected_by_chance"],
                },
                _seqs(*i["terms"]),
            )
            for i in items
        ]
        proof.append(evidence("tender", {"lot_id": lot_id, "round": round_}))
        alerts.append(
            Alert(
                indicator=CODE,
                severity="high" if longest >= 4 else "medium",
                subject="lot",
                subject_id=lot_id,
                lot_ids=(lot_id,),
                parties=tuple(AlertParty(b, "regular_prices") for b in bidders),
                explanation_zh=f"{len(bidders)} 家投标人的报价呈等差或等比数列，"
                "投标报价呈规律性差异（条例第四十条第四项）。",
                explanation_en=f"The prices of {len(bidders)} bidders form an arithmetic or geometric progression: "
                "regular price differences (Regs 40(4)).",
                evidence=tuple(proof),
                value=float(longest),
            )
        )
    for pair in constant_ratios(paired, params):
        rows = pair["rows"]
        lots = sorted({r["lot_id"] for r in rows})
        ratios = [r["ratio"] for r in rows]
        members = (pair["bidder_id"], pair["bidder_id_b"])
        alerts.append(
            Alert(
                indicator=CODE,
                severity="high",
                subject="bidder",
                subject_id="+".join(members),
                lot_ids=tuple(lots),
                parties=tuple(AlertParty(b, "regular_prices") for b in members),
                explanation_zh=f"两家投标人在 {len(lots)} 个标段中报价之比恒定（约 {ratios[0]:.4f}），报价呈规律性差异"
                "（条例第四十条第四项）。",
                explanation_en=f"Two bidders' prices kept the same ratio (about {ratios[0]:.4f}) in {len(lots)} "
                "tenders: regular price differences (Regs 40(4)).",
                evidence=(
                    evidence(
                        "constant_price_ratio",
                        {
                            "bidder_a": members[0],
                            "bidder_b": members[1],
                            "tenders": [
                                {
                                    "lot_id": r["lot_id"],
                                    "round": r["round"],
                                    "bid_a": r["bid_id"],
                                    "price_a_fen": r["price_fen"],
                                    "bid_b": r["bid_id_b"],
                                    "price_b_fen": r["price_fen_b"],
                                    "ratio": r["ratio"],
                                }
                                for r in rows
                            ],
                            "ratio_min": min(ratios),
                            "ratio_max": max(ratios),
                            "ratio_tolerance": params.ratio_tolerance,
                        },
                        [s for r in rows for s in (r["event_seq"], r["opened_seq"], r["event_seq_b"],
                                                   r["opened_seq_b"])],
                    ),
                ),
                value=float(len(lots)),
            )
        )
    return alerts


@indicator(
    code=CODE,
    name_zh="投标文件异常一致或报价呈规律性差异",
    name_en="Abnormally consistent bids or regular price differences",
    basis="招标投标法实施条例第四十条第（四）项 / Regs 40(4)",
    reads=("lots", "bids", "bid_details", "boq_lines", "tender_texts", "parties"),
    settings=Settings,
    realtime_events=(events.LOT_OPENED,),
)
def consistent_documents(ctx: Context, settings: Settings) -> list[Alert]:
    return _document_alerts(ctx, settings) + _price_alerts(ctx, settings)
