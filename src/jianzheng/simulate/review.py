"""How simulated experts read the bids before scoring: the page views their document viewer reports.

An honest expert works through each bid document's sections that matter for the scoring
(the technical proposal, the schedule, the commercial terms): several pages per bid, each
open for a minute or a few. Two kinds of misconduct show in the same record:

* ``review_skipped`` — an expert who scores without reading: a couple of pages per bid,
  open for seconds (seed 001: evaluation time far below what the documents need);
* ``evaluator_bias`` — the favouring expert reads the favoured bid with care and skims the
  others it presses down.

The views are what the viewer would report: bid, document digest, page, when it was
opened and for how long. The platform records them as sent (`RecordReviewPages`); this
module only decides them, from the simulation's seeded generator.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from jianzheng.domain import commands as c

MAX_BATCH = 500  # the platform takes at most this many views per batch


@dataclass(frozen=True)
class Document:
    """A bid's uploaded document as a reviewer opens it."""

    bid_id: str
    sha256: str
    pages: int


def document_pages(size_bytes: int, rng: random.Random) -> int:
    """A plausible page count: construction bids run to a few hundred pages."""
    return max(40, min(600, size_bytes // 2000 + rng.randint(60, 240)))


def _read(rng: random.Random, doc: Document, start: datetime, pages: int, low: float, high: float,
          ) -> tuple[list[c.PageView], datetime]:
    """Open `pages` distinct pages of `doc` in reading order from `start`, each for low..high seconds."""
    chosen = sorted(rng.sample(range(1, doc.pages + 1), min(pages, doc.pages)))
    views = []
    moment = start
    for page in chosen:
        seconds = int(rng.uniform(low, high))
        views.append(c.PageView(doc.bid_id, doc.sha256, page, moment, seconds))
        moment += timedelta(seconds=seconds + rng.randint(1, 6))  # turning to the next page
    return views, moment


def review(rng: random.Random, documents: list[Document], start: datetime, behaviour: str,
           favoured: str = "") -> tuple[list[c.PageView], datetime]:
    """One expert's page views over the lot's bids, and when the reading ends.

    `behaviour`: ``honest``, ``skip`` (scores without reading) or ``biased`` (reads the
    favoured bid, skims the rest).
    """
    views: list[c.PageView] = []
    moment = start
    for doc in documents:
        if behaviour == "skip" or (behaviour == "biased" and doc.bid_id != favoured):
            read, moment = _read(rng, doc, moment, rng.randint(1, 3), 2, 9)
        else:
            read, moment = _read(rng, doc, moment, rng.randint(8, 16), 45, 240)
        views += read
        moment += timedelta(seconds=rng.randint(20, 120))  # closing one bid, opening the next
    return views, moment


def batches(views: list[c.PageView]) -> list[tuple[c.PageView, ...]]:
    """The views in batches the platform accepts, as a viewer would send them."""
    return [tuple(views[i:i + MAX_BATCH]) for i in range(0, len(views), MAX_BATCH)]


def seconds_per_bid(views: list[c.PageView]) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in views:
        out[v.bid_id] = out.get(v.bid_id, 0) + v.seconds
    return out
