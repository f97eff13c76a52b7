"""A discrete-event loop: many actors' processes interleaved in time on one simulated clock.

A process is a generator that yields the instant at which it wants to act next; the loop
runs the earliest one, setting the platform's clock to that instant first, so the ledger's
times only move forward and every statutory period is counted on real (simulated) dates.
Ties run in the order they were scheduled, which keeps a seed's run identical. Anything
due after the end of the simulated year is not run: the data is the year's snapshot.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Generator
from datetime import datetime

Process = Generator[datetime, None, None]


class Scheduler:
    def __init__(self, now: Callable[[], datetime], set_time: Callable[[datetime], None], end: datetime) -> None:
        self.now = now
        self.set_time = set_time
        self.end = end
        self._queue: list[tuple[datetime, int, Process]] = []
        self._order = 0
        self.unfinished = 0  # processes still waiting when the year ended

    def spawn(self, process: Process, at: datetime) -> None:
        """Start `process` at `at` (its code up to the first yield runs then)."""
        self._order += 1
        heapq.heappush(self._queue, (at, self._order, process))

    def run(self) -> None:
        while self._queue:
            at, _, process = heapq.heappop(self._queue)
            if at > self.end:
                self.unfinished += 1
                process.close()
                continue
            if at > self.now():
                self.set_time(at)
            try:
                following = next(process)
            except StopIteration:
                continue
            self._order += 1
            heapq.heappush(self._queue, (max(following, self.now()), self._order, process))
