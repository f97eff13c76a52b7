"""Stage 6 begins: drawing the experts (专家抽取), their answers and the reserves (domain/draw.py).

Three steps, each its own event on the lot's stream:

1. `RequestExpertDraw` → ``lot.expert_draw_requested``: the lines, the eligible pool and the
   exclusions with their reasons, computed from the facts as they stand now. Nothing
   random has happened yet, and everything the draw will use is now on the ledger.
2. `RecordExpertDraw` → ``lot.experts_drawn``: with the first checkpoint of the ledger that
   covers the request and the named witnesses' cosignatures on it, the seed and the picks.
3. `AnswerExpertDraw` → ``lot.expert_confirmed`` or ``lot.expert_declined`` (and the next
   reserve of the same line is called: ``lot.expert_reserve_called``).
"""

from __future__ import annotations

import base64
from datetime import timedelta

from jianzheng.domain.avoidance import AvoidanceFacts, LotOwners, exclusions_for
from jianzheng.domain.calendar import format_instant
from jianzheng.domain.commands import AnswerExpertDraw, RecordExpertDraw, RequestExpertDraw
from jianzheng.domain.context import Context
from jianzheng.domain.decisions.common import conflict, event, require_stage, require_text
from jianzheng.domain.draw import (
    SCOPES,
    draw_seed,
    picks_payload,
    pool_from,
    request_digest,
    requirements_from,
    run_draw,
    shortfall,
)
from jianzheng.domain.errors import Refusal, invalid, not_found
from jianzheng.domain.events import EventDraft
from jianzheng.domain.experts import REGION, SPECIALTY
from jianzheng.domain.lifecycle import Stage
from jianzheng.domain.lot import LotState

MAX_LINES = 10
MAX_PER_LINE = 25
MAX_RESERVES = 10
MAX_AHEAD_DAYS = 30
OUT_OF_ROUND = ("withdrawn", "replaced", "closed")


def lot_owners(state: LotState) -> LotOwners:
    bidders = tuple(sorted({b.bidder_id for b in state.bids.values() if b.status not in OUT_OF_ROUND}))
    return LotOwners(state.tenderer_id, state.agency_id, bidders)


def cosigner_name(line: str) -> str:
    """The key name of a note signature line ("— name keyhash+sig")."""
    body = line.removeprefix("\u2014 ")
    return body.split(" ", 1)[0]


def request_draw(state: LotState, cmd: RequestExpertDraw, ctx: Context) -> list[EventDraft]:
    require_stage(state, "lot.expert_draw_requested", Stage.OPENED)
    if cmd.facts is None:
        raise Refusal("draw.facts", "抽取所需的专家库与回避信息缺失", "The pool and avoidance facts are missing",
                      status=500)
    pending = [d.request_id for d in state.evaluation.draws.values() if not d.drawn]
    if pending:
        raise conflict("draw.pending", f"抽取申请 {pending[0]} 尚未完成抽取", f"The draw {pending[0]} has not run yet",
                       request_id=pending[0])
    if not 1 <= len(cmd.requirements) <= MAX_LINES:
        raise invalid("requirements", f"抽取条件应为 1 至 {MAX_LINES} 行", f"Give 1 to {MAX_LINES} requirement lines")
    for index, r in enumerate(cmd.requirements):
        name = f"requirements[{index}]"
        if not SPECIALTY.match(r.specialty):
            raise invalid(f"{name}.specialty", f"评标专业代码格式不正确：{r.specialty}",
                          f"Not a specialty code: {r.specialty!r}")
        if not 1 <= r.count <= MAX_PER_LINE:
            raise invalid(f"{name}.count", f"抽取人数应为 1 至 {MAX_PER_LINE}", f"count must be 1 to {MAX_PER_LINE}")
        if not 0 <= r.reserves <= MAX_RESERVES:
            raise invalid(f"{name}.reserves", f"备选人数应为 0 至 {MAX_RESERVES}",
                          f"reserves must be 0 to {MAX_RESERVES}")
        if r.scope not in SCOPES:
            raise invalid(f"{name}.scope", f"抽取范围应为：{'、'.join(SCOPES)}",
                          f"scope must be one of {', '.join(SCOPES)}")
    if not REGION.match(cmd.local_region.strip()):
        raise invalid("local_region", "本地地区应为6位行政区划代码，如 530100",
                      "local_region is a 6-digit administrative division code, e.g. 530100")
    if not ctx.now <= cmd.evaluation_at <= ctx.now + timedelta(days=MAX_AHEAD_DAYS):
        raise invalid("evaluation_at", f"评标时间应在现在至{MAX_AHEAD_DAYS}日之内",
                      f"The evaluation time must be between now and {MAX_AHEAD_DAYS} days ahead")
    region = cmd.local_region.strip()
    procedure = ctx.procedure.evaluation
    owners = lot_owners(state)
    facts = AvoidanceFacts(cmd.facts.parties, cmd.facts.history, cmd.facts.watch, cmd.facts.sanctions,
                           frozenset(cmd.facts.already_drawn | state.evaluation.drawn_persons()
                                     | {m.person_id for m in state.committee}))
    pool: list[dict[str, object]] = []
    exclusions: list[dict[str, object]] = []
    for expert in sorted(cmd.pool, key=lambda e: e.person_id):
        if not any(expert.covers(r.specialty) for r in cmd.requirements):
            continue  # not a candidate for any line: neither drawn nor excluded
        found = exclusions_for(expert, owners, facts, cmd.evaluation_at, ctx.now, procedure.avoid_max_times,
                               procedure.avoid_days)
        if found:
            exclusions += [x.as_payload() for x in found]
        else:
            pool.append({"person_id": expert.person_id, "specialties": list(expert.specialties),
                         "region": expert.region})
    requirements = [{"specialty": r.specialty, "count": r.count, "reserves": r.reserves, "scope": r.scope}
                    for r in cmd.requirements]
    short = shortfall(requirements_from(requirements), pool_from(pool), region)
    if short:
        raise conflict("draw.insufficient", f"符合条件的专家不足：第 {'、'.join(map(str, short))} 行",
                       f"Not enough eligible experts for line(s) {', '.join(map(str, short))}",
                       lines=short, eligible=len(pool), excluded=len({x["person_id"] for x in exclusions}))
    return [event(state, "lot.expert_draw_requested", {
        "request_id": ctx.new_id("DRW"), "round": state.round, "requirements": requirements,
        "local_region": region, "evaluation_at": format_instant(cmd.evaluation_at),
        "witnesses": sorted(set(cmd.witnesses)), "pool": pool, "exclusions": exclusions,
        "avoidance": {"max_times": procedure.avoid_max_times, "days": procedure.avoid_days},
    })]


def _checkpoint_text_matches(text: str, size: int, root: bytes) -> bool:
    lines = text.split("\n")
    return len(lines) >= 3 and lines[1] == str(size) and lines[2] == base64.b64encode(root).decode("ascii")


def record_draw(state: LotState, cmd: RecordExpertDraw, ctx: Context) -> list[EventDraft]:
    require_stage(state, "lot.experts_drawn", Stage.OPENED)
    draw = state.evaluation.draws.get(cmd.request_id)
    if draw is None:
        raise not_found("抽取申请", cmd.request_id, "expert draw request")
    if draw.drawn:
        raise conflict("draw.done", "该申请已完成抽取", "This draw has already run", request_id=cmd.request_id)
    if cmd.tree_size < draw.seq:
        raise conflict("draw.checkpoint", "检查点未包含抽取申请，不能用作随机源",
                       "The checkpoint does not contain the draw request and cannot seed it",
                       tree_size=cmd.tree_size, request_seq=draw.seq)
    if len(cmd.root_hash) != 32 or not _checkpoint_text_matches(cmd.checkpoint, cmd.tree_size, cmd.root_hash):
        raise invalid("checkpoint", "检查点正文与树大小、根哈希不符",
                      "The checkpoint text does not match the tree size and root hash")
    lines: list[str] = []
    missing: list[str] = []
    for name in draw.request["witnesses"]:
        own = sorted(line for line in cmd.cosignatures if cosigner_name(line) == name)
        if own:
            lines.append(own[0])  # one line per named witness: the operator picks nothing
        else:
            missing.append(name)
    if missing:
        raise conflict("draw.cosignatures", f"尚缺见证方副签：{'、'.join(missing)}",
                       f"Cosignatures still missing from: {', '.join(missing)}", witnesses=missing)
    digest = request_digest(draw.request)
    seed = draw_seed(draw.seq, digest, cmd.tree_size, cmd.root_hash, lines)
    picks = run_draw(seed, requirements_from(draw.request["requirements"]), pool_from(draw.request["pool"]),
                     draw.request["local_region"])
    return [event(state, "lot.experts_drawn", {
        "request_id": draw.request_id, "request_seq": draw.seq, "request_digest": digest.hex(),
        "checkpoint": {"tree_size": cmd.tree_size, "root_hash": cmd.root_hash.hex(), "text": cmd.checkpoint},
        "cosignatures": lines, "seed": seed.hex(),
        "candidates": draw.request["pool"], "exclusions": draw.request["exclusions"],
        "picks": picks_payload(picks),
    })]


def answer_draw(state: LotState, cmd: AnswerExpertDraw, ctx: Context) -> list[EventDraft]:
    require_stage(state, "lot.expert_confirmed", Stage.OPENED)
    draw = state.evaluation.draws.get(cmd.request_id)
    if draw is None or not draw.drawn:
        raise not_found("抽取结果", cmd.request_id, "expert draw")
    status = draw.status.get(cmd.person_id)
    if status != "called":
        raise conflict("draw.not_called", "该专家不在等待答复的抽取名单中",
                       "This expert is not waiting to answer this draw", status=status)
    base = {"request_id": draw.request_id, "person_id": cmd.person_id, "line": draw.line_of(cmd.person_id)}
    if cmd.accept:
        return [event(state, "lot.expert_confirmed", base)]
    reason = require_text(cmd.reason, "reason", "不能参加的理由", "reason for declining")
    line = draw.line_of(cmd.person_id)
    waiting = sorted((p for p in draw.picks if p["line"] == line and draw.status.get(p["person_id"]) == "reserve"),
                     key=lambda p: int(p["position"]))
    events = [event(state, "lot.expert_declined", {**base, "reason": reason, "reserve_left": bool(waiting)})]
    if waiting:
        events.append(event(state, "lot.expert_reserve_called", {
            "request_id": draw.request_id, "person_id": waiting[0]["person_id"], "line": line,
            "replaces": cmd.person_id}))
    return events
