"""The expert pool and the verifiable draw (issue 7): use cases, enrichment, the re-check.

* profiles and availability of experts are person events (`domain.experts`);
* a draw is requested first (`lot.expert_draw_requested`, with the pool and the exclusions
  read here under the write lock), then seeded by the first signed checkpoint covering the
  request and its witnesses' cosignatures (`lot.experts_drawn`), then answered by each
  drawn expert;
* `check_draws` re-runs every draw of a lot from the ledger alone and names each check
  that fails; `jianzheng experts redraw-check` and ``GET /lots/{lot}/expert-draws/check``
  call it.

The platform calls this module's enrichers for `RequestExpertDraw` (the pool and the
avoidance facts) and `FormCommittee` (the members' employers, for Regs 46), so every path
to those commands — API, CLI, simulator — gets the same facts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from jianzheng.domain import commands as c
from jianzheng.domain.avoidance import AvoidanceFacts
from jianzheng.domain.context import Context
from jianzheng.domain.decisions.draws import lot_owners
from jianzheng.domain.draw import Requirement
from jianzheng.domain.draw_check import CheckResult, replay_draw
from jianzheng.domain.errors import Refusal, forbidden, not_found
from jianzheng.domain.events import EventDraft, WitnessedEvent, person_stream
from jianzheng.domain.experts import (
    SetExpertAvailability,
    SetExpertProfile,
    fold_profile,
    set_availability,
    set_profile,
)
from jianzheng.domain.lot import LotState, fold
from jianzheng.domain.roles import Role
from jianzheng.domain.watchlist import WatchEntry
from jianzheng.ledger.checkpoint import parse_checkpoint
from jianzheng.ledger.cosignature import CosignatureVerifier
from jianzheng.ledger.errors import LedgerError
from jianzheng.ledger.keys import parse_verifier_key
from jianzheng.ledger.note import check_note, parse_note
from jianzheng.services.actor import Actor
from jianzheng.services.checkpoints import Checkpointer
from jianzheng.services.platform import Platform, lot_parties
from jianzheng.services.policy import authorize, may_see_experts, may_see_lot
from jianzheng.services.ports import ReadSession, StoredCheckpoint, WriteSession
from jianzheng.services.witnesses import CosignatureCollector, RegisteredWitness

CHECKPOINT_PAGE = 200


def checkpoint_text(checkpoint: StoredCheckpoint) -> str:
    """The checkpoint's body (origin, size, root): what the platform signed and the witnesses cosigned."""
    return parse_note(checkpoint.note).text


class ExpertDesk:
    """Use cases of the expert pool and the draw; registers its enrichers on the platform."""

    def __init__(self, platform: Platform, checkpointer: Checkpointer, cosigner: CosignatureCollector | None,
                 platform_keys: Sequence[str]) -> None:
        self.platform = platform
        self.store = platform.store
        self.checkpointer = checkpointer
        self.cosigner = cosigner
        self.platform_keys = list(platform_keys)
        platform.enrichers[c.RequestExpertDraw] = self._enrich_request
        platform.enrichers[c.FormCommittee] = self._enrich_committee

    # -- witnesses ---------------------------------------------------------------------------

    def witnesses(self) -> list[RegisteredWitness]:
        return self.cosigner.registry.witnesses() if self.cosigner is not None else []

    # -- enrichers (run inside the command's write transaction) -------------------------------

    def _enrich_request(self, session: WriteSession, state: LotState, cmd: c.RequestExpertDraw,
                        ctx: Context) -> c.RequestExpertDraw:
        pool = session.expert_pool()
        ids = [e.person_id for e in pool]
        owners = lot_owners(state)
        party_ids = {owners.tenderer_id, *owners.bidder_ids, *(e.employer_id for e in pool if e.employer_id)}
        if owners.agency_id:
            party_ids.add(owners.agency_id)
        parties = session.party_facts(party_ids)
        ctx.parties = {**ctx.parties, **parties}
        since = ctx.now - timedelta(days=ctx.procedure.evaluation.avoid_days)
        watch: dict[str, list[WatchEntry]] = {}
        for entry in session.watch_entries(ids, ctx.now):
            watch.setdefault(entry.subject_id, []).append(entry)
        facts = AvoidanceFacts(parties=parties, history=session.committee_history(since),
                               watch={k: tuple(v) for k, v in watch.items()},
                               sanctions=session.person_sanctions(ids))
        return dataclasses.replace(cmd, pool=tuple(pool), facts=facts,
                                   witnesses=tuple(w.name for w in self.witnesses()))

    def _enrich_committee(self, session: WriteSession, state: LotState, cmd: c.FormCommittee,
                          ctx: Context) -> c.FormCommittee:
        employers = session.employers(m.person_id for m in cmd.members)
        owners = lot_owners(state)
        ids = {owners.tenderer_id, *owners.bidder_ids, *(e for e in employers.values() if e)}
        if owners.agency_id:
            ids.add(owners.agency_id)
        ctx.parties = {**ctx.parties, **session.party_facts(ids)}
        return dataclasses.replace(cmd, employers=employers)

    # -- the pool ------------------------------------------------------------------------------

    def set_profile(self, actor: Actor, cmd: SetExpertProfile, source_ip: str = "127.0.0.1") -> list[WitnessedEvent]:
        authorize(actor, "person.register")

        def decide_in(session: WriteSession, ctx: Context) -> list[EventDraft]:
            person = session.person_facts(cmd.person_id.strip())
            employer = (cmd.employer_id or "").strip()
            known = bool(employer) and session.exists("parties", employer)
            return set_profile(dataclasses.replace(cmd, person_id=cmd.person_id.strip()), ctx, person, known)
        return self.platform.execute(actor, source_ip, decide_in)

    def set_availability(self, actor: Actor, cmd: SetExpertAvailability,
                         source_ip: str = "127.0.0.1") -> list[WitnessedEvent]:
        if not (actor.role is Role.EXPERT and actor.person_id == cmd.person_id):
            authorize(actor, "person.register")  # staff, or the expert about themself

        def decide_in(session: WriteSession, ctx: Context) -> list[EventDraft]:
            person = session.person_facts(cmd.person_id)
            profile = fold_profile(cmd.person_id, session.stream_events(person_stream(cmd.person_id)))
            return set_availability(cmd, ctx, person, profile)
        return self.platform.execute(actor, source_ip, decide_in)

    def pool(self, actor: Actor, specialty: str | None = None) -> list[dict[str, Any]]:
        """The pool with each expert's profile: for the center and supervisors."""
        if actor.role not in (Role.STAFF, Role.SUPERVISOR, Role.SYSTEM):
            raise forbidden("专家库仅对交易中心和监督部门开放", "The expert pool is for the center and supervisors")
        with self.store.read() as session:
            profiles = {r["person_id"]: r for r in session.rows("expert_profiles")}
            persons = session.rows("persons", {"person_id": sorted(profiles)}) if profiles else []
        out = []
        for person in sorted(persons, key=lambda p: p["person_id"]):
            profile = profiles[person["person_id"]]
            if specialty and not any(s.startswith(specialty.strip().upper()) for s in profile["specialties"]):
                continue
            out.append({**profile, "name": person["name"], "phone": person["phone"]})
        return out

    # -- the draw ------------------------------------------------------------------------------

    def request_draw(self, actor: Actor, lot_id: str, requirements: Sequence[Requirement], local_region: str,
                     evaluation_at: datetime, source_ip: str = "127.0.0.1") -> list[WitnessedEvent]:
        """Record the request, then draw at once if the witnesses' cosignatures can be had now."""
        requested = self.platform.lot_command(actor, lot_id, c.RequestExpertDraw(
            tuple(requirements), local_region, evaluation_at), source_ip)
        request_id = requested[0].payload["request_id"]
        try:
            return requested + self.run_draw(actor, lot_id, request_id, source_ip)
        except Refusal as refusal:
            if refusal.code != "draw.cosignatures":
                raise
            return requested  # the request stands; run_draw again once the witnesses have cosigned

    def first_covering(self, size: int) -> StoredCheckpoint | None:
        """The earliest stored checkpoint with at least `size` leaves."""
        with self.store.read() as session:
            return first_covering(session, size)

    def run_draw(self, actor: Actor, lot_id: str, request_id: str,
                 source_ip: str = "127.0.0.1") -> list[WitnessedEvent]:
        """Seed and run a requested draw with the first checkpoint that contains the request."""
        with self.store.read() as session:
            state = fold(lot_id, session.lot_events(lot_id))
        draw = state.evaluation.draws.get(request_id)
        if not state.exists or draw is None:
            raise not_found("抽取申请", request_id, "expert draw request")
        self.checkpointer.covering(draw.seq, "expert-draw")
        checkpoint = self.first_covering(draw.seq)
        assert checkpoint is not None  # covering() made or found one
        wanted = set(draw.request["witnesses"])
        if wanted - {s.witness for s in checkpoint.cosignatures} and self.cosigner is not None:
            self.cosigner.collect(checkpoint)
            checkpoint = self.first_covering(draw.seq)
            assert checkpoint is not None
        lines = tuple(s.line.rstrip("\n") for s in checkpoint.cosignatures)
        return self.platform.lot_command(actor, lot_id, c.RecordExpertDraw(
            request_id, checkpoint.tree_size, checkpoint.root_hash, checkpoint_text(checkpoint), lines), source_ip)

    def answer(self, actor: Actor, lot_id: str, request_id: str, person_id: str, accept: bool, reason: str = "",
               source_ip: str = "127.0.0.1") -> list[WitnessedEvent]:
        if actor.role is Role.EXPERT and actor.person_id != person_id:
            raise forbidden("专家只能答复本人的抽取通知", "An expert answers only their own call")
        return self.platform.lot_command(actor, lot_id, c.AnswerExpertDraw(request_id, person_id, accept, reason),
                                         source_ip)

    # -- reading the draws -----------------------------------------------------------------------

    def draws(self, actor: Actor, lot_id: str) -> list[dict[str, Any]]:
        """The lot's draws; who was drawn or excluded only for those who may see the experts (Law 37)."""
        with self.store.read() as session:
            state = fold(lot_id, session.lot_events(lot_id))
            if not state.exists:
                raise not_found("标段", lot_id)
            parties = lot_parties(state)
            own = actor.role is Role.EXPERT and actor.person_id is not None
            if not (may_see_lot(actor, parties) or own):
                raise forbidden("您无权查看此标段", "You may not see this lot")
            rows = session.rows("expert_draws", {"lot_id": lot_id}, order_by="requested_seq")
            picks = session.rows("expert_draw_picks", {"lot_id": lot_id})
        full = may_see_experts(actor, parties)
        out = []
        for row in rows:
            mine = [p for p in picks if p["request_id"] == row["request_id"]]
            if full:
                out.append({**row, "picks": sorted(mine, key=lambda p: (p["line"], p["position"]))})
                continue
            visible = [p for p in mine if own and p["person_id"] == actor.person_id]
            if own and not visible and not may_see_lot(actor, parties):
                continue
            out.append({**{k: v for k, v in row.items() if k != "exclusions"},
                        "exclusions": len(row["exclusions"]), "picks": visible,
                        "confidential": "评标委员会成员名单在中标结果确定前保密（招标投标法第三十七条）/ "
                                        "The committee is confidential until the result (Law 37)"})
        if own and not out and not may_see_lot(actor, parties):
            raise forbidden("您未被抽取为本标段的专家", "You were not drawn for this lot")
        return out

    def my_calls(self, actor: Actor) -> list[dict[str, Any]]:
        """An expert's draw notices: the lots they were drawn or held in reserve for."""
        if actor.role is not Role.EXPERT or actor.person_id is None:
            raise forbidden("只有评标专家有抽取通知", "Only experts have draw notices")
        with self.store.read() as session:
            picks = session.rows("expert_draw_picks", {"person_id": actor.person_id})
            draws = {r["request_id"]: r for r in session.rows(
                "expert_draws", {"request_id": sorted({p["request_id"] for p in picks})})} if picks else {}
        return [{**p, "evaluation_at": draws[p["request_id"]]["evaluation_at"],
                 "requirements": draws[p["request_id"]]["requirements"]}
                for p in sorted(picks, key=lambda p: (p["lot_id"], p["request_id"], p["position"]))]

    # -- the re-check -----------------------------------------------------------------------------

    def check_draws(self, actor: Actor, lot_id: str) -> list[dict[str, Any]]:
        """Re-run every draw of the lot from the ledger; identities masked where Law 37 says so."""
        with self.store.read() as session:
            events = session.lot_events(lot_id)
            state = fold(lot_id, events)
            if not state.exists:
                raise not_found("标段", lot_id)
            parties = lot_parties(state)
            if not may_see_lot(actor, parties):
                raise forbidden("您无权查看此标段", "You may not see this lot")
            results = [self._check_one(session, result) for result in _replays(events)]
        full = may_see_experts(actor, parties)
        out = []
        for result in results:
            row = result.as_json()
            if not full:
                row["picks"] = [{**p, "person_id": "***"} for p in row["picks"]]
            out.append(row)
        return out

    def _check_one(self, session: ReadSession, result: CheckResult) -> CheckResult:
        """Add what only the ledger's tree and keys can tell to the pure re-run."""
        drawn = result.drawn
        if drawn is None:
            return result
        p = drawn.payload
        cp = p["checkpoint"]
        size, root, text = int(cp["tree_size"]), bytes.fromhex(cp["root_hash"]), cp["text"]
        try:
            actual = session.tree_root(size)
            result.add("tree_root", actual == root, "检查点根哈希与账本重算的树根一致",
                       "The checkpoint's root hash equals the root recomputed from the ledger")
        except Refusal:
            result.add("tree_root", False, "账本中没有这么大的树", "The ledger has no tree of that size")
        try:
            body = parse_checkpoint(text)
            ok = body.size == size and body.root_hash == root
        except LedgerError:
            ok = False
        result.add("checkpoint_text", ok, "检查点正文可解析且与大小、根哈希一致",
                   "The checkpoint text parses and matches the size and root hash")
        stored = session.checkpoint_by_size(size)
        signed = False
        if stored is not None and checkpoint_text(stored) == text:
            verifiers = []
            for key in self.platform_keys:
                try:
                    verifiers.append(parse_verifier_key(key))
                except LedgerError:
                    continue
            report = check_note(stored.note, verifiers)
            signed = bool(report.verified) and not report.failed
        result.add("checkpoint_signed", signed, "平台对该检查点的签名有效",
                   "The platform's signature on this checkpoint verifies")
        first = first_covering(session, int(p["request_seq"]))
        result.add("first_checkpoint", first is not None and first.tree_size == size,
                   "所用检查点是包含申请的第一个检查点",
                   "The checkpoint used is the first one containing the request")
        keys = {w.name: w for w in self.witnesses()}
        for line in p["cosignatures"]:
            name = line.removeprefix("\u2014 ").split(" ", 1)[0]
            witness = keys.get(name)
            if witness is None:
                result.add(f"cosignature:{name}", False, f"见证方 {name} 未登记，无法核验其副签",
                           f"Witness {name} is not registered here; its cosignature cannot be checked")
                continue
            try:
                verifier = witness.verifier()
                report = check_note(text + "\n" + line + "\n", [verifier])
                ok = isinstance(verifier, CosignatureVerifier) and bool(report.verified) and not report.failed
            except (LedgerError, Refusal):
                ok = False
            result.add(f"cosignature:{name}", ok, f"见证方 {name} 的副签有效", f"The cosignature of {name} verifies")
        return result


def first_covering(session: ReadSession, size: int) -> StoredCheckpoint | None:
    """The earliest stored checkpoint with at least `size` leaves (pages back from the newest)."""
    found: StoredCheckpoint | None = None
    offset = 0
    while True:
        page = session.checkpoints(CHECKPOINT_PAGE, offset)  # newest first
        for checkpoint in page:
            if checkpoint.tree_size < size:
                return found
            found = checkpoint
        if len(page) < CHECKPOINT_PAGE:
            return found
        offset += CHECKPOINT_PAGE


def _replays(events: Sequence[WitnessedEvent]) -> list[CheckResult]:
    requests = {e.payload["request_id"]: e for e in events if e.type == "lot.expert_draw_requested"}
    out = []
    for request_id, request in requests.items():
        drawn = next((e for e in events if e.type == "lot.experts_drawn" and e.payload["request_id"] == request_id),
                     None)
        out.append(replay_draw(request, drawn))
    return out

