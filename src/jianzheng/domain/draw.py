"""The expert draw (专家抽取) as a pure function: seed + candidates in, committee and reserves out.

The request fixes everything but the randomness: the lines (specialty, count, reserves,
local or remote), the pool of candidates with their specialties and regions, and the
exclusions with their reasons. Its digest is the SHA-256 of its payload as compact JSON with
sorted keys. The randomness comes afterwards from the first signed checkpoint of the ledger
that contains the request, with the witnesses' cosignatures on it::

    seed = SHA-256("jianzheng expert draw v1" ‖ 0x0A ‖ request seq (8 bytes, big-endian)
                   ‖ request digest ‖ tree size (8 bytes) ‖ root hash
                   ‖ each cosignature line, sorted, UTF-8)

and the draw orders each line's candidates by SHA-256(seed ‖ line number ‖ person id),
taking the first ``count`` as members and the next ``reserves`` as reserves. An expert
taken in one line is not a candidate in a later one. Anyone holding the ledger can
recompute the digest, the seed and the draw (`run_draw`) and compare.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

SEED_LABEL = b"jianzheng expert draw v1\n"
SCOPES = ("any", "local", "remote")


@dataclass(frozen=True)
class Requirement:
    """One line of a draw request: how many experts of a specialty, from where, with how many reserves."""

    specialty: str
    count: int
    reserves: int = 2
    scope: str = "any"  # any, local (the lot's city) or remote (远程异地: another city)


@dataclass(frozen=True)
class Candidate:
    person_id: str
    specialties: tuple[str, ...]
    region: str

    def covers(self, specialty: str) -> bool:
        return any(code.startswith(specialty) for code in self.specialties)


@dataclass(frozen=True)
class Pick:
    line: int  # 1-based line of the request
    person_id: str
    position: int  # 1-based order within the line (members first, then reserves)
    reserve: bool


def same_city(region: str, other: str) -> bool:
    """GB/T 2260: the first four digits name the prefecture-level city."""
    return region[:4] == other[:4]


def in_scope(candidate: Candidate, scope: str, local_region: str) -> bool:
    if scope == "local":
        return same_city(candidate.region, local_region)
    if scope == "remote":
        return not same_city(candidate.region, local_region)
    return True


def line_candidates(pool: Sequence[Candidate], requirement: Requirement, local_region: str,
                    excluded: Iterable[str] = ()) -> list[Candidate]:
    """The eligible candidates of a line, sorted by person id (the order is irrelevant to the draw)."""
    out = set(excluded)
    return sorted((c for c in pool if c.person_id not in out and c.covers(requirement.specialty)
                   and in_scope(c, requirement.scope, local_region)), key=lambda c: c.person_id)


def canonical(payload: Any) -> bytes:
    """Compact JSON with sorted keys, UTF-8: the bytes a digest is taken of."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def request_digest(payload: dict[str, Any]) -> bytes:
    return hashlib.sha256(canonical(payload)).digest()


def draw_seed(request_seq: int, digest: bytes, tree_size: int, root_hash: bytes,
              cosignatures: Sequence[str]) -> bytes:
    h = hashlib.sha256(SEED_LABEL)
    h.update(request_seq.to_bytes(8, "big"))
    h.update(digest)
    h.update(tree_size.to_bytes(8, "big"))
    h.update(root_hash)
    for line in sorted(cosignatures):
        h.update(line.encode("utf-8"))
    return h.digest()


def _rank(seed: bytes, line: int, person_id: str) -> bytes:
    return hashlib.sha256(seed + line.to_bytes(4, "big") + person_id.encode("utf-8")).digest()


def run_draw(seed: bytes, requirements: Sequence[Requirement], pool: Sequence[Candidate],
             local_region: str) -> list[Pick]:
    """The draw: for each line in order, its candidates ordered by their hash with the seed."""
    taken: set[str] = set()
    picks: list[Pick] = []
    for number, requirement in enumerate(requirements, start=1):
        ordered = sorted(line_candidates(pool, requirement, local_region, taken),
                         key=lambda c: _rank(seed, number, c.person_id))
        chosen = ordered[: requirement.count + requirement.reserves]
        for position, candidate in enumerate(chosen, start=1):
            picks.append(Pick(number, candidate.person_id, position, position > requirement.count))
            taken.add(candidate.person_id)
    return picks


def shortfall(requirements: Sequence[Requirement], pool: Sequence[Candidate], local_region: str) -> list[int]:
    """Lines that could come up short of members whatever the seed (1-based line numbers).

    Worst case for a line: every member and reserve of the earlier lines was taken from its
    own candidates.
    """
    short: list[int] = []
    taken_before = 0
    for number, requirement in enumerate(requirements, start=1):
        available = len(line_candidates(pool, requirement, local_region))
        if available - taken_before < requirement.count:
            short.append(number)
        taken_before += requirement.count + requirement.reserves
    return short


def requirements_from(payload: Sequence[dict[str, Any]]) -> list[Requirement]:
    return [Requirement(r["specialty"], int(r["count"]), int(r["reserves"]), r["scope"]) for r in payload]


def pool_from(payload: Sequence[dict[str, Any]]) -> list[Candidate]:
    return [Candidate(c["person_id"], tuple(c["specialties"]), c["region"]) for c in payload]


def picks_payload(picks: Sequence[Pick]) -> list[dict[str, Any]]:
    return [{"line": p.line, "person_id": p.person_id, "position": p.position, "reserve": p.reserve} for p in picks]
