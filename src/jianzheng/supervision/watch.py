"""WATCHLIST alerts (重点关注名单预警): a watched subject just did something supervisors watch for.

Seed 001: when an expert, bidder or agency on the watch list signs in, logs in with its
digital certificate (here: signs in to the online opening hall), registers for a lot or is
drawn for an evaluation committee, the
supervisors are alerted at once. These alerts are not found in the analytic frames — they
are raised by the supervision desk as the triggering event is appended — so this is an
alert builder, not a batch indicator. Documented in docs/indicators/WATCHLIST.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from jianzheng.domain.calendar import format_instant
from jianzheng.domain.watchlist import WATCH_KINDS, WatchEntry
from jianzheng.supervision.alert import Alert, AlertParty, Severity, Subject, evidence

CODE = "WATCHLIST"
BASIS = "重点关注名单（昆明“四+一”智慧监管，seed 001）/ watch list (seed 001)"

# What each triggering event means, in both languages.
ACTIVITIES: dict[str, tuple[str, str]] = {
    "user.signed_in": ("登录平台", "signed in to the platform"),
    "lot.bidder_registered": ("报名投标", "registered to bid on a lot"),
    "lot.committee_formed": ("被抽取为评标委员会成员", "was drawn for an evaluation committee"),
    # Signing in to the online opening hall (不见面开标) with the bidder's certificate.
    "lot.hall_signed_in": ("在开标大厅签到", "signed in to the online opening hall"),
}


def watch_alert(entry: WatchEntry, event_type: str, event_seq: int, at: datetime, source_ip: str,
                lot_id: str | None = None, detail: Mapping[str, Any] | None = None,
                severity: Severity = "high") -> Alert:
    """The alert for one watched subject's activity (one triggering event)."""
    _, label_zh, label_en = WATCH_KINDS[entry.kind]
    action_zh, action_en = ACTIVITIES[event_type]
    where_zh = f"（标段 {lot_id}）" if lot_id else ""
    where_en = f" (lot {lot_id})" if lot_id else ""
    subject: Subject = entry.kind  # type: ignore[assignment]  # the watch kinds are alert subjects
    is_party = WATCH_KINDS[entry.kind][0] == "party"
    return Alert(
        indicator=CODE,
        severity=severity,
        subject=subject,
        subject_id=entry.subject_id,
        lot_ids=(lot_id,) if lot_id else (),
        parties=(AlertParty(entry.subject_id, entry.kind),) if is_party else (),
        person_ids=() if is_party else (entry.subject_id,),
        explanation_zh=f"重点关注{label_zh}{entry.subject_name}{action_zh}{where_zh}；列入名单理由：{entry.reason}",
        explanation_en=(f"Watched {label_en} {entry.subject_name} {action_en}{where_en}; "
                        f"watched because: {entry.reason}"),
        evidence=(
            evidence("watch_entry", {
                "entry_id": entry.entry_id, "kind": entry.kind, "subject_id": entry.subject_id,
                "subject_name": entry.subject_name, "reason": entry.reason,
                "valid_from": format_instant(entry.valid_from), "valid_to": format_instant(entry.valid_to),
            }, [entry.seq]),
            evidence("activity", {
                "event_type": event_type, "at": format_instant(at), "source_ip": source_ip, "lot_id": lot_id,
                **dict(detail or {}),
            }, [event_seq]),
        ),
    )
