"""Re-running a recorded draw from its two ledger events, with every check named.

`replay_draw(request, drawn)` takes the ``lot.expert_draw_requested`` and
``lot.experts_drawn`` events as the ledger holds them and checks, without trusting any
recorded result:

* ``request_first`` — the request was appended before the draw, and the draw names it;
* ``request_digest`` — the digest of the request's payload is the one the seed used;
* ``checkpoint_covers_request`` — the checkpoint's tree contains the request;
* ``cosignatures_named`` — one cosignature from each witness the request named, no others;
* ``seed`` — the seed recomputed from the request and the checkpoint equals the recorded one;
* ``candidates`` — the candidates and exclusions recorded with the draw are the request's;
* ``draw`` — running the draw again gives exactly the recorded members and reserves.

What needs the ledger's tree and keys (the root hash, the signatures) is added by the
service (`jianzheng.services.experts`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jianzheng.domain.draw import draw_seed, picks_payload, pool_from, request_digest, requirements_from, run_draw
from jianzheng.domain.events import WitnessedEvent


@dataclass
class CheckResult:
    request_id: str
    lot_stream: str
    request: WitnessedEvent
    drawn: WitnessedEvent | None
    checks: list[dict[str, Any]] = field(default_factory=list)
    picks: list[dict[str, Any]] = field(default_factory=list)  # the picks recomputed here

    def add(self, name: str, ok: bool, zh: str, en: str) -> None:
        self.checks.append({"check": name, "ok": ok, "zh": zh, "en": en})

    @property
    def ok(self) -> bool:
        return self.drawn is not None and all(c["ok"] for c in self.checks)

    def as_json(self) -> dict[str, Any]:
        return {"request_id": self.request_id, "request_seq": self.request.seq,
                "drawn_seq": self.drawn.seq if self.drawn else None, "ok": self.ok,
                "status": "drawn" if self.drawn else "requested", "checks": list(self.checks),
                "seed": self.drawn.payload["seed"] if self.drawn else None, "picks": list(self.picks)}


def _name(line: str) -> str:
    return line.removeprefix("\u2014 ").split(" ", 1)[0]


def replay_draw(request: WitnessedEvent, drawn: WitnessedEvent | None) -> CheckResult:
    """Check a recorded draw against its request (no drawn event: the draw has not run yet)."""
    rp = request.payload
    result = CheckResult(rp["request_id"], request.stream, request, drawn)
    if drawn is None:
        return result
    p = drawn.payload
    result.add("request_first", request.seq < drawn.seq and int(p["request_seq"]) == request.seq
               and p["request_id"] == rp["request_id"] and drawn.stream == request.stream,
               "抽取申请先于抽取记录在账，且抽取记录引用该申请",
               "The request was recorded before the draw, and the draw names it")
    digest = request_digest(rp)
    result.add("request_digest", digest.hex() == p["request_digest"], "申请内容的摘要与种子所用摘要一致",
               "The digest of the request equals the one the seed used")
    size = int(p["checkpoint"]["tree_size"])
    result.add("checkpoint_covers_request", size >= request.seq, "检查点的树包含抽取申请",
               "The checkpoint's tree contains the request")
    named = sorted(rp["witnesses"])
    used = sorted(_name(line) for line in p["cosignatures"])
    result.add("cosignatures_named", used == named, "每个申请中指定的见证方恰有一条副签",
               "Exactly one cosignature from each witness the request named")
    seed = draw_seed(request.seq, digest, size, bytes.fromhex(p["checkpoint"]["root_hash"]), p["cosignatures"])
    result.add("seed", seed.hex() == p["seed"], "由申请和检查点重算的种子与记录一致",
               "The seed recomputed from the request and the checkpoint equals the recorded one")
    result.add("candidates", p["candidates"] == rp["pool"] and p["exclusions"] == rp["exclusions"],
               "抽取记录中的候选人与回避名单即申请中的", "The draw's candidates and exclusions are the request's")
    picks = picks_payload(run_draw(seed, requirements_from(rp["requirements"]), pool_from(rp["pool"]),
                                   rp["local_region"]))
    result.picks = picks
    result.add("draw", picks == p["picks"], "重新抽取得到与记录相同的专家和备选",
               "Drawing again gives exactly the recorded experts and reserves")
    return result
