"""The bids' texts of some lots as REGS40-4 compares them: split, cleaned of boilerplate, shingled.

Boilerplate is what comes from the lot's own documents (its tender texts, title, tenderer and
agency names) and the sentences and shingles nearly every bidder writes; what is left is what
a bidder wrote itself, which is what two bids may share suspiciously
(`jianzheng.supervision.indicators.regs40_4_consistent_documents`).
"""

from __future__ import annotations

import polars as pl

from jianzheng.supervision.frames import Frames
from jianzheng.supervision.matching import TENDER, hashed
from jianzheng.supervision.similarity import (
    SEPARATOR,
    Doc,
    TextParams,
    mark_boilerplate,
    sentence_bidders,
    sentence_keys,
    shingle_hashes,
    shingles_with_digits,
    split_sentences,
)


class TextCorpus:
    """The bids' texts of some lots: split, cleaned of boilerplate, shingled.

    ``reference`` is the corpus of all history the counts come from (how many bidders use a
    sentence or a shingle); without one the corpus is its own reference (the batch).
    """

    def __init__(self, frames: Frames, details: pl.DataFrame, params: TextParams,
                 reference: TextCorpus | None = None) -> None:
        self.params = params
        docs = (
            details.filter(pl.col("technical_proposal").is_not_null())
            .select("bid_id", *TENDER, "bidder_id", "event_seq", "opened_seq",
                    pl.col("technical_proposal").alias("text"))
            .sort([*TENDER, "bid_id"])
            .with_row_index("doc")
            .with_columns(
                pl.col("doc").cast(pl.Int64),
                pl.struct(list(TENDER)).rank("dense").cast(pl.Int64).alias("tender"),
            )
        )
        self.docs = docs.drop("text")
        self.originals = docs["text"]
        # The text pipeline carries 64-bit hashes of lot and bidder, not the strings: millions of
        # sentence and shingle rows stay small and group fast.
        codes = docs.select("doc", "tender", hashed("lot_id").alias("lot_id"), hashed("bidder_id").alias("bidder_id"))
        sentences = split_sentences(codes.with_columns(docs["text"]), params.min_sentence_chars)
        self.counts: pl.DataFrame = sentence_bidders(sentences) if reference is None else reference.counts
        own_texts = lot_texts(frames, docs["lot_id"].unique())
        own_texts = own_texts.with_row_index("doc").with_columns(
            pl.col("doc").cast(pl.Int64), hashed("lot_id").alias("lot_id")
        )
        own_sentences = split_sentences(own_texts, params.min_sentence_chars)
        marked = mark_boilerplate(sentences, self.counts, own_sentences.select("lot_id", "h"), params)
        del sentences
        self.kept = marked.filter(~pl.col("boilerplate")).sort(["doc", "pos"]).select("doc", "key")
        # What was removed, per tender and reason (the evidence says so); the rest is not kept.
        removed = marked.filter(pl.col("boilerplate"))
        self.removed = removed.group_by(["tender", "reason"]).len()
        self.texts = _joined(self.kept, docs.height)
        h, index, position, digit = shingles_with_digits(self.texts, params.shingle_chars)
        shingles = pl.DataFrame({"doc": index, "pos": position, "h": h, "digit": digit}).join(
            codes, on="doc", how="left"
        )
        # Shingles of the lot's own documents are boilerplate even inside an otherwise new sentence.
        own_docs = own_sentences.sort(["doc", "pos"]).group_by("doc", maintain_order=True).agg(
            pl.col("lot_id").first(), pl.col("key").str.join(SEPARATOR)
        )
        lot_h, lot_index, _ = shingle_hashes(own_docs["key"].to_list(), params.shingle_chars)
        own_shingles = pl.DataFrame({"i": lot_index, "h": lot_h}).join(
            own_docs.with_row_index("i").select(pl.col("i").cast(pl.Int64), "lot_id"), on="i", how="left"
        )
        self.shingles = shingles.join(own_shingles.select("lot_id", "h").unique(), on=["lot_id", "h"], how="anti")
        boiler = removed.select("key").unique()["key"]
        del marked, removed
        common_h, _, _ = shingle_hashes(boiler, params.shingle_chars)
        self.common_hashes = pl.concat([pl.DataFrame({"h": common_h}), own_shingles.select("h")]).unique()
        source = self if reference is None else reference
        self.bidders_per_shingle: pl.DataFrame = (
            self.shingles.group_by("h").agg(pl.col("bidder_id").n_unique().alias("bidders"))
            if reference is None
            else reference.bidders_per_shingle
        )
        self.corpus_bidders = int(source.docs["bidder_id"].n_unique()) if source.docs.height else 0
        # What two bids are compared on: their own shingles, less those that many bidders write
        # (judged only when history is large enough to tell common from rare).
        informative = self.shingles.select("tender", "doc", "bidder_id", "h")
        if self.corpus_bidders >= params.min_corpus_bidders:
            common = self.bidders_per_shingle.filter(pl.col("bidders") >= params.common_bidders).select("h")
            informative = informative.join(common, on="h", how="anti")
        self.informative = informative
        self._docs: dict[int, Doc] = {}

    def doc(self, index: int) -> Doc:
        """One bid's own sentences, as written and as keyed (for the evidence)."""
        if index not in self._docs:
            wanted = self.kept.filter(pl.col("doc") == index)["key"].to_list()
            keys: list[str] = []
            originals: list[str] = []
            # The kept sentences are a subsequence of the text's sentences: walk both in order.
            for key, original in sentence_keys(str(self.originals[index]), self.params.min_sentence_chars):
                if len(keys) < len(wanted) and key == wanted[len(keys)]:
                    keys.append(key)
                    originals.append(original)
            self._docs[index] = Doc(tuple(keys), tuple(originals))
        return self._docs[index]


def _joined(kept: pl.DataFrame, count: int) -> pl.Series:
    """Each doc's kept sentences joined by `SEPARATOR`, in doc order (empty for a doc with none)."""
    grouped = kept.group_by("doc", maintain_order=True).agg(pl.col("key").str.join(SEPARATOR))
    every = pl.DataFrame({"doc": pl.int_range(count, eager=True, dtype=pl.Int64)})
    return every.join(grouped, on="doc", how="left").sort("doc")["key"].fill_null("")


def lot_texts(frames: Frames, lot_ids: pl.Series) -> pl.DataFrame:
    """``lot_id, text`` of each lot's own words: its documents, title, tenderer and agency names."""
    wanted = lot_ids.to_frame("lot_id")
    parts = [frames.tender_texts.join(wanted, on="lot_id", how="semi").select("lot_id", "text")]
    lots = frames.lots.join(wanted, on="lot_id", how="semi")
    names = frames.parties.select("party_id", "name")
    parts.append(lots.select("lot_id", pl.col("title").alias("text")))
    for role in ("tenderer_id", "agency_id"):
        parts.append(
            lots.select("lot_id", role)
            .join(names, left_on=role, right_on="party_id", how="inner")
            .select("lot_id", pl.col("name").alias("text"))
        )
    return pl.concat([p.cast({"text": pl.String()}) for p in parts]).drop_nulls("text")
