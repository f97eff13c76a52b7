"""Shared arithmetic of the late-step process warnings: the reference time and the days late.

Statutory periods are counted in Asia/Shanghai calendar days (domain.md): a step due
"within N days" of an event is late from the (N+1)th local day on. A step that has not
happened yet is judged as of a reference time: the operator's `as_of` setting, otherwise
the latest instant the frames record — the batch judges the history as of its last
recorded activity, which on a working platform is now and in a simulation is the
simulated present.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from jianzheng.supervision.context import Context

SHANGHAI = "Asia/Shanghai"

# (frame, column) pairs holding instants of recorded activity.
_ACTIVITY = (
    ("lots", ("tender_start", "bid_deadline", "opened_at", "awarded_at", "contract_signed_at")),
    ("bids", ("submitted_at",)),
    ("awards", ("awarded_at",)),
    ("deposits", ("paid_at", "refunded_at")),
    ("rule_warnings", ("at",)),
)


def reference_time(ctx: Context, as_of: datetime | None) -> datetime | None:
    """`as_of` if set, else the latest instant in the frames (None for empty frames)."""
    if as_of is not None:
        return as_of

    def build() -> datetime | None:
        latest: datetime | None = None
        for name, columns in _ACTIVITY:
            frame: pl.DataFrame = getattr(ctx.frames, name)
            for column in columns:
                if column in frame.columns and frame.height:
                    value = frame[column].max()
                    if isinstance(value, datetime) and (latest is None or value > latest):
                        latest = value
        return latest

    result: datetime | None = ctx.cached("process.reference_time", build)
    return result


def local_date(column: str | pl.Expr) -> pl.Expr:
    """The Asia/Shanghai calendar date of a UTC datetime column."""
    expr = pl.col(column) if isinstance(column, str) else column
    return expr.dt.convert_time_zone(SHANGHAI).dt.date()


def days_late(start: str, done: str, period: pl.Expr, reference: datetime) -> pl.Expr:
    """Local days past the deadline (start's local date + period): of `done`, or of the reference if not done."""
    end = pl.coalesce(pl.col(done), pl.lit(reference).cast(pl.Datetime("us", "UTC")))
    deadline = local_date(start) + pl.duration(days=period)
    return (local_date(end) - deadline).dt.total_days()
