"""Identifier generators: random in production, seeded in simulations (deterministic demos)."""

from __future__ import annotations

import random
import secrets
from typing import Protocol

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


class IdGenerator(Protocol):
    def __call__(self, prefix: str) -> str: ...


class RandomIds:
    def __call__(self, prefix: str) -> str:
        return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(10))


class SeededIds:
    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)

    def __call__(self, prefix: str) -> str:
        return prefix + "".join(self._random.choice(_ALPHABET) for _ in range(10))
