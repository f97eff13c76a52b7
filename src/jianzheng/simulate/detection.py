"""Run the supervision indicators over a simulated year and score them against its labels.

`detect` reads the platform's database into the supervision frames and runs every batch
indicator (what `jianzheng analyze` does); `detections_from_alerts` turns the alerts into
kind-agnostic detected cases; `evaluate` scores them with `jianzheng.simulate.scoring`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from jianzheng.adapters.sql.supervision_frames import load_frames
from jianzheng.bootstrap import Services
from jianzheng.simulate.labels import LABELS_FILE, load_labels
from jianzheng.simulate.scoring import Detection, KindScore, indicator_precision, score
from jianzheng.supervision import run_batch
from jianzheng.supervision.alert import Alert

RULE_ALERT = "PROC-RULE"


def detections_from_alerts(alerts: Iterable[Alert]) -> list[Detection]:
    """One detected case per alert; a rule-warning alert is named after its rule (PROC-RULE:<rule>)."""
    out = []
    for alert in alerts:
        code = alert.indicator
        if code == RULE_ALERT:
            rule = next((e.value for e in alert.evidence if e.fact == "rule"), None)
            code = f"{RULE_ALERT}:{rule}" if isinstance(rule, str) else code
        out.append(Detection(code, tuple(alert.lot_ids), alert.party_ids, tuple(alert.person_ids)))
    return out


def detect(services: Services) -> list[Detection]:
    """Every batch indicator over the whole history of the data directory."""
    loaded = load_frames(services.engine, services.blobs)
    return detections_from_alerts(run_batch(loaded.frames))


@dataclass
class Evaluation:
    scores: dict[str, KindScore]
    indicators: dict[str, tuple[int, int]]  # code -> (cases, true cases)
    alerts: int
    seconds: float


def evaluate(services: Services, data_dir: Path) -> Evaluation:
    """Detect, then score per kind against `labels.jsonl` in `data_dir`."""
    started = time.perf_counter()
    detections = detect(services)
    labels = load_labels(data_dir / LABELS_FILE)
    return Evaluation(score(detections, labels), indicator_precision(detections, labels), len(detections),
                      time.perf_counter() - started)
