"""Derived frames shared by the Open Contracting Partnership red flags (R024, R025, R058 …).

The definitions follow the OCP's Cardinal documentation: an award is *final* when it is
active, cancelled or unsuccessful; a lot's awards are final when none is pending; a lot
has a *single winner* when exactly one award row is active and it names a bidder.
"""

from __future__ import annotations

import polars as pl

from jianzheng.supervision.context import Context

FINAL_AWARD_STATUSES = ("active", "cancelled", "unsuccessful")


def lots_with_final_awards(ctx: Context) -> pl.DataFrame:
    """``lot_id`` of in-scope lots with at least one award row, all of them final."""

    def build() -> pl.DataFrame:
        return (
            ctx.awards_in_scope()
            .group_by("lot_id")
            .agg(pl.col("status").is_in(FINAL_AWARD_STATUSES).all().alias("final"))
            .filter(pl.col("final"))
            .select("lot_id")
        )

    result: pl.DataFrame = ctx.cached("ocp.lots_with_final_awards", build)
    return result


def single_winners(ctx: Context) -> pl.DataFrame:
    """``lot_id, winner_id, award_event_seq`` for lots whose awards are final and name one winner."""

    def build() -> pl.DataFrame:
        active = ctx.awards_in_scope().filter(pl.col("status") == "active")
        one = (
            active.group_by("lot_id")
            .agg(
                pl.len().alias("n"),
                pl.col("bidder_id").first().alias("winner_id"),
                pl.col("event_seq").first().alias("award_event_seq"),
            )
            .filter((pl.col("n") == 1) & pl.col("winner_id").is_not_null())
            .drop("n")
        )
        return one.join(lots_with_final_awards(ctx), on="lot_id", how="semi")

    result: pl.DataFrame = ctx.cached("ocp.single_winners", build)
    return result


def second_lowest_ratios(ctx: Context) -> pl.DataFrame:
    """The winner's and the lowest other valid bid, and their relative difference.

    One row per lot whose prices may be compared, whose awards are final with a single
    winner, where the winner and another bidder both have a valid single-bidder bid with a
    price, and the lowest other bid is not below the winner's (otherwise the award was not
    on price alone). Columns: lot_id, winner_id, second_id, winner_price_fen,
    second_price_fen, ratio = (second − winner) / winner, winner_bid_id, second_bid_id,
    winner_event_seq, second_event_seq.
    """

    def build() -> pl.DataFrame:
        comparable = ctx.price_comparable_lot_ids().to_frame()
        winners = single_winners(ctx).join(comparable, on="lot_id", how="semi")
        valid = (
            ctx.bids_in_scope()
            .filter(
                (pl.col("status") == "valid")
                & (pl.col("members") == 1)
                & pl.col("bidder_id").is_not_null()
                & pl.col("price_fen").is_not_null()
            )
            .join(winners.select("lot_id", "winner_id"), on="lot_id", how="inner")
            .with_columns((pl.col("bidder_id") == pl.col("winner_id")).alias("is_winner"))
            .sort(["lot_id", "price_fen", "bid_id"])
        )
        best = valid.group_by(["lot_id", "is_winner"]).agg(
            pl.col("bidder_id").first(),
            pl.col("price_fen").first(),
            pl.col("bid_id").first(),
            pl.col("event_seq").first(),
        )
        win = best.filter(pl.col("is_winner")).drop("is_winner")
        other = best.filter(~pl.col("is_winner")).drop("is_winner")
        joined = win.join(other, on="lot_id", suffix="_2")
        return (
            joined.filter((pl.col("price_fen") > 0) & (pl.col("price_fen_2") >= pl.col("price_fen")))
            .select(
                "lot_id",
                pl.col("bidder_id").alias("winner_id"),
                pl.col("bidder_id_2").alias("second_id"),
                pl.col("price_fen").alias("winner_price_fen"),
                pl.col("price_fen_2").alias("second_price_fen"),
                (
                    (pl.col("price_fen_2") - pl.col("price_fen")).cast(pl.Float64)
                    / pl.col("price_fen").cast(pl.Float64)
                ).alias("ratio"),
                pl.col("bid_id").alias("winner_bid_id"),
                pl.col("bid_id_2").alias("second_bid_id"),
                pl.col("event_seq").alias("winner_event_seq"),
                pl.col("event_seq_2").alias("second_event_seq"),
            )
            .sort("lot_id")
        )

    result: pl.DataFrame = ctx.cached("ocp.second_lowest_ratios", build)
    return result
