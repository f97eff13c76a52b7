"""The watch list (重点关注名单): experts, bidders, agencies and people supervisors watch.

An entry names its subject, the reason and the period [valid_from, valid_to) during which
it is watched. While an entry is in force, the subject signing in, registering for a lot
or being drawn for a committee raises a WATCHLIST alert at once (seed 001). Entries are
added and removed by supervisors; each change is an event on ``watchlist:<entry id>``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from jianzheng.domain.calendar import format_instant
from jianzheng.domain.context import Context
from jianzheng.domain.errors import Refusal, invalid
from jianzheng.domain.events import EventDraft, WitnessedEvent
from jianzheng.domain.subjects import PARTY, PERSON, SubjectFacts

MAX_TEXT = 4000

# kind -> (registry the subject is in, label zh, label en)
WATCH_KINDS: dict[str, tuple[str, str, str]] = {
    "expert": (PERSON, "评标专家", "evaluation expert"),
    "person": (PERSON, "人员", "person"),
    "bidder": (PARTY, "投标人", "bidder"),
    "agency": (PARTY, "招标代理机构", "tendering agency"),
}


def watch_stream(entry_id: str) -> str:
    return f"watchlist:{entry_id}"


@dataclass(frozen=True)
class AddWatch:
    kind: str
    subject_id: str
    reason: str
    valid_from: datetime
    valid_to: datetime


@dataclass(frozen=True)
class RemoveWatch:
    entry_id: str
    reason: str


@dataclass
class WatchState:
    entry_id: str
    exists: bool = False
    removed: bool = False
    kind: str = ""
    subject_id: str = ""


def fold_watch(entry_id: str, events: Iterable[WitnessedEvent]) -> WatchState:
    state = WatchState(entry_id)
    for e in events:
        if e.type == "watchlist.added":
            state.exists = True
            state.kind = e.payload["kind"]
            state.subject_id = e.payload["subject_id"]
        elif e.type == "watchlist.removed":
            state.removed = True
    return state


def _text(value: str, field_name: str, what_zh: str, what_en: str) -> str:
    text = value.strip()
    if not text:
        raise invalid(field_name, f"{what_zh}不能为空", f"The {what_en} must not be empty")
    if len(text) > MAX_TEXT:
        raise invalid(field_name, f"{what_zh}不能超过{MAX_TEXT}字", f"The {what_en} exceeds {MAX_TEXT} characters")
    return text


def _fits(kind: str, subject: SubjectFacts) -> bool:
    registry = WATCH_KINDS[kind][0]
    if subject.kind != registry:
        return False
    if kind == "expert":
        return "expert" in subject.person_roles
    if kind in ("bidder", "agency"):
        return subject.party_kind == kind
    return True


def add_watch(cmd: AddWatch, ctx: Context, subject: SubjectFacts | None,
              overlapping: Iterable[str] = ()) -> list[EventDraft]:
    """Add an entry. `overlapping` are the ids of entries in force for the same subject and kind
    whose period meets the new one: a second entry would only double every alert."""
    if cmd.kind not in WATCH_KINDS:
        raise invalid("kind", f"关注对象类型应为：{'、'.join(WATCH_KINDS)}",
                      f"kind must be one of {', '.join(WATCH_KINDS)}")
    registry, label_zh, label_en = WATCH_KINDS[cmd.kind]
    if subject is None:
        kind_zh = "单位" if registry == PARTY else "人员"
        raise invalid("subject_id", f"未找到{kind_zh}：{cmd.subject_id}", f"No {registry} with id {cmd.subject_id!r}")
    if not _fits(cmd.kind, subject):
        raise invalid("subject_id", f"{subject.name}（{subject.subject_id}）不是{label_zh}",
                      f"{subject.name} ({subject.subject_id}) is not a {label_en}")
    reason = _text(cmd.reason, "reason", "关注理由", "reason")
    if cmd.valid_to <= cmd.valid_from:
        raise invalid("valid_to", "关注期限的截止时间应晚于起始时间", "The watch period must end after it starts")
    if cmd.valid_to <= ctx.now:
        raise invalid("valid_to", "关注期限已过，无需列入名单", "The watch period is already over")
    clash = sorted(overlapping)
    if clash:
        raise Refusal("watchlist.duplicate", f"{subject.name}已在重点关注名单中（{'、'.join(clash)}），期限重叠",
                      f"{subject.name} is already watched in an overlapping period ({', '.join(clash)})",
                      field="subject_id", status=409, details={"entries": clash})
    entry_id = ctx.new_id("W")
    return [EventDraft("watchlist.added", watch_stream(entry_id), {
        "entry_id": entry_id, "kind": cmd.kind, "subject_id": subject.subject_id, "subject_name": subject.name,
        "reason": reason, "valid_from": format_instant(cmd.valid_from), "valid_to": format_instant(cmd.valid_to)})]


def remove_watch(state: WatchState, cmd: RemoveWatch, ctx: Context) -> list[EventDraft]:
    if not state.exists:
        raise Refusal("not_found", f"未找到关注名单条目：{state.entry_id}", f"No watch-list entry {state.entry_id!r}",
                      status=404, details={"kind": "关注名单", "id": state.entry_id})
    if state.removed:
        raise Refusal("watchlist.removed", f"该条目已移出名单：{state.entry_id}",
                      f"The entry {state.entry_id} was already removed", status=409)
    reason = _text(cmd.reason, "reason", "移出理由", "reason for removal")
    return [EventDraft("watchlist.removed", watch_stream(state.entry_id), {
        "entry_id": state.entry_id, "subject_id": state.subject_id, "reason": reason})]


@dataclass(frozen=True)
class WatchEntry:
    """An entry as the read table holds it, for matching what happens against the list."""

    entry_id: str
    kind: str
    subject_id: str
    subject_name: str
    reason: str
    valid_from: datetime
    valid_to: datetime
    seq: int | None = None  # the `watchlist.added` event

    def in_force(self, now: datetime) -> bool:
        return self.valid_from <= now < self.valid_to
