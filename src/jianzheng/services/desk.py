"""The supervision desk (监管工作台): alerts and their workflow, the watch list, credit records.

Every change goes through `Platform.execute`, so it is authorized, decided by the pure
domain (`domain.alerts`, `domain.watchlist`, `domain.credit`), appended to the witness
ledger and the read tables in one transaction, and then told to the listeners. The desk
is itself a listener (`on_events`): it raises a PROC-RULE alert for each ``rule.warning``,
a WATCHLIST alert when a watched subject signs in, registers for a lot or is drawn for a
committee, and publishes every alert event to the live hub the web layer streams.

Who may do what (services.policy): supervisors act; the center's staff may look; the
platform itself raises alerts; credit records that are published are public.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from jianzheng.domain import alerts as a
from jianzheng.domain import credit as cr
from jianzheng.domain import watchlist as w
from jianzheng.domain.calendar import format_instant, parse_instant
from jianzheng.domain.context import Context
from jianzheng.domain.errors import invalid, not_found
from jianzheng.domain.events import EventDraft, WitnessedEvent
from jianzheng.domain.roles import Role
from jianzheng.domain.subjects import PARTY
from jianzheng.services.actor import Actor
from jianzheng.services.live import LiveHub, Message
from jianzheng.services.platform import Platform
from jianzheng.services.policy import authorize
from jianzheng.services.ports import ReadSession, WriteSession
from jianzheng.supervision.alert import Alert
from jianzheng.supervision.indicators import proc_rule
from jianzheng.supervision.settings import build_settings
from jianzheng.supervision.watch import ACTIVITIES, watch_alert

log = logging.getLogger(__name__)

ALERT_ORDERS = ("-raised", "raised", "-severity", "-updated")
WATCH_STATES = ("in_force", "all", "removed", "expired", "upcoming")
MAX_PAGE = 1000


def alert_command(alert: Alert, source: str, alert_id: str | None = None) -> a.RaiseAlert:
    """The domain command that records a supervision `Alert` as it is (id, evidence and all).

    `alert_id` is `alert.id` when the caller has computed it already (it hashes the evidence).
    """
    evidence = [dict(item.to_json()) for item in alert.evidence]
    article = next((str(e["value"]) for e in evidence if e.get("fact") == "article" and e.get("value")), None)
    if article is None:
        article = _basis(alert.indicator)
    return a.RaiseAlert(
        alert_id=alert_id or alert.id, indicator=alert.indicator, severity=alert.severity, subject=alert.subject,
        subject_id=alert.subject_id, explanation_zh=alert.explanation_zh, explanation_en=alert.explanation_en,
        lot_ids=alert.lot_ids, parties=tuple((p.party_id, p.role) for p in alert.parties),
        person_ids=alert.person_ids, evidence=tuple(evidence), value=alert.value, source=source, article=article)


@functools.lru_cache(maxsize=256)
def _basis(code: str) -> str | None:
    """The legal basis the indicator declares (registered indicators), else None."""
    from jianzheng.supervision.registry import all_indicators
    from jianzheng.supervision.watch import BASIS, CODE

    if code == CODE:
        return BASIS
    spec = all_indicators().get(code)
    return spec.basis if spec else None


def _status_labels(row: dict[str, Any]) -> dict[str, Any]:
    status = a.AlertStatus(row["status"])
    return {**row, "status_zh": status.label_zh, "status_en": status.label_en}


def _page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise invalid("limit", f"每页条数应在 1 至 {MAX_PAGE} 之间", f"limit must be between 1 and {MAX_PAGE}")
    if offset < 0:
        raise invalid("offset", "偏移量不能为负", "offset must not be negative")


def _choices(name: str, value: Any, allowed: Sequence[str]) -> list[str]:
    values = [v.strip() for v in ([value] if isinstance(value, str) else list(value))]
    bad = [v for v in values if v not in allowed]
    if bad:
        raise invalid(name, f"{name} 的取值应为：{'、'.join(allowed)}（收到 {'、'.join(bad)}）",
                      f"{name} must be one of {', '.join(allowed)} (got {', '.join(bad)})")
    return values


class SupervisionDesk:
    """Use cases of the supervisors' desk; stateless apart from its collaborators."""

    def __init__(self, platform: Platform, live: LiveHub | None = None,
                 indicator_settings: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self.platform = platform
        self.store = platform.store
        self.live = live or LiveHub()
        overrides = indicator_settings or {}
        self.rule_settings = build_settings(proc_rule.CODE, proc_rule.Settings, overrides.get(proc_rule.CODE))

    # -- alerts: raising -------------------------------------------------------------------

    def raise_alerts(self, alerts: Sequence[Alert], actor: Actor | None = None, source: str = "batch",
                     source_ip: str = "127.0.0.1") -> list[str]:
        """Record alerts as `alert.raised` events; an alert whose id is already recorded is skipped.

        Answers the ids newly recorded, in the order given. All or nothing: an alert the
        domain refuses (bad evidence, unknown severity) refuses the whole batch.
        """
        return self._record([(alert, source) for alert in alerts], actor or Actor.system(), source_ip)

    def _record(self, items: Sequence[tuple[Alert, str]], actor: Actor, source_ip: str) -> list[str]:
        authorize(actor, "alert.raise")
        pending: dict[str, tuple[Alert, str]] = {}
        for alert, source in items:
            pending.setdefault(alert.id, (alert, source))  # the id hashes the evidence: compute it once
        if not pending:
            return []

        def decide_in(session: WriteSession, ctx: Context) -> list[EventDraft]:
            # Checked under the append lock, so two batches racing cannot both record an alert.
            known = session.existing_alerts(pending)
            drafts: list[EventDraft] = []
            for alert_id, (alert, source) in pending.items():
                if alert_id not in known:
                    drafts += a.raise_alert(a.AlertState(alert_id), alert_command(alert, source, alert_id), ctx)
            return drafts

        events = self.platform.execute(actor, source_ip, decide_in)
        return [e.payload["alert_id"] for e in events if e.type == "alert.raised"]

    # -- alerts: the workflow --------------------------------------------------------------

    def _act(self, actor: Actor, alert_id: str, command: a.AlertCommand, source_ip: str) -> list[WitnessedEvent]:
        authorize(actor, "alert.act")
        key = alert_id.strip()

        def decide_in(session: WriteSession, ctx: Context) -> list[EventDraft]:
            state = a.fold_alert(key, session.stream_events(a.alert_stream(key)))
            assignee = session.account(command.assignee_id.strip()) if isinstance(command, a.AssignAlert) else None
            subject = None
            if isinstance(command, a.ConfirmAlert) and command.credit is not None:
                subject = session.subject_facts(command.credit.subject_kind, command.credit.subject_id.strip())
            return a.decide_alert(state, command, ctx, assignee, subject)

        return self.platform.execute(actor, source_ip, decide_in)

    def acknowledge(self, actor: Actor, alert_id: str, note: str = "",
                    source_ip: str = "127.0.0.1") -> list[WitnessedEvent]:
        """签收 / acknowledge a new alert."""
        return self._act(actor, alert_id, a.AcknowledgeAlert(note), source_ip)

    def start_review(self, actor: Actor, alert_id: str, note: str = "",
                     source_ip: str = "127.0.0.1") -> list[WitnessedEvent]:
        """开始核查 / start reviewing an acknowledged alert."""
        return self._act(actor, alert_id, a.StartReview(note), source_ip)

    def transfer(self, actor: Actor, alert_id: str, recipient: str, note: str,
                 source_ip: str = "127.0.0.1") -> list[WitnessedEvent]:
        """线索移送 / transfer the alert to discipline inspection (or audit)."""
        return self._act(actor, alert_id, a.TransferAlert(recipient, note), source_ip)

    def dismiss(self, actor: Actor, alert_id: str, reason: str, source_ip: str = "127.0.0.1") -> list[WitnessedEvent]:
        """排除 / dismiss the alert, with the reason."""
        return self._act(actor, alert_id, a.DismissAlert(reason), source_ip)

    def confirm(self, actor: Actor, alert_id: str, finding: str, credit: cr.RecordCredit | None = None,
                source_ip: str = "127.0.0.1") -> list[WitnessedEvent]:
        """确认 / confirm the alert; with `credit`, record a credit record in the same transaction."""
        if credit is not None:
            authorize(actor, "credit.manage")
        return self._act(actor, alert_id, a.ConfirmAlert(finding, credit), source_ip)

    def assign(self, actor: Actor, alert_id: str, assignee: str, note: str = "",
               source_ip: str = "127.0.0.1") -> list[WitnessedEvent]:
        """分派 / assign the alert to a supervisor (user id or username)."""
        return self._act(actor, alert_id, a.AssignAlert(assignee, note), source_ip)

    def comment(self, actor: Actor, alert_id: str, text: str, source_ip: str = "127.0.0.1") -> list[WitnessedEvent]:
        """批注 / comment on the alert."""
        return self._act(actor, alert_id, a.CommentAlert(text), source_ip)

    # -- alerts: reading -------------------------------------------------------------------

    def alerts(self, actor: Actor, filters: Mapping[str, Any] | None = None, order: str = "-raised",
               limit: int = 50, offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
        """Alerts for the workbench, filtered (see `ReadSession.alert_page`) and paged."""
        authorize(actor, "alert.view")
        _page(limit, offset)
        if order not in ALERT_ORDERS:
            raise invalid("order", f"排序应为：{'、'.join(ALERT_ORDERS)}",
                          f"order must be one of {', '.join(ALERT_ORDERS)}")
        wanted: dict[str, Any] = {k: v for k, v in (filters or {}).items() if v not in (None, [], ())}
        if "status" in wanted:
            wanted["status"] = _choices("status", wanted["status"], [s.value for s in a.AlertStatus])
        if "severity" in wanted:
            wanted["severity"] = _choices("severity", wanted["severity"], a.SEVERITIES)
        if "source" in wanted:
            wanted["source"] = _choices("source", wanted["source"], a.SOURCES)
        for key in ("since", "until"):
            if key in wanted:
                wanted[key] = _instant(key, wanted[key])
        if "assignee" in wanted:
            name = str(wanted.pop("assignee")).strip()
            if name in ("", "none", "-"):
                wanted["assignee_id"] = ""
            else:
                with self.store.read() as session:
                    account = session.account(name)
                if account is None:
                    raise invalid("assignee", f"未找到账号：{name}", f"No account {name!r}")
                wanted["assignee_id"] = account.user_id
        with self.store.read() as session:
            total, rows = session.alert_page(wanted, order, limit, offset)
        return total, [_status_labels(r) for r in rows]

    def alert_counts(self, actor: Actor) -> dict[str, dict[str, int]]:
        authorize(actor, "alert.view")
        with self.store.read() as session:
            return session.alert_counts()

    def alert(self, actor: Actor, alert_id: str) -> dict[str, Any]:
        """One alert with its evidence, the witnessed events behind the evidence, its history
        (every workflow event), its comments, its lots and parties by name, and any credit record."""
        authorize(actor, "alert.view")
        key = alert_id.strip()
        with self.store.read() as session:
            row = session.row("alerts", key)
            if row is None:
                raise not_found("预警", key)
            history = session.stream_events(a.alert_stream(key))
            seqs = {s for item in row["evidence"] for s in item.get("event_seqs", [])}
            evidence_events = session.events_by_seq(seqs)
            comments = session.rows("alert_comments", {"alert_id": key}, order_by="seq")
            lots = [session.row("lots", lot_id) for lot_id in row["lot_ids"]]
            parties = [session.row("parties", pid) for pid in row["party_ids"]]
            persons = [session.row("persons", pid) for pid in row["person_ids"]]
            record = session.row("credit_records", row["credit_record_id"]) if row["credit_record_id"] else None
            names = self._names(session, {e.actor for e in history} | {c["author_id"] for c in comments})
        detail = _status_labels(row)
        detail["history"] = [{**_event_json(e), "actor_name": names.get(e.actor, e.actor)} for e in history]
        detail["evidence_events"] = [_event_json(e) for e in evidence_events]
        detail["comments"] = [{**c, "author_name": names.get(c["author_id"], c["author_id"])} for c in comments]
        detail["lots"] = [{"lot_id": r["lot_id"], "name": r["name"], "stage": r["stage"], "project_id": r["project_id"]}
                          for r in lots if r]
        detail["party_names"] = {r["party_id"]: r["name"] for r in parties if r}
        detail["person_names"] = {r["person_id"]: r["name"] for r in persons if r}
        detail["credit_record"] = record
        detail["next_actions"] = _next_actions(a.AlertStatus(row["status"]))
        return detail

    @staticmethod
    def _names(session: ReadSession, user_ids: set[str]) -> dict[str, str]:
        found = session.rows("users", {"user_id": sorted(user_ids)}) if user_ids else []
        return {r["user_id"]: r["display_name"] or r["username"] for r in found}

    def alerts_after(self, actor: Actor, seq: int, limit: int = 100) -> list[dict[str, Any]]:
        """Alerts raised after ledger position `seq` (to resume a live stream)."""
        authorize(actor, "alert.view")
        with self.store.read() as session:
            return [_status_labels(r) for r in session.alerts_after(seq, limit)]

    # -- watch list ------------------------------------------------------------------------

    def watch(self, actor: Actor, kind: str, subject_id: str, reason: str, valid_to: datetime,
              valid_from: datetime | None = None, source_ip: str = "127.0.0.1") -> list[WitnessedEvent]:
        """列入重点关注名单 / add a subject to the watch list for [valid_from, valid_to)."""
        authorize(actor, "watchlist.manage")
        key = subject_id.strip()

        def decide_in(session: WriteSession, ctx: Context) -> list[EventDraft]:
            start = valid_from or ctx.now
            cmd = w.AddWatch(kind.strip(), key, reason, start, valid_to)
            registry = w.WATCH_KINDS.get(cmd.kind, ("",))[0]
            subject = session.subject_facts(registry, key) if registry else None
            overlaps = session.watch_overlaps(cmd.kind, key, start, valid_to) if subject else []
            return w.add_watch(cmd, ctx, subject, overlaps)

        return self.platform.execute(actor, source_ip, decide_in)

    def unwatch(self, actor: Actor, entry_id: str, reason: str, source_ip: str = "127.0.0.1") -> list[WitnessedEvent]:
        """移出名单 / remove an entry, with the reason."""
        authorize(actor, "watchlist.manage")
        key = entry_id.strip()

        def decide_in(session: WriteSession, ctx: Context) -> list[EventDraft]:
            state = w.fold_watch(key, session.stream_events(w.watch_stream(key)))
            return w.remove_watch(state, w.RemoveWatch(key, reason), ctx)

        return self.platform.execute(actor, source_ip, decide_in)

    def watchlist(self, actor: Actor, state: str = "in_force", kind: str | None = None,
                  subject_id: str | None = None) -> list[dict[str, Any]]:
        """Entries by state: in_force (now), upcoming, expired, removed, or all."""
        authorize(actor, "watchlist.view")
        if state not in WATCH_STATES:
            raise invalid("state", f"状态应为：{'、'.join(WATCH_STATES)}",
                          f"state must be one of {', '.join(WATCH_STATES)}")
        if kind is not None and kind not in w.WATCH_KINDS:
            raise invalid("kind", f"关注对象类型应为：{'、'.join(w.WATCH_KINDS)}",
                          f"kind must be one of {', '.join(w.WATCH_KINDS)}")
        where: dict[str, Any] = {}
        if kind:
            where["kind"] = kind
        if subject_id:
            where["subject_id"] = subject_id.strip()
        now = format_instant(self.platform.clock.now())
        with self.store.read() as session:
            rows = session.rows("watchlist", where, order_by="-seq")
        out = []
        for r in rows:
            status = ("removed" if r["removed_at"] else "upcoming" if r["valid_from"] > now
                      else "expired" if r["valid_to"] <= now else "in_force")
            if state in ("all", status):
                label = w.WATCH_KINDS[r["kind"]]
                out.append({**r, "status": status, "kind_zh": label[1], "kind_en": label[2]})
        return out

    def watch_entry(self, actor: Actor, entry_id: str) -> dict[str, Any]:
        authorize(actor, "watchlist.view")
        key = entry_id.strip()
        with self.store.read() as session:
            row = session.row("watchlist", key)
            if row is None:
                raise not_found("关注名单条目", key)
            link = "party_id" if w.WATCH_KINDS[row["kind"]][0] == PARTY else "person_id"
            hits, recent = session.alert_page({"indicator": "WATCHLIST", link: row["subject_id"]}, limit=20)
        return {**row, "alert_count": hits, "recent_alerts": [_status_labels(r) for r in recent]}

    # -- credit ----------------------------------------------------------------------------

    def record_credit(self, actor: Actor, cmd: cr.RecordCredit, source_ip: str = "127.0.0.1") -> list[WitnessedEvent]:
        """记录信用记录 / record bad behaviour with its sanction and record period."""
        authorize(actor, "credit.manage")

        def decide_in(session: WriteSession, ctx: Context) -> list[EventDraft]:
            subject = session.subject_facts(cmd.subject_kind, cmd.subject_id.strip())
            return cr.record_credit(cmd, ctx, subject)

        return self.platform.execute(actor, source_ip, decide_in)

    def revoke_credit(self, actor: Actor, record_id: str, reason: str,
                      source_ip: str = "127.0.0.1") -> list[WitnessedEvent]:
        """撤销信用记录 / revoke a record (it stops applying and leaves the public list)."""
        authorize(actor, "credit.manage")
        key = record_id.strip()

        def decide_in(session: WriteSession, ctx: Context) -> list[EventDraft]:
            state = cr.fold_credit(key, session.stream_events(cr.credit_stream(key)))
            return cr.revoke_credit(state, cr.RevokeCredit(key, reason), ctx)

        return self.platform.execute(actor, source_ip, decide_in)

    def _sees_all_credit(self, actor: Actor) -> bool:
        return actor.role in (Role.STAFF, Role.SUPERVISOR, Role.SYSTEM)

    def credit_records(self, actor: Actor, subject_id: str | None = None, sanction: str | None = None,
                       in_force: bool = False, bars_bidding: bool | None = None, text: str | None = None,
                       include_revoked: bool = True, limit: int = 50,
                       offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
        """Credit records, newest first. The public (anyone) sees published, unrevoked records;
        staff and supervisors see every record, revoked and unpublished ones included."""
        _page(limit, offset)
        if sanction is not None and sanction not in cr.SANCTIONS:
            raise invalid("sanction", f"处理措施应为：{'、'.join(cr.SANCTIONS)}",
                          f"sanction must be one of {', '.join(cr.SANCTIONS)}")
        now = format_instant(self.platform.clock.now())
        filters: dict[str, Any] = {"subject_id": subject_id.strip() if subject_id else None, "sanction": sanction,
                                   "bars_bidding": bars_bidding, "text": text.strip() if text else None,
                                   "include_revoked": include_revoked}
        if in_force:
            filters["in_force_at"] = now
        if not self._sees_all_credit(actor):
            filters["published_only"] = True
        with self.store.read() as session:
            total, rows = session.credit_page(filters, limit, offset)
        return total, [self._credit_out(actor, r, now) for r in rows]

    def credit_record(self, actor: Actor, record_id: str) -> dict[str, Any]:
        key = record_id.strip()
        with self.store.read() as session:
            row = session.row("credit_records", key)
        if row is None or (not self._sees_all_credit(actor) and (not row["published"] or row["revoked_at"])):
            raise not_found("信用记录", key)
        return self._credit_out(actor, row, format_instant(self.platform.clock.now()))

    def _credit_out(self, actor: Actor, row: dict[str, Any], now: str) -> dict[str, Any]:
        sanction = cr.SANCTIONS[row["sanction"]]
        status = ("revoked" if row["revoked_at"] else "upcoming" if row["period_from"] > now
                  else "expired" if row["period_to"] <= now else "in_force")
        out = {**row, "sanction_zh": sanction.label_zh, "sanction_en": sanction.label_en, "status": status}
        if not self._sees_all_credit(actor):
            # The public record says what and why, not who in the administration typed it in.
            for internal in ("recorded_by", "revoked_by", "source_alert_id", "seq"):
                out.pop(internal, None)
        return out

    # -- the listener ----------------------------------------------------------------------

    def on_events(self, events: list[WitnessedEvent]) -> None:
        """After each commit: publish alert events live, raise rule-warning and watch-list alerts.

        The command that appended `events` has already committed; a failure here must not
        turn it into an error for its user, so it is logged (with its traceback) instead.
        """
        if not events:
            return
        try:
            self._publish(events)
            found: list[tuple[Alert, str]] = [(self._warning_alert(e), "rule") for e in events
                                              if e.type == "rule.warning"]
            found += [(alert, "watchlist") for alert in self._watch_hits(events)]
            if found:
                self._record(found, Actor.system(), "127.0.0.1")
        except Exception:
            log.exception("supervision desk: could not process events %s..%s", events[0].seq, events[-1].seq)

    __call__ = on_events

    def _warning_alert(self, e: WitnessedEvent) -> Alert:
        p = e.payload
        lot_id = e.stream[4:] if e.stream.startswith("lot:") else None
        return proc_rule.alert_for_warning(e.seq, lot_id, p["rule"], p["article"], p["text_zh"], p["text_en"],
                                           p["facts"], self.rule_settings)

    def _watch_hits(self, events: list[WitnessedEvent]) -> list[Alert]:
        triggers = [e for e in events if e.type in ACTIVITIES]
        if not triggers:
            return []
        alerts: list[Alert] = []
        with self.store.read() as session:
            for e in triggers:
                subjects, lot_id, detail = self._subjects(session, e)
                for entry in session.watch_entries(subjects, e.time):
                    alerts.append(watch_alert(entry, e.type, e.seq, e.time, e.source_ip, lot_id, detail))
        return alerts

    @staticmethod
    def _subjects(session: ReadSession, e: WitnessedEvent) -> tuple[list[str], str | None, dict[str, Any]]:
        """Who a triggering event is about: the account's company and person, the registering
        bidder, or the drawn committee members; with the lot and the facts worth showing."""
        p = e.payload
        if e.type == "user.signed_in":
            user = session.row("users", p["user_id"])
            if user is None:
                return [], None, {}
            ids = [x for x in (user["party_id"], user["person_id"]) if x]
            return ids, None, {"user_id": user["user_id"], "username": user["username"], "role": user["role"],
                               "method": p.get("method")}
        lot_id = e.stream[4:] if e.stream.startswith("lot:") else None
        if e.type in ("lot.bidder_registered", "lot.hall_signed_in"):
            return [p["bidder_id"]], lot_id, {"user_id": e.actor}
        members = [m["person_id"] for m in p.get("members", [])]
        return members, lot_id, {"drawn_by": e.actor}

    def _publish(self, events: list[WitnessedEvent]) -> None:
        for e in events:
            if e.type.startswith(("alert.", "watchlist.", "credit.")):
                self.live.publish(Message(e.type, e.seq, live_data(e)))


def live_data(e: WitnessedEvent) -> dict[str, Any]:
    """What a live subscriber gets for one event: enough to update a list without a query."""
    p = e.payload
    data: dict[str, Any] = {"type": e.type, "seq": e.seq, "time": format_instant(e.time), "actor": e.actor,
                            "role": e.role, "stream": e.stream}
    if e.type == "alert.raised":
        data.update(alert_id=p["alert_id"], indicator=p["indicator"], severity=p["severity"], subject=p["subject"],
                    subject_id=p["subject_id"], lot_ids=p["lot_ids"], party_ids=p["party_ids"],
                    person_ids=p["person_ids"], explanation=p["explanation"], source=p["source"],
                    article=p["article"], status="new")
    elif e.type in a.TRANSITIONS:
        status = a.TRANSITIONS[e.type][1]
        data.update(alert_id=p["alert_id"], status=status.value, status_zh=status.label_zh)
    elif e.type.startswith("alert."):
        data.update({k: v for k, v in p.items() if k in ("alert_id", "assignee_id", "assignee_name", "comment_id")})
    else:
        data.update({k: v for k, v in p.items() if k in ("entry_id", "record_id", "subject_id", "kind", "sanction")})
    return data


def raised_data(row: dict[str, Any]) -> dict[str, Any]:
    """A stored alert in the shape `live_data` gives its `alert.raised` event (for resuming a stream)."""
    return {"type": "alert.raised", "seq": row["raised_seq"], "time": row["raised_at"],
            "stream": a.alert_stream(row["alert_id"]), "alert_id": row["alert_id"], "indicator": row["indicator"],
            "severity": row["severity"], "subject": row["subject"], "subject_id": row["subject_id"],
            "lot_ids": row["lot_ids"], "party_ids": row["party_ids"], "person_ids": row["person_ids"],
            "explanation": {"zh": row["explanation_zh"], "en": row["explanation_en"]}, "source": row["source"],
            "article": row["article"], "status": row["status"], "replayed": True}


def _event_json(e: WitnessedEvent) -> dict[str, Any]:
    return {"seq": e.seq, "type": e.type, "time": format_instant(e.time), "actor": e.actor, "role": e.role,
            "source_ip": e.source_ip, "stream": e.stream, "payload": e.payload}


def _instant(name: str, value: Any) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise invalid(name, "时间须带时区", "The instant needs a time zone")
        return format_instant(value)
    try:
        return format_instant(parse_instant(str(value)))
    except ValueError:
        raise invalid(name, f"{name} 应为 ISO 8601 时间", f"{name} must be an ISO 8601 instant") from None


def _next_actions(status: a.AlertStatus) -> list[str]:
    """The workflow actions open from a status (for buttons), plus the ones always open."""
    moves = {"alert.acknowledged": "acknowledge", "alert.review_started": "review", "alert.transferred": "transfer",
             "alert.dismissed": "dismiss", "alert.confirmed": "confirm"}
    actions = [name for kind, name in moves.items() if status in a.TRANSITIONS[kind][0]]
    if status not in a.CLOSED:
        actions.append("assign")
    actions.append("comment")
    return actions


__all__ = ["ALERT_ORDERS", "SupervisionDesk", "alert_command", "live_data", "raised_data"]
