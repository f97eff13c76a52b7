"""The run context: validated frames, global settings and derived frames shared by indicators.

Several indicators read the same derived data (the lots in scope, the submitted bids, the
winner-versus-runner-up price ratio). The context computes each once per run and caches
it, so adding an indicator does not add a pass over a million bids.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from jianzheng.supervision.frames import SUBMITTED_BID_STATUSES, Frames
from jianzheng.supervision.settings import GlobalSettings


class Context:
    """Frames plus global settings, with a per-run cache of derived frames."""

    def __init__(self, frames: Frames, global_settings: GlobalSettings, reference: Frames | None = None) -> None:
        self.frames = frames.with_optional_columns()
        # The whole history, for statistics a lot is compared against (how many bidders use a
        # sentence, a fingerprint, a phone). In the batch it is the frames themselves; in real
        # time the frames hold the event's lots only and this holds everything that was loaded.
        self.reference = self.frames if reference is None else reference.with_optional_columns()
        self.global_settings = global_settings
        self._cache: dict[str, Any] = {}

    def cached(self, key: str, build: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    def lots_in_scope(self) -> pl.DataFrame:
        """Lots not excluded by stage or by procurement method details."""

        def build() -> pl.DataFrame:
            g = self.global_settings
            lots = self.frames.lots.filter(~pl.col("stage").is_in(list(g.excluded_stages)))
            if g.excluded_procurement_method_details:
                lots = lots.filter(
                    pl.col("procurement_method_details").is_null()
                    | ~pl.col("procurement_method_details").is_in(list(g.excluded_procurement_method_details))
                )
            return lots

        result: pl.DataFrame = self.cached("lots_in_scope", build)
        return result

    def price_comparable_lot_ids(self) -> pl.Series:
        """Ids of in-scope lots whose bid prices may be compared (Cardinal's global rule)."""

        def build() -> pl.Series:
            g = self.global_settings
            details = pl.col("procurement_method_details")
            lots = self.lots_in_scope()
            if g.price_comparison_procurement_method_details:
                lots = lots.filter(
                    details.is_not_null() & details.is_in(list(g.price_comparison_procurement_method_details))
                )
            elif g.no_price_comparison_procurement_method_details:
                lots = lots.filter(
                    details.is_null() | ~details.is_in(list(g.no_price_comparison_procurement_method_details))
                )
            return lots["lot_id"]

        result: pl.Series = self.cached("price_comparable_lot_ids", build)
        return result

    def bids_in_scope(self) -> pl.DataFrame:
        """Bids on in-scope lots, with ``members``: how many bidders share the bid id."""

        def build() -> pl.DataFrame:
            lots = self.lots_in_scope().select("lot_id")
            return self.frames.bids.join(lots, on="lot_id", how="semi").with_columns(
                pl.len().over("bid_id").alias("members")
            )

        result: pl.DataFrame = self.cached("bids_in_scope", build)
        return result

    def submitted_bids(self) -> pl.DataFrame:
        """In-scope bids that were submitted: valid, disqualified or pending."""

        def build() -> pl.DataFrame:
            return self.bids_in_scope().filter(pl.col("status").is_in(SUBMITTED_BID_STATUSES))

        result: pl.DataFrame = self.cached("submitted_bids", build)
        return result

    def awards_in_scope(self) -> pl.DataFrame:
        def build() -> pl.DataFrame:
            lots = self.lots_in_scope().select("lot_id")
            return self.frames.awards.join(lots, on="lot_id", how="semi")

        result: pl.DataFrame = self.cached("awards_in_scope", build)
        return result

    def in_scope(self, name: str) -> pl.DataFrame:
        """One of the lot frames (``bid_details``, ``deposits`` …) restricted to the lots in scope."""

        def build() -> pl.DataFrame:
            frame: pl.DataFrame = getattr(self.frames, name)
            return frame.join(self.lots_in_scope().select("lot_id"), on="lot_id", how="semi")

        result: pl.DataFrame = self.cached(f"in_scope.{name}", build)
        return result
