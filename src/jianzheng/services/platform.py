"""The command side of the platform: every change goes through `Platform`.

Flow of one command (architecture.md): authorize → decide (pure domain) → append to the
ledger and the read tables in one transaction → commit → tell the listeners. A refusal at
any step raises `Refusal` and nothing is written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from jianzheng.domain import commands as c
from jianzheng.domain import registry
from jianzheng.domain.bid_content import check_fingerprint, parse_bid_content
from jianzheng.domain.calendar import format_instant
from jianzheng.domain.context import Context
from jianzheng.domain.decisions import decide
from jianzheng.domain.errors import Refusal, invalid, not_found
from jianzheng.domain.events import Envelope, EventDraft, WitnessedEvent, user_stream
from jianzheng.domain.lifecycle import Stage
from jianzheng.domain.lot import LotState, fold
from jianzheng.domain.procedures import Procedure, load_procedure
from jianzheng.domain.roles import Role
from jianzheng.services.actor import Actor
from jianzheng.services.clock import Clock
from jianzheng.services.ids import IdGenerator
from jianzheng.services.policy import LotParties, authorize, authorize_lot_command
from jianzheng.services.ports import Blobs, EventListener, Store, WriteSession

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_.-")


@dataclass(frozen=True)
class Upload:
    """A document as it arrives: its name, bytes and media type."""

    name: str
    data: bytes
    media_type: str = "application/octet-stream"


def lot_parties(state: LotState) -> LotParties:
    chair = next((m.person_id for m in state.committee if m.chair), None)
    return LotParties(
        lot_id=state.lot_id, stage=state.stage, tenderer_id=state.tenderer_id, agency_id=state.agency_id,
        committee=frozenset(m.person_id for m in state.committee), chair=chair,
        announced=state.announced_at is not None, opened=state.opened_at is not None,
    )


class Platform:
    """Use cases that change state. Stateless apart from its collaborators."""

    def __init__(self, store: Store, blobs: Blobs, clock: Clock, ids: IdGenerator,
                 procedures_dir: Path | None = None, hash_password: Callable[[str], str] | None = None) -> None:
        self.store = store
        self.blobs = blobs
        self.clock = clock
        self.ids = ids
        self.procedures_dir = procedures_dir
        self.hash_password = hash_password
        self.listeners: list[EventListener] = []
        self._procedures: dict[str, Procedure] = {}
        # Per command type: adds the facts a decision needs that only the store knows (read under
        # the write lock), e.g. the expert pool for a draw request (services/experts.py).
        self.enrichers: dict[type, Callable[[WriteSession, LotState, Any, Context], Any]] = {}

    # -- the one path every change takes ---------------------------------------------------

    def execute(self, actor: Actor, source_ip: str,
                decide_in: Callable[[WriteSession, Context], list[EventDraft]],
                after: Callable[[WriteSession, list[WitnessedEvent]], None] | None = None,
                origin: str = "platform") -> list[WitnessedEvent]:
        with self.store.write() as session:
            now = self.clock.now()
            ctx = Context(now=now, procedure=self.procedure("construction-open"), new_id=self.ids,
                          actor_party_id=actor.party_id, actor_person_id=actor.person_id)
            drafts = decide_in(session, ctx)
            envelope = Envelope(time=now, actor=actor.user_id, role=actor.role.value, source_ip=source_ip,
                                command_id=self.ids("CMD"),
                                origin=origin)
            events = session.append(drafts, envelope) if drafts else []
            if after is not None:
                after(session, events)
        for listener in self.listeners:
            listener(events)
        return events

    def procedure(self, code: str) -> Procedure:
        if code not in self._procedures:
            self._procedures[code] = load_procedure(code, self.procedures_dir)
        return self._procedures[code]

    # -- lots ------------------------------------------------------------------------------

    def lot_state(self, session: WriteSession, lot_id: str) -> LotState:
        state = fold(lot_id, session.lot_events(lot_id))
        if not state.exists:
            raise not_found("标段", lot_id)
        return state

    def lot_command(self, actor: Actor, lot_id: str, command: Any,
                    source_ip: str = "127.0.0.1") -> list[WitnessedEvent]:
        """Authorize and decide one lifecycle command on a lot."""
        def decide_in(session: WriteSession, ctx: Context) -> list[EventDraft]:
            state = self.lot_state(session, lot_id)
            authorize_lot_command(actor, lot_parties(state), command)
            ctx.procedure = self.procedure(state.procedure)
            ids = {ctx.actor_party_id} if ctx.actor_party_id else set()
            ids |= set(state.registrations)
            ctx.parties = session.party_facts(ids)
            enrich = self.enrichers.get(type(command))
            return decide(state, enrich(session, state, command, ctx) if enrich else command, ctx)
        return self.execute(actor, source_ip, decide_in)

    def store_document(self, upload: Upload) -> c.DocumentRef:
        name = upload.name.strip()
        if not name:
            raise invalid("document", "文件名不能为空", "The document needs a file name")
        if not upload.data:
            raise invalid("document", f"文件为空：{name}", f"The document is empty: {name}")
        if len(upload.data) > MAX_DOCUMENT_BYTES:
            raise invalid("document", f"文件超过 {MAX_DOCUMENT_BYTES // 1048576} MB：{name}",
                          f"The document exceeds {MAX_DOCUMENT_BYTES // 1048576} MB: {name}")
        blob = self.blobs.put(upload.data)
        return c.DocumentRef(name, blob.sha256, blob.sm3, blob.size, upload.media_type)

    def submit_bid(self, actor: Actor, lot_id: str, content: Any, documents: Sequence[Upload] = (),
                   source_ip: str = "127.0.0.1", fingerprint: dict[str, str] | None = None) -> list[WitnessedEvent]:
        """Store the bid's content and documents as blobs; the event carries their digests only.

        `fingerprint` is what the bid-compiling tool recorded about the machine and author;
        it is witnessed with the bid, and `source_ip` is the upload address.
        """
        # Authorize before anything is stored: an outsider must not be able to fill the blob store.
        with self.store.read() as session:
            state = fold(lot_id, session.lot_events(lot_id))
        if not state.exists:
            raise not_found("标段", lot_id)
        authorize_lot_command(actor, lot_parties(state), c.SubmitBid("", "", ()))
        parsed = parse_bid_content(content)
        check_fingerprint(fingerprint)
        body = json.dumps(parsed.as_json(), ensure_ascii=False, sort_keys=True).encode("utf-8")
        blob = self.blobs.put(body)
        refs = tuple(self.store_document(d) for d in documents)
        return self.lot_command(actor, lot_id, c.SubmitBid(blob.sha256, blob.sm3, refs, fingerprint=fingerprint),
                                source_ip)

    def bid_content(self, sha256: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.blobs.get(sha256))
        return data

    def open_bids(self, actor: Actor, lot_id: str, source_ip: str = "127.0.0.1") -> list[WitnessedEvent]:
        """At the deadline: read each valid bid's content and publish names and prices (Law 34)."""
        def decide_in(session: WriteSession, ctx: Context) -> list[EventDraft]:
            state = self.lot_state(session, lot_id)
            command = c.OpenBids()
            authorize_lot_command(actor, lot_parties(state), command)
            ctx.procedure = self.procedure(state.procedure)
            # Sealed bids still locked count as withdrawn at the opening (Order 20 Art. 31).
            readable = [b for b in state.active_bids() if not (b.sealed and b.decryption == "pending")]
            if state.stage is Stage.BIDDING and len(readable) >= ctx.procedure.limits.min_bids:
                opened = []
                for bid in readable:
                    content = self.bid_content(bid.content_sha256)
                    opened.append(c.OpenedBid(bid.bid_id, content["price_fen"], content.get("project_manager_id"),
                                              content.get("duration_days"), content.get("quality") or None))
                command = c.OpenBids(tuple(opened))
            return decide(state, command, ctx)
        return self.execute(actor, source_ip, decide_in)

    # -- registry --------------------------------------------------------------------------

    def register_enterprise(self, actor: Actor, cmd: registry.RegisterEnterprise,
                            source_ip: str = "127.0.0.1") -> list[WitnessedEvent]:
        authorize(actor, "party.register")

        def decide_in(session: WriteSession, ctx: Context) -> list[EventDraft]:
            drafts = registry.register_enterprise(cmd, ctx)
            if session.exists("parties", drafts[0].payload["party_id"]):
                raise Refusal("party.exists", "单位已存在", "The company already exists", status=409)
            return drafts
        return self.execute(actor, source_ip, decide_in)

    def register_person(self, actor: Actor, cmd: registry.RegisterPerson,
                        source_ip: str = "127.0.0.1") -> list[WitnessedEvent]:
        authorize(actor, "person.register")

        def decide_in(session: WriteSession, ctx: Context) -> list[EventDraft]:
            if cmd.employer_id and not session.exists("parties", cmd.employer_id):
                raise not_found("单位", cmd.employer_id)
            return registry.register_person(cmd, ctx)
        return self.execute(actor, source_ip, decide_in)

    def register_project(self, actor: Actor, cmd: registry.RegisterProject,
                         source_ip: str = "127.0.0.1") -> list[WitnessedEvent]:
        authorize(actor, "project.register")
        if actor.role is Role.TENDERER and actor.party_id != cmd.tenderer_id:
            raise Refusal("forbidden", "招标人只能登记本单位的项目", "A tenderer registers only its own projects",
                          status=403)
        if actor.role is Role.AGENCY and actor.party_id != cmd.agency_id:
            raise Refusal("forbidden", "代理机构只能登记其受托的项目", "An agency registers only projects it runs",
                          status=403)
        for lot in cmd.lots:
            self.procedure(lot.procedure)

        def decide_in(session: WriteSession, ctx: Context) -> list[EventDraft]:
            for kind, key in (("tenderer_id", cmd.tenderer_id), ("agency_id", cmd.agency_id)):
                if key and not session.exists("parties", key):
                    raise invalid(kind, f"未找到单位：{key}", f"No company with id {key!r}")
            return registry.register_project(cmd, ctx)
        return self.execute(actor, source_ip, decide_in)

    def create_user(self, actor: Actor, username: str, password: str, role: Role, display_name: str,
                    party_id: str | None = None, person_id: str | None = None,
                    source_ip: str = "127.0.0.1") -> list[WitnessedEvent]:
        """Create an account; the password hash goes to the credentials table, never the ledger."""
        if actor.role is not Role.SYSTEM:
            authorize(actor, "user.create")
        name = username.strip().lower()
        if not (3 <= len(name) <= 64) or not set(name) <= USERNAME_CHARS:
            raise invalid("username", "用户名为3-64位小写字母、数字或 _ . -",
                          "A username has 3-64 lower-case letters, digits, _ . or -")
        if len(password) < 8:
            raise invalid("password", "密码至少8位", "The password needs at least 8 characters")
        if role in (Role.BIDDER, Role.TENDERER, Role.AGENCY) and not party_id:
            raise invalid("party_id", "投标人、招标人和代理机构账号须关联单位",
                          "Bidder, tenderer and agency accounts belong to a company")
        if role is Role.EXPERT and not person_id:
            raise invalid("person_id", "专家账号须关联人员", "An expert account belongs to a person")
        assert self.hash_password is not None
        password_hash = self.hash_password(password)
        user_id = self.ids("U")

        def decide_in(session: WriteSession, ctx: Context) -> list[EventDraft]:
            if session.exists("username", name):
                raise Refusal("user.exists", f"用户名已被使用：{name}", f"The username is taken: {name}",
                              field="username", status=409)
            if party_id and not session.exists("parties", party_id):
                raise invalid("party_id", f"未找到单位：{party_id}", f"No company with id {party_id!r}")
            if person_id and not session.exists("persons", person_id):
                raise invalid("person_id", f"未找到人员：{person_id}", f"No person with id {person_id!r}")
            return [EventDraft("user.created", user_stream(user_id), {
                "user_id": user_id, "username": name, "role": role.value, "display_name": display_name,
                "party_id": party_id, "person_id": person_id})]

        def after(session: WriteSession, events: list[WitnessedEvent]) -> None:
            session.set_password_hash(user_id, password_hash)
        return self.execute(actor, source_ip, decide_in, after)

    def issue_token(self, user: Actor, token_hash: str, days: int = 7,
                    source_ip: str = "127.0.0.1") -> list[WitnessedEvent]:
        """Record a sign-in: the event names the token id, the secret stays out of the ledger."""
        token_id = self.ids("T")
        now = self.clock.now()

        def decide_in(session: WriteSession, ctx: Context) -> list[EventDraft]:
            return [EventDraft("user.signed_in", user_stream(user.user_id),
                               {"user_id": user.user_id, "token_id": token_id, "method": "password"})]

        def after(session: WriteSession, events: list[WitnessedEvent]) -> None:
            session.store_token(token_id, token_hash, user.user_id, format_instant(now),
                                format_instant(now + timedelta(days=days)))
        return self.execute(user, source_ip, decide_in, after)
