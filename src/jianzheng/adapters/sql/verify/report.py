"""What `verify` found: each discrepancy named in Chinese and English, counts and timings.

A discrepancy has a stable ``kind`` (``table.field``, ``tree.leaf``, ``blob.sm3`` …) and
the coordinates that locate it: table, key and field with the live and replayed values;
the event's sequence number or leaf index; the tree node; the checkpoint's tree size; the
blob's digest. *Consequences* are discrepancies that follow from another one already
reported (the tree nodes above a changed leaf, the checkpoints after a deleted event):
they are counted and listed, but the summary points at the primary ones. *Warnings* (a
cosignature from a witness whose key was not given) do not make verification fail.

The report keeps at most ``limit`` discrepancies of each kind; the counts are always
complete.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"


def shown(value: Any, width: int = 160) -> str:
    """A value as the report prints it: JSON-like, shortened to ``width`` characters."""
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, bytes):
        text = value.hex()
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
        except (TypeError, ValueError):
            text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass(frozen=True)
class Discrepancy:
    """One thing that does not hold, with where it is and what was expected."""

    kind: str
    zh: str
    en: str
    table: str | None = None
    key: str | None = None
    field: str | None = None
    live: Any = None
    replayed: Any = None
    seq: int | None = None
    leaf: int | None = None
    node: tuple[int, int] | None = None
    checkpoint: int | None = None
    digest: str | None = None
    consequence: bool = False
    severity: str = ERROR

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "severity": self.severity, "message_zh": self.zh,
                               "message_en": self.en, "consequence": self.consequence}
        for name in ("table", "key", "field", "seq", "leaf", "checkpoint", "digest"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.node is not None:
            out["node"] = {"level": self.node[0], "index": self.node[1]}
        if self.kind.startswith("table.") or self.kind == "event.column":
            out["live"] = _jsonable(self.live)
            out["replayed" if self.kind.startswith("table.") else "entry"] = _jsonable(self.replayed)
        return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
    return value


@dataclass
class Report:
    """Everything verification found, and what it looked at."""

    limit: int = 100
    discrepancies: list[Discrepancy] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    consequences: Counter[str] = field(default_factory=Counter)
    warnings: Counter[str] = field(default_factory=Counter)
    stats: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)  # wall-clock seconds per phase
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per phase (main process)
    notes: list[tuple[str, str]] = field(default_factory=list)

    def add(self, discrepancy: Discrepancy) -> None:
        kind = discrepancy.kind
        if discrepancy.severity == WARNING:
            self.warnings[kind] += 1
        elif discrepancy.consequence:
            self.consequences[kind] += 1
        else:
            self.counts[kind] += 1
        total = self.counts[kind] + self.consequences[kind] + self.warnings[kind]
        if total <= self.limit:
            self.discrepancies.append(discrepancy)

    def merge(self, other: Report) -> None:
        """Take over another report's findings (the ledger checks' worker process)."""
        shown: Counter[str] = Counter(d.kind for d in self.discrepancies)
        for discrepancy in other.discrepancies:
            if shown[discrepancy.kind] < self.limit:
                self.discrepancies.append(discrepancy)
                shown[discrepancy.kind] += 1
        self.counts.update(other.counts)
        self.consequences.update(other.consequences)
        self.warnings.update(other.warnings)
        self.notes.extend(other.notes)
        for phase, seconds in other.timings.items():
            self.timings[phase] = self.timings.get(phase, 0.0) + seconds
        for phase, seconds in other.cpu.items():
            self.cpu[f"{phase} (worker)"] = seconds

    def note(self, zh: str, en: str) -> None:
        """Something the reader should know that is not a discrepancy (e.g. the replay mode)."""
        self.notes.append((zh, en))

    @property
    def errors(self) -> int:
        return sum(self.counts.values()) + sum(self.consequences.values())

    @property
    def ok(self) -> bool:
        return self.errors == 0

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "errors": self.errors,
            "counts": dict(sorted(self.counts.items())),
            "consequences": dict(sorted(self.consequences.items())),
            "warnings": dict(sorted(self.warnings.items())),
            "stats": self.stats,
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "cpu": {k: round(v, 3) for k, v in self.cpu.items()},
            "notes": [{"zh": zh, "en": en} for zh, en in self.notes],
            "limit_per_kind": self.limit,
            "discrepancies": [d.as_json() for d in self.discrepancies],
        }
