"""Clocks: the server's own (millisecond precision, UTC) and a settable one for simulations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


def _to_ms(instant: datetime) -> datetime:
    # Events carry milliseconds; decisions use the same instant that is recorded.
    return instant.replace(microsecond=instant.microsecond // 1000 * 1000)


class SystemClock:
    def now(self) -> datetime:
        return _to_ms(datetime.now(UTC))


class SimulatedClock:
    """A clock the simulator and the tests move by hand."""

    def __init__(self, start: datetime) -> None:
        self._now = _to_ms(start.astimezone(UTC))

    def now(self) -> datetime:
        return self._now

    def set(self, instant: datetime) -> None:
        self._now = _to_ms(instant.astimezone(UTC))

    def advance(self, delta: timedelta) -> datetime:
        self._now = _to_ms(self._now + delta)
        return self._now
