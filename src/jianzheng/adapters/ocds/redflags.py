"""The Open Contracting Partnership's red flags on imported data, publisher by publisher.

Imported processes are read back from the ledger as compiled releases (the same releases
`jianzheng export ocds` writes) and turned into analytic frames by `frames.frames_from_lines`,
one publisher at a time: each publisher's money is in its own currency, and the frames
compare prices only within one currency. Then the indicators with an OCP code (R003 … R058)
run in the batch with their default settings, or the overrides given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jianzheng.adapters.ocds.export import document, dumps, export_processes
from jianzheng.adapters.ocds.frames import frames_from_lines
from jianzheng.services.ports import Blobs, Store
from jianzheng.supervision import Alert, Frames, all_indicators, run_batch

OCP_CODE = re.compile(r"^R\d{3}$")


def ocp_codes() -> list[str]:
    """The registered indicators that implement an OCP red flag, by code."""
    return sorted(code for code in all_indicators() if OCP_CODE.match(code))


@dataclass(frozen=True)
class PublisherFlags:
    """One publisher's imported processes and what the red flags found in them."""

    source: str  # import:<publisher namespace>
    processes: int
    bids: int
    alerts: list[Alert]

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {code: 0 for code in ocp_codes()}
        for alert in self.alerts:
            found[alert.indicator] = found.get(alert.indicator, 0) + 1
        return found


def imported_frames(store: Store, blobs: Blobs, prefix: str,
                    sources: Iterable[str] | None = None) -> dict[str, Frames]:
    """Analytic frames of the imported processes, keyed by source (``import:<publisher>``)."""
    wanted = set(sources) if sources is not None else None
    lines: dict[str, list[str]] = {}
    for process in export_processes(store, blobs, prefix):
        if process.source == "platform" or (wanted is not None and process.source not in wanted):
            continue
        lines.setdefault(process.source, []).append(dumps(document(process.compiled)))
    return {source: frames_from_lines(items, publisher=source.removeprefix("import:"))
            for source, items in sorted(lines.items())}


def red_flags(store: Store, blobs: Blobs, prefix: str, sources: Iterable[str] | None = None,
              overrides: Mapping[str, Mapping[str, Any]] | None = None) -> list[PublisherFlags]:
    """Run the OCP red flags over each publisher's imported processes."""
    results = []
    for source, frames in imported_frames(store, blobs, prefix, sources).items():
        alerts = run_batch(frames, overrides, indicators=ocp_codes())
        results.append(PublisherFlags(source, frames.lots.height, frames.bids["bid_id"].n_unique(), alerts))
    return results
