"""REGS40-5 mixed documents (投标文件相互混装): one bidder's bid names another bidder of the tender.

Regs 40(5) deems bids collusive when "the bid documents of different bidders are mixed up
with each other" (不同投标人的投标文件相互混装). When one hand prepares several bids, pieces
of one end up in another: a technical proposal that names a competitor, a file named after
it, a bid file that still holds the other bidder's letter of bid. The sign is a bid whose
technical proposal, file names or text files carry another bidder's registered name, its
unified social credit code (统一社会信用代码) or, optionally, its short name.
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl
from pydantic import Field

from jianzheng.supervision import events
from jianzheng.supervision.alert import Alert, AlertParty, evidence
from jianzheng.supervision.context import Context
from jianzheng.supervision.matching import TENDER, tender_bidders
from jianzheng.supervision.registry import indicator
from jianzheng.supervision.settings import IndicatorSettings

CODE = "REGS40-5"

# Legal-form endings stripped to get a short name (简称): 云南滇池建设有限公司 → 云南滇池建设.
LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "集团", "公司")
CONTEXT_CHARS = 30
# Where a name was found, in the order the evidence prefers: the proposal, the file names, the files.
SOURCE_ORDER = {"proposal": 0, "files": 1, "documents": 2}
SOURCE_FIELDS = {"proposal": "technical_proposal", "files": "document_names", "documents": "document_text"}


class Settings(IndicatorSettings):
    match_short_names: bool = Field(
        default=True,
        description="Also look for another bidder's short name (its registered name without the legal form, "
        "e.g. 有限公司) when it is long enough and not part of the writer's own name.",
    )
    min_short_name_chars: int = Field(
        default=4,
        ge=2,
        description="Shortest short name that is looked for (shorter ones are ordinary words).",
    )


# Full-width ASCII (ＡＢＣ１２３（）) and its half-width form, the ideographic space and a space: names
# and credit codes are written both ways. Needles are searched in both forms, so texts need no pass.
FULL_WIDTH = {chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)} | {"\u3000": " "}
_FOLD = str.maketrans(FULL_WIDTH)


_WIDEN = str.maketrans({half: full for full, half in FULL_WIDTH.items() if half != " "})


def widen(needle: str) -> str:
    """A needle with its ASCII characters in full-width form (how some documents write codes)."""
    return needle.translate(_WIDEN)


def needle_key(value: str) -> str:
    """A name or credit code in the form it is searched for: folded, upper case, no whitespace."""
    return re.sub(r"\s+", "", value.translate(_FOLD)).upper()


def short_name(name: str) -> str:
    key = needle_key(name)
    for form in LEGAL_FORMS:
        if key.endswith(form):
            return key[: -len(form)]
    return key


def _context(text: str, needle: str) -> str:
    """The passage around the first occurrence, as written (found in the folded form, character for character)."""
    plain = "".join(c.upper() if c.isascii() else c for c in text.translate(_FOLD))
    at = plain.find(needle)
    if at < 0:
        return ""
    start = max(at - CONTEXT_CHARS, 0)
    return text[start : at + len(needle) + CONTEXT_CHARS]


@indicator(
    code=CODE,
    name_zh="投标文件相互混装",
    name_en="Mixed-up bid documents",
    basis="招标投标法实施条例第四十条第（五）项 / Regs 40(5)",
    reads=("lots", "bid_details", "parties"),
    settings=Settings,
    realtime_events=(events.LOT_OPENED,),
)
def mixed_documents(ctx: Context, settings: Settings) -> list[Alert]:
    details = ctx.in_scope("bid_details")
    if details.height == 0:
        return []
    writers = details.select(
        *TENDER,
        "bid_id",
        pl.col("bidder_id").alias("writer_id"),
        "event_seq",
        "opened_seq",
        pl.col("technical_proposal").alias("proposal"),
        pl.col("document_names").list.join("\n").alias("files"),
        pl.col("document_text").alias("documents"),
    ).filter(pl.col("proposal").is_not_null() | pl.col("files").is_not_null() | pl.col("documents").is_not_null())
    if writers.height == 0:
        return []
    parties = ctx.frames.parties.select("party_id", "name", "credit_code", pl.col("event_seq").alias("party_seq"))
    names = {r["party_id"]: r for r in parties.iter_rows(named=True)}
    needles: list[dict[str, Any]] = []
    for party in names.values():
        if party["name"]:
            needles.append({"party_id": party["party_id"], "kind": "name", "needle": needle_key(party["name"])})
            if settings.match_short_names:
                short = short_name(party["name"])
                if len(short) >= settings.min_short_name_chars and short != needle_key(party["name"]):
                    needles.append({"party_id": party["party_id"], "kind": "short_name", "needle": short})
        if party["credit_code"]:
            needles.append(
                {"party_id": party["party_id"], "kind": "credit_code", "needle": needle_key(str(party["credit_code"]))}
            )
    if not needles:
        return []
    needle_frame = pl.DataFrame(
        needles, schema={"party_id": pl.String(), "kind": pl.String(), "needle": pl.String()}
    )
    # Every needle of every party, searched in one pass over all texts (one Aho-Corasick automaton);
    # a hit counts only when the named party bid on the same tender.
    tenders = tender_bidders([details]).rename({"bidder_id": "named_id"})
    bidding = needle_frame.join(tenders.select(pl.col("named_id").alias("party_id")).unique(), on="party_id",
                                how="semi")
    # Texts are searched as written: each needle also goes in full-width form (ＡＢＣ１２３（）), so the
    # millions of texts need no normalising pass, only the needles do.
    canonical: dict[str, str] = {}
    for needle in bidding["needle"].unique().sort().to_list():
        canonical[needle] = needle
        canonical.setdefault(widen(needle), needle)
    patterns = sorted(canonical)
    found = []
    for column in ("proposal", "files", "documents"):
        if writers[column].null_count() == writers.height:
            continue
        found.append(
            writers.select(
                *TENDER,
                "bid_id",
                "writer_id",
                "event_seq",
                "opened_seq",
                pl.col(column)
                .fill_null("")
                .str.extract_many(patterns, ascii_case_insensitive=True, overlapping=True)
                .alias("needle"),
            )
            .explode("needle")
            .drop_nulls("needle")
            .with_columns(
                pl.col("needle").str.to_uppercase().replace_strict(canonical, default=None, return_dtype=pl.String)
            )
            .drop_nulls("needle")
            .unique()
            # Every bid names its own bidder: drop those hits before anything else looks at them.
            .join(bidding.rename({"party_id": "named_id"}), on="needle", how="inner")
            .filter(pl.col("named_id") != pl.col("writer_id"))
            .with_columns(pl.lit(column).alias("found_in"))
        )
    own = pl.DataFrame(
        [{"writer_id": k, "own_name": needle_key(v["name"] or "")} for k, v in names.items()],
        schema={"writer_id": pl.String(), "own_name": pl.String()},
    )
    if not found:
        return []
    hits = (
        pl.concat(found)
        .with_columns(pl.col("found_in").replace_strict(SOURCE_ORDER, return_dtype=pl.Int64).alias("order"))
        .sort("order")
        .unique(subset=[*TENDER, "bid_id", "needle", "named_id"], keep="first")
        # The named party must have bid on the same tender.
        .join(tenders, on=[*TENDER, "named_id"], how="semi")
        .join(own, on="writer_id", how="left")
        # A name inside the writer's own name (a group's name in its branch's) cannot be told apart
        # from the writer naming itself.
        .filter(~pl.col("own_name").fill_null("").str.contains(pl.col("needle"), literal=True))
    )
    if hits.height == 0:
        return []
    sources = details.select("bid_id", "technical_proposal", "document_names", "document_text")
    texts = {r["bid_id"]: r for r in sources.iter_rows(named=True)}
    alerts: list[Alert] = []
    for (lot_id, round_), part in hits.sort([*TENDER, "writer_id", "named_id", "kind"]).group_by(
        list(TENDER), maintain_order=True
    ):
        items = []
        involved: dict[str, str] = {}
        for hit in _strongest(part):
            source = texts[hit["bid_id"]]
            where = SOURCE_FIELDS[hit["found_in"]]
            haystack = (
                "\n".join(source["document_names"] or []) if hit["found_in"] == "files" else source[where]
            )
            named = names.get(hit["named_id"], {})
            items.append(
                evidence(
                    "names_other_bidder",
                    {
                        "bid_id": hit["bid_id"],
                        "writer_id": hit["writer_id"],
                        "named_bidder_id": hit["named_id"],
                        "named_bidder_name": named.get("name"),
                        "matched": hit["kind"],
                        "needle": hit["needle"],
                        "found_in": where,
                        "context": _context(haystack or "", hit["needle"]),
                    },
                    [hit["event_seq"], hit["opened_seq"], named.get("party_seq")],
                )
            )
            involved[hit["writer_id"]] = "writer"
            involved.setdefault(hit["named_id"], "named")
        items.append(evidence("tender", {"lot_id": lot_id, "round": round_}))
        alerts.append(
            Alert(
                indicator=CODE,
                severity="high",
                subject="lot",
                subject_id=str(lot_id),
                lot_ids=(str(lot_id),),
                parties=tuple(AlertParty(p, role) for p, role in sorted(involved.items())),
                explanation_zh=f"{len(items) - 1} 处投标文件载有同一标段其他投标人的名称或信用代码，"
                "视为投标文件相互混装（条例第四十条第五项）。",
                explanation_en=f"{len(items) - 1} bid(s) carry the name or credit code of another bidder of the same "
                "tender: mixed-up bid documents (Regs 40(5)).",
                evidence=tuple(items),
                value=float(len(involved)),
            )
        )
    return alerts


def _strongest(part: pl.DataFrame) -> list[dict[str, Any]]:
    """One hit per writing bid and named bidder: the full name beats the credit code beats a short name."""
    order = {"name": 0, "credit_code": 1, "short_name": 2}
    best: dict[tuple[str, str], dict[str, Any]] = {}
    for row in part.iter_rows(named=True):
        key = (row["bid_id"], row["named_id"])
        if key not in best or order[row["kind"]] < order[best[key]["kind"]]:
            best[key] = row
    return [best[k] for k in sorted(best)]
