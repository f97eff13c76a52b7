"""Live feed: an in-process publish/subscribe hub the web layer turns into server-sent events.

The supervision desk publishes each alert event after its commit; every subscriber gets
its own bounded queue, read from a thread (`Subscription.get`) or from the event loop
(`await Subscription.next`). Publishing never blocks the command that caused it: a slow
subscriber that lets its queue fill loses the oldest messages and is told how many
(`dropped`), and a reconnecting client resumes from the read tables by ledger position.
The hub lives in one process; several API workers each have their own, which is why
every message carries its ledger `seq` for resuming.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Message:
    """One published item: its topic (e.g. ``alert.raised``), ledger position and JSON data."""

    topic: str
    seq: int
    data: dict[str, Any] = field(default_factory=dict)


class Subscription:
    """A subscriber's queue. Thread-safe; awaitable from any event loop."""

    def __init__(self, hub: LiveHub, topics: frozenset[str] | None, capacity: int) -> None:
        self._hub = hub
        self.topics = topics
        self._items: deque[Message] = deque(maxlen=capacity)
        self._ready = threading.Condition()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self.dropped = 0
        self.closed = False

    def wants(self, message: Message) -> bool:
        return self.topics is None or message.topic in self.topics or message.topic.split(".")[0] in self.topics

    def push(self, message: Message) -> None:
        with self._ready:
            if len(self._items) == self._items.maxlen:
                self.dropped += 1
            self._items.append(message)
            self._ready.notify_all()
            waiters = list(self._waiters)
        for loop, event in waiters:
            with contextlib.suppress(RuntimeError):  # that loop has closed; its waiter is gone
                loop.call_soon_threadsafe(event.set)

    def _pop(self) -> Message | None:
        return self._items.popleft() if self._items else None

    def get(self, timeout: float | None = None) -> Message | None:
        """The next message, waiting up to `timeout` seconds (None: no message came)."""
        with self._ready:
            if not self._items and not self.closed:
                self._ready.wait(timeout)
            return self._pop()

    async def next(self, timeout: float) -> Message | None:
        """The next message, awaiting up to `timeout` seconds without holding a thread."""
        loop = asyncio.get_running_loop()
        event = asyncio.Event()
        with self._ready:
            found = self._pop()
            if found is not None or self.closed:
                return found
            self._waiters.append((loop, event))
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            pass
        finally:
            with self._ready:
                self._waiters.remove((loop, event))
        with self._ready:
            return self._pop()

    def close(self) -> None:
        with self._ready:
            self.closed = True
            self._ready.notify_all()
        self._hub.unsubscribe(self)


class LiveHub:
    """Fan-out of published messages to the current subscribers."""

    def __init__(self, capacity: int = 1000) -> None:
        self.capacity = capacity
        self._subscribers: list[Subscription] = []
        self._lock = threading.Lock()

    def subscribe(self, topics: set[str] | frozenset[str] | None = None) -> Subscription:
        """A new subscription to topics (``alert`` matches every ``alert.*``); None: everything."""
        sub = Subscription(self, frozenset(topics) if topics is not None else None, self.capacity)
        with self._lock:
            self._subscribers.append(sub)
        return sub

    @contextmanager
    def subscription(self, topics: set[str] | frozenset[str] | None = None) -> Iterator[Subscription]:
        sub = self.subscribe(topics)
        try:
            yield sub
        finally:
            sub.close()

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            if sub in self._subscribers:
                self._subscribers.remove(sub)

    @property
    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subscribers)

    def publish(self, message: Message) -> int:
        """Deliver to every interested subscriber; returns how many got it."""
        with self._lock:
            targets = [s for s in self._subscribers if s.wants(message)]
        for sub in targets:
            sub.push(message)
        return len(targets)
