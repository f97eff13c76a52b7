"""Similarity of bid texts (雷同性分析): boilerplate removal, character shingles, exact overlap, rare tokens.

Regs 40(4) deems "abnormally consistent" bid documents (投标文件异常一致) collusive. Bids
answer the same tender, so much of their text is alike for honest reasons: passages copied
from the tender documents, the standard phrases every bidder uses. The pipeline removes
those first and compares what is left.

1. **Sentences.** Texts are split into sentences at 。！？；!?; and line breaks, trimmed,
   and every run of digits (ASCII or full-width) is masked as ``#``. Figures are masked
   because bids for one tender share its figures honestly (the duration, the quantities,
   the deadline): a copy shows in its wording, and a template sentence with different
   figures is still the same template sentence. (Letters keep their case and width: a
   copy keeps them too, and folding them costs more than it finds.)
2. **Boilerplate.** A sentence is boilerplate when it is in the lot's own documents (tender
   texts, the lot title, the tenderer's and agency's names), when at least
   ``common_bidders`` different bidders use it across history, or when it is in
   ``lot_share`` of the tender's bids (by default all of them, and only for tenders with
   ``lot_min_bids`` bids or more: a ring that fills most of a tender must not hide its own
   copies). What remains is each bid's own text.
3. **Shingles.** Overlapping character k-grams (k = ``shingle_chars``; Chinese has no
   spaces, so characters rather than words) of the remaining text, hashed to 64 bits with
   a polynomial rolling hash and the splitmix64 finaliser, computed with numpy over all
   texts at once. Shingles that also occur in the lot's own documents are dropped.
   Once history holds ``min_corpus_bidders`` bidders with text, shingles that
   ``common_bidders`` or more of them write are dropped too (phrases from the common
   stock, figures everybody uses): what two bids are compared on is their own wording.
4. **Overlap.** For every two bids of a tender the exact number of shingles they share is
   counted with a hash join on (tender, shingle): it only touches shingles two bids have in
   common, so honest tenders cost almost nothing once common wording is gone. MinHash and
   locality-sensitive hashing estimate this to avoid comparing all pairs of a huge
   collection; within a tender of tens of bids, after boilerplate removal, the exact count
   is cheaper and has no estimation error. A pair is flagged when the shared shingles are
   at least ``threshold`` of the smaller bid's (containment |A∩B| / min(|A|, |B|): a bid
   that copied half of another counts) and at least ``min_shared_shingles`` (sample size).
5. **Passages.** The longest common blocks of a flagged pair are extracted side by side,
   each mapped back to both bids' original sentences.
6. **Rare shared tokens.** Shingles (without figures) that two or more bids of the tender
   share, that at most ``rare_max_bidders`` bidders use across history — so the tender's
   other bidders and nearly everybody else lack them — and that are never part of a
   boilerplate sentence, merged into short runs: a typo copied from one bid into another
   (施工组织设汁) shows up as such a run. Long runs are copied passages, not errors.
   Rarity needs a corpus: with fewer than ``min_corpus_bidders`` bidders with text in
   history nothing is called rare.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np
import numpy.typing as npt
import polars as pl

SEPARATOR = "\x00"  # between sentences and texts; a shingle never spans it
BASE = np.uint64(1_000_003)
PASSAGE_LIMIT = 20_000  # characters per text compared for side-by-side passages
MAX_PASSAGES = 3
CONTEXT = 12

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class TextParams:
    shingle_chars: int = 5
    min_sentence_chars: int = 6
    common_bidders: int = 10
    lot_share: float = 1.0
    lot_min_bids: int = 5
    threshold: float = 0.5
    min_shared_shingles: int = 20
    rare_max_bidders: int = 4
    min_corpus_bidders: int = 30
    min_rare_errors: int = 2
    max_error_chars: int = 12
    min_passage_chars: int = 12


FIGURE = "#"  # every run of digits becomes this: figures are compared as wording, not as values
DIGITS = r"[0-9０-９]+"
BREAKS = r"[。！？；!?;\r\n]"


def split_sentences(texts: pl.DataFrame, min_chars: int) -> pl.DataFrame:
    """``texts`` (``doc`` plus ``text`` and any other columns) → one row per sentence.

    Adds ``pos`` (order of the sentence in all texts), ``key`` (the sentence with its digits
    masked and its edges trimmed) and ``h`` (64-bit hash of the key); sentences shorter than
    ``min_chars`` (numbering, headings) are dropped. Whole texts are masked and split in
    three vectorised passes — a million proposals must not cost a per-sentence pass each.
    `sentence_keys` does the same for one text in Python.
    """
    others = [c for c in texts.columns if c != "text"]
    return (
        texts.with_columns(
            pl.col("text").str.replace_all(DIGITS, FIGURE).str.replace_all(BREAKS, "\n").str.split("\n").alias("key")
        )
        .select(*others, "key")
        .explode("key")
        .with_row_index("pos")
        .with_columns(pl.col("pos").cast(pl.Int64), pl.col("key").str.strip_chars())
        .filter(pl.col("key").str.len_chars() >= min_chars)
        .with_columns(pl.col("key").hash(seed=7).alias("h"))
    )


def sentence_keys(text: str, min_chars: int) -> list[tuple[str, str]]:
    """(key, original) of each sentence of one text, exactly as `split_sentences` keys them."""
    pairs = []
    for original in re.split(BREAKS, text):
        key = re.sub(DIGITS, FIGURE, original).strip()
        if len(key) >= min_chars:
            pairs.append((key, original.strip()))
    return pairs


def sentence_bidders(sentences: pl.DataFrame) -> pl.DataFrame:
    """``h, bidders``: how many different bidders use each sentence."""
    return sentences.group_by("h").agg(pl.col("bidder_id").n_unique().alias("bidders"))


def mark_boilerplate(
    sentences: pl.DataFrame,
    reference_counts: pl.DataFrame,
    tender_sentences: pl.DataFrame,
    params: TextParams,
) -> pl.DataFrame:
    """Add ``boilerplate`` (Boolean) and ``reason`` to the sentences of the bids.

    ``sentences`` carries ``tender`` (an id of lot and round), ``lot_id``, ``doc``,
    ``bidder_id``; ``reference_counts`` is `sentence_bidders` over all history;
    ``tender_sentences`` has ``lot_id, h`` of the lot's own documents.
    """
    # The flags are computed on the narrow integer columns and joined back by row: a million
    # proposals make several million sentences, and every join copies the columns it carries.
    narrow = sentences.select("tender", "lot_id", "doc", "h").with_row_index("row")
    docs = narrow.group_by("tender").agg(pl.col("doc").n_unique().alias("tender_docs"))
    in_lot = narrow.group_by(["tender", "h"]).agg(pl.col("doc").n_unique().alias("lot_docs"))
    own = tender_sentences.select("lot_id", "h").unique().with_columns(pl.lit(True).alias("in_tender"))
    common = pl.col("bidders") >= params.common_bidders
    majority = (pl.col("tender_docs") >= params.lot_min_bids) & (
        pl.col("lot_docs") >= pl.col("tender_docs") * params.lot_share
    )
    flags = (
        narrow.join(reference_counts, on="h", how="left")
        .join(in_lot, on=["tender", "h"], how="left")
        .join(docs, on="tender", how="left")
        .join(own, on=["lot_id", "h"], how="left")
        .with_columns(pl.col("in_tender").fill_null(False), pl.col("bidders").fill_null(0))
        .select(
            "row",
            (pl.col("in_tender") | common | majority).alias("boilerplate"),
            pl.when(pl.col("in_tender"))
            .then(pl.lit("tender_documents"))
            .when(common)
            .then(pl.lit("common_phrase"))
            .when(majority)
            .then(pl.lit("most_bids"))
            .otherwise(None)
            .alias("reason"),
        )
        .sort("row")
    )
    return sentences.with_columns(flags["boilerplate"], flags["reason"])


def splitmix64(x: U64) -> U64:
    """The splitmix64 finaliser: spreads a polynomial hash over all 64 bits (uint64 wraps)."""
    z = x + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    result: U64 = z ^ (z >> np.uint64(31))
    return result


def shingle_hashes(texts: Sequence[str] | pl.Series, k: int) -> tuple[U64, I64, I64]:
    """Every k-character shingle of every text: (hash, text index, start position).

    Texts may contain `SEPARATOR`; shingles that would span it are skipped. All texts are
    hashed in one numpy pass (code points as uint32, polynomial hash mod 2^64).
    """
    h, index, position, _ = shingles_with_digits(texts, k)
    return h, index, position


def shingles_with_digits(texts: Sequence[str] | pl.Series, k: int) -> tuple[U64, I64, I64, npt.NDArray[np.bool_]]:
    """`shingle_hashes` plus, per shingle, whether it holds a figure (a digit or `FIGURE`).

    ``texts`` may be a polars Series of strings (no nulls): then no Python string per text is made.
    """
    if len(texts) == 0:
        return np.empty(0, np.uint64), np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.bool_)
    if isinstance(texts, pl.Series):
        lengths = texts.str.len_chars().cast(pl.Int64).to_numpy()
        joined = str(texts.str.join(SEPARATOR).item())
    else:
        lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
        joined = SEPARATOR.join(texts)
    points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = points.size
    if n < k:
        return np.empty(0, np.uint64), np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.bool_)
    m = n - k + 1
    h = np.zeros(m, dtype=np.uint64)
    for j in range(k):
        h = h * BASE + points[j : j + m]
    separators = np.concatenate(([0], np.cumsum(points == ord(SEPARATOR)))).astype(np.int64)
    clean = (separators[k : k + m] - separators[:m]) == 0
    figure = ((points >= ord("0")) & (points <= ord("9"))) | (points == ord(FIGURE))
    digits = np.concatenate(([0], np.cumsum(figure))).astype(np.int64)
    has_digit = (digits[k : k + m] - digits[:m]) > 0
    starts = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
    text_of = np.searchsorted(starts, np.arange(m), side="right") - 1
    keep = np.flatnonzero(clean)
    index = text_of[keep].astype(np.int64)
    position = (keep - starts[index]).astype(np.int64)
    return splitmix64(h[keep]), index, position, has_digit[keep]


def tender_overlaps(shingles: pl.DataFrame) -> pl.DataFrame:
    """Exact overlap of every pair of bids of one tender that share a shingle.

    ``shingles``: ``tender, doc, bidder_id, h``. Returns ``a, b, shared, size_a, size_b``
    (a < b; distinct shingles; pairs of one bidder's own bids are left out). A hash join on
    (tender, shingle) touches only shingles two bids have in common, so its cost follows
    what is shared, not the number of pairs.
    """
    distinct = shingles.select("tender", "doc", "bidder_id", "h").unique()
    sizes = distinct.group_by("doc").agg(pl.len().cast(pl.Int64).alias("size"))
    shared = (
        distinct.join(distinct, on=["tender", "h"], how="inner", suffix="_b")
        .filter((pl.col("doc") < pl.col("doc_b")) & (pl.col("bidder_id") != pl.col("bidder_id_b")))
        .group_by(["doc", "doc_b"])
        .agg(pl.len().cast(pl.Int64).alias("shared"))
    )
    return (
        shared.join(sizes.rename({"size": "size_a"}), on="doc")
        .join(sizes.rename({"doc": "doc_b", "size": "size_b"}), on="doc_b")
        .select(pl.col("doc").cast(pl.Int64).alias("a"), pl.col("doc_b").cast(pl.Int64).alias("b"),
                "shared", "size_a", "size_b")
        .sort(["a", "b"])
    )


@dataclass(frozen=True)
class Doc:
    """A bid's text after boilerplate removal: its sentences as written and in compatibility form."""

    keys: tuple[str, ...]
    originals: tuple[str, ...]

    @property
    def text(self) -> str:
        return SEPARATOR.join(self.keys)

    def originals_between(self, start: int, end: int) -> str:
        """The original sentences overlapping characters [start, end) of `text`."""
        chosen = []
        offset = 0
        for key, original in zip(self.keys, self.originals, strict=True):
            if offset < end and offset + len(key) > start:
                chosen.append(original)
            offset += len(key) + 1
        return "。".join(chosen)


def passages(a: Doc, b: Doc, min_chars: int) -> list[dict[str, str]]:
    """The longest passages two texts share, each with the original sentences of both sides."""
    left, right = a.text[:PASSAGE_LIMIT], b.text[:PASSAGE_LIMIT]
    blocks = SequenceMatcher(None, left, right, autojunk=False).get_matching_blocks()
    found = []
    for block in sorted(blocks, key=lambda m: -m.size):
        shared = left[block.a : block.a + block.size].strip(SEPARATOR)
        if len(shared.replace(SEPARATOR, "")) < min_chars:
            break
        found.append(
            {
                "shared": shared.replace(SEPARATOR, " / "),
                "a": a.originals_between(block.a, block.a + block.size),
                "b": b.originals_between(block.b, block.b + block.size),
            }
        )
        if len(found) == MAX_PASSAGES:
            break
    return found


def rare_runs(
    shingles: pl.DataFrame,
    reference_df: pl.DataFrame,
    common_hashes: pl.DataFrame,
    params: TextParams,
) -> pl.DataFrame:
    """Short runs of rare shingles that two or more bids of a tender share.

    ``shingles``: ``tender, doc, pos, h, digit`` of the bids' own text; ``reference_df``:
    ``h, bidders`` over history; ``common_hashes``: ``h`` of shingles from boilerplate
    sentences. Shingles with a digit are left out: two bidders' figures coincide honestly
    (a 217-hour curing time), a copied typo does not. Returns ``a, b, start_a, start_b,
    chars, bidders`` — one row per run (a < b).
    """
    empty = pl.DataFrame(
        schema={
            "a": pl.Int64(),
            "b": pl.Int64(),
            "start_a": pl.Int64(),
            "start_b": pl.Int64(),
            "chars": pl.Int64(),
            "bidders": pl.Int64(),
        }
    )
    shingles = shingles.filter(~pl.col("digit"))
    if shingles.height == 0:
        return empty
    per_tender = shingles.select("tender", "doc", "h").unique()
    counts = per_tender.group_by(["tender", "h"]).agg(pl.len().alias("docs"))
    candidates = (
        counts.filter(pl.col("docs") >= 2)
        .join(reference_df, on="h", how="left")
        .filter(pl.col("bidders").fill_null(0) <= params.rare_max_bidders)
        .join(common_hashes, on="h", how="anti")
    )
    if candidates.height == 0:
        return empty
    occurrences = shingles.join(candidates.select("tender", "h", "bidders"), on=["tender", "h"], how="inner")
    first = occurrences.group_by(["tender", "h", "doc"]).agg(pl.col("pos").min(), pl.col("bidders").first())
    paired = first.join(first, on=["tender", "h"], how="inner", suffix="_b").filter(pl.col("doc") < pl.col("doc_b"))
    runs = (
        paired.select(
            pl.col("doc").cast(pl.Int64).alias("a"),
            pl.col("doc_b").cast(pl.Int64).alias("b"),
            pl.col("pos").cast(pl.Int64).alias("pos_a"),
            pl.col("pos_b").cast(pl.Int64),
            pl.col("bidders").cast(pl.Int64),
        )
        .sort(["a", "b", "pos_a"])
        .with_columns(
            # A new run starts where the position in either text does not continue the last one.
            (
                (pl.col("pos_a").diff().over(["a", "b"]) != 1) | (pl.col("pos_b").diff().over(["a", "b"]) != 1)
            )
            .fill_null(True)
            .cum_sum()
            .over(["a", "b"])
            .alias("run")
        )
        .group_by(["a", "b", "run"])
        .agg(
            pl.col("pos_a").min().alias("start_a"),
            pl.col("pos_b").min().alias("start_b"),
            (pl.col("pos_a").max() - pl.col("pos_a").min() + params.shingle_chars).alias("chars"),
            pl.col("bidders").max(),
        )
        .filter(pl.col("chars") <= params.max_error_chars)
        .drop("run")
        .sort(["a", "b", "start_a"])
    )
    return runs.select(empty.columns)


def context(text: str, start: int, length: int) -> str:
    """The run with a few characters either side, separators shown as a sentence break."""
    lo = max(start - CONTEXT, 0)
    return text[lo : start + length + CONTEXT].replace(SEPARATOR, "。")
