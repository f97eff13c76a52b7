"""Helpers shared by the decision modules: events on the lot's stream, stage guards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jianzheng.domain.calendar import format_instant
from jianzheng.domain.errors import Refusal, invalid
from jianzheng.domain.events import EventDraft, lot_stream
from jianzheng.domain.lifecycle import Stage, illegal, next_stage
from jianzheng.domain.lot import LotState


def event(state: LotState, kind: str, payload: dict[str, Any]) -> EventDraft:
    """An event on the lot's stream, checked against the state machine first."""
    if kind != "lot.resumed":
        next_stage(state.stage, kind)
    return EventDraft(kind, lot_stream(state.lot_id), payload)


def require_stage(state: LotState, action: str, *stages: Stage) -> None:
    if state.stage not in stages:
        raise illegal(state.stage, action)


def require_text(value: str, field_name: str, what_zh: str, what_en: str) -> str:
    text = value.strip()
    if not text:
        raise invalid(field_name, f"{what_zh}不能为空", f"The {what_en} must not be empty")
    return text


def iso(instant: datetime) -> str:
    return format_instant(instant)


def conflict(code: str, message_zh: str, message_en: str, **details: Any) -> Refusal:
    return Refusal(code, message_zh, message_en, status=409, details=details)
