"""Events: what the domain decided happened. The service adds the witness envelope.

An `EventDraft` is what a decision returns: a type, the stream it belongs to (``lot:L1``,
``party:P1``, ...) and a JSON-ready payload (strings, integers, booleans, lists, dicts;
money in integer fen; instants as UTC ISO strings). The envelope — sequence number,
server time, actor, role, source IP, command id — is added when the event is appended,
giving a `WitnessedEvent`; its canonical JSON (RFC 8785) is the ledger leaf.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

JSON = dict[str, Any]


@dataclass(frozen=True)
class EventDraft:
    type: str
    stream: str
    payload: JSON = field(default_factory=dict)


@dataclass(frozen=True)
class WitnessedEvent:
    """An appended event with its witness envelope."""

    seq: int
    time: datetime
    actor: str
    role: str
    source_ip: str
    command_id: str
    type: str
    stream: str
    payload: JSON
    origin: str = "platform"  # "platform", or "import:<publisher>" for imported history

    def envelope(self) -> JSON:
        """The leaf document: every field, in the form that is canonicalised and hashed."""
        from jianzheng.domain.calendar import format_instant

        return {
            "seq": self.seq,
            "time": format_instant(self.time),
            "actor": self.actor,
            "role": self.role,
            "source_ip": self.source_ip,
            "command_id": self.command_id,
            "type": self.type,
            "stream": self.stream,
            "origin": self.origin,
            "payload": self.payload,
        }


@dataclass(frozen=True)
class Envelope:
    """Who did it, when, from where, under which command: added to every event at append."""

    time: datetime
    actor: str
    role: str
    source_ip: str
    command_id: str
    origin: str = "platform"


def lot_stream(lot_id: str) -> str:
    return f"lot:{lot_id}"


def project_stream(project_id: str) -> str:
    return f"project:{project_id}"


def party_stream(party_id: str) -> str:
    return f"party:{party_id}"


def person_stream(person_id: str) -> str:
    return f"person:{person_id}"


def user_stream(user_id: str) -> str:
    return f"user:{user_id}"
