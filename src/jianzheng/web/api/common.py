"""Helpers shared by the lot routers: run one lifecycle command and answer with its events."""

from __future__ import annotations

from typing import Any

from jianzheng.web.deps import Caller
from jianzheng.web.schemas import Changed, changed


def run(call: Caller, lot_id: str, command: Any) -> Changed:
    """Authorize, decide and witness one command on a lot (Platform.lot_command)."""
    return changed(call.services.platform.lot_command(call.actor, lot_id, command, call.ip))
