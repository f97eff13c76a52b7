"""C2SP tlog-witness over HTTP (https://c2sp.org/tlog-witness): the witness's server and the platform's client.

``POST <submission prefix>/add-checkpoint`` with the body::

    old <size the client believes the witness holds>
    <base64 consistency-proof hash>        (zero to 63 lines)
    <empty line>
    <the signed checkpoint note>

Answers, as the spec prescribes:

| status | when | body |
|---|---|---|
| 200 | cosigned (the new state is persisted first) | the cosignature line(s) |
| 400 | malformed request, or old size > checkpoint size | message |
| 403 | a platform key's signature is missing or bad | message |
| 404 | the checkpoint's origin is not a log this witness watches | message |
| 409 | old size ≠ the size held (or same size, other root) | held size, ``text/x.tlog.size`` |
| 413 | request body over 64 KiB | message |
| 422 | the consistency proof does not verify | message |

Messages are plain text in Chinese and English. A request refused as inconsistent (422, or
409 for the same size with another root) carries valid platform signatures, so the witness
keeps it under ``refused/`` as evidence against the log.

:class:`HttpWitnessTransport` is the platform's side: it implements the services'
``WitnessTransport`` port with httpx and turns each status into the matching
``WitnessFailure``.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import httpx
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from jianzheng.adapters.witness_home import WitnessHome
from jianzheng.domain.errors import Refusal
from jianzheng.ledger.checkpoint import Checkpoint, parse_checkpoint
from jianzheng.ledger.errors import LedgerError
from jianzheng.ledger.hashing import HASH_SIZE
from jianzheng.ledger.note import parse_note
from jianzheng.ledger.witness import (
    CheckpointSignatureError,
    ConsistencyProofError,
    OldSizeMismatchError,
    SizeRegressionError,
    UnknownOriginError,
    WitnessRefusal,
)
from jianzheng.services.witnesses import (
    RegisteredWitness,
    WitnessConflict,
    WitnessRejected,
    WitnessUnavailable,
)

log = logging.getLogger(__name__)

SIZE_MEDIA_TYPE = "text/x.tlog.size"
MAX_PROOF_LINES = 63
MAX_BODY = 64 * 1024
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")


class RequestFormatError(ValueError):
    """The add-checkpoint body does not follow the spec (answered with 400)."""


@dataclass(frozen=True)
class AddCheckpointRequest:
    """A parsed add-checkpoint body."""

    old_size: int
    proof: tuple[bytes, ...]
    note: str
    checkpoint: Checkpoint


def format_request(old_size: int, proof: Sequence[bytes], signed_checkpoint: str) -> bytes:
    """The add-checkpoint request body."""
    if len(proof) > MAX_PROOF_LINES:
        raise ValueError(f"a consistency proof has at most {MAX_PROOF_LINES} hashes")
    lines = [f"old {old_size}\n", *(base64.b64encode(h).decode() + "\n" for h in proof), "\n"]
    return ("".join(lines) + signed_checkpoint).encode("utf-8")


def parse_request(body: bytes) -> AddCheckpointRequest:
    """Parse an add-checkpoint body; raises :class:`RequestFormatError` naming what is wrong."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RequestFormatError("请求体不是 UTF-8 / the body is not UTF-8") from exc
    first, newline, rest = text.partition("\n")
    if not newline or not first.startswith("old ") or not _DECIMAL.fullmatch(first[4:]):
        raise RequestFormatError("第一行应为“old <十进制大小>” / the first line must be 'old <decimal size>'")
    old_size = int(first[4:])
    proof: list[bytes] = []
    while True:
        line, newline, rest = rest.partition("\n")
        if not newline:
            raise RequestFormatError("缺少证明与检查点之间的空行 / no empty line before the checkpoint")
        if not line:
            break
        if len(proof) == MAX_PROOF_LINES:
            raise RequestFormatError(f"一致性证明超过 {MAX_PROOF_LINES} 行 / more than {MAX_PROOF_LINES} proof lines")
        try:
            value = base64.b64decode(line, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise RequestFormatError("证明行不是 base64 / a proof line is not base64") from exc
        if len(value) != HASH_SIZE:
            raise RequestFormatError("证明哈希应为 32 字节 / a proof hash must be 32 bytes")
        proof.append(value)
    if old_size == 0 and proof:
        raise RequestFormatError("旧大小为 0 时证明必须为空 / the proof must be empty when the old size is 0")
    try:
        checkpoint = parse_checkpoint(parse_note(rest).text)
    except LedgerError as exc:
        raise RequestFormatError(f"{exc.zh} / {exc.en}") from exc
    return AddCheckpointRequest(old_size, tuple(proof), rest, checkpoint)


@dataclass(frozen=True)
class Answer:
    """An HTTP answer, independent of the web framework (so it can be tested directly)."""

    status: int
    body: str
    media_type: str = "text/plain; charset=utf-8"


def _message(zh: str, en: str) -> str:
    return f"{zh}\n{en}\n"


class WitnessServer:
    """The add-checkpoint logic of one witness directory."""

    def __init__(self, home: WitnessHome) -> None:
        self.home = home

    def add_checkpoint(self, body: bytes) -> Answer:
        try:
            request = parse_request(body)
        except RequestFormatError as exc:
            return Answer(400, _message("请求格式错误", f"malformed request: {exc}"))
        origin, size = request.checkpoint.origin, request.checkpoint.size
        try:
            watched = {log.origin for log in self.home.logs()}
        except Refusal as exc:  # the witness's own configuration is broken: its fault, not the client's
            log.error("witness configuration: %s / %s", exc.message_zh, exc.message_en)
            return Answer(500, _message(exc.message_zh, exc.message_en))
        if origin not in watched:
            return Answer(404, _message(f"本见证方不见证来源为 {origin!r} 的账本",
                                        f"this witness does not witness the log {origin!r}"))
        if request.old_size > size:
            return Answer(400, _message(f"旧大小 {request.old_size} 大于检查点大小 {size}",
                                        f"old size {request.old_size} is larger than the checkpoint size {size}"))
        try:
            line = self.home.add_checkpoint(request.note, request.old_size, request.proof)
        except OldSizeMismatchError as exc:
            return Answer(409, f"{exc.held_size}\n", SIZE_MEDIA_TYPE)
        except UnknownOriginError as exc:
            return Answer(404, _message(exc.zh, exc.en))
        except CheckpointSignatureError as exc:
            return Answer(403, _message(exc.zh, exc.en))
        except SizeRegressionError as exc:
            return Answer(400, _message(exc.zh, exc.en))
        except ConsistencyProofError as exc:
            evidence = self.home.record_refusal(body, exc.en, origin, size)
            log.error("refused an inconsistent checkpoint of %s at size %d; evidence kept in %s", origin, size,
                      evidence)
            if request.old_size == size:
                # Same size, other root: the spec answers 409; the body says which size is held.
                return Answer(409, f"{size}\n", SIZE_MEDIA_TYPE)
            return Answer(422, _message(exc.zh, exc.en))
        except WitnessRefusal as exc:
            return Answer(400, _message(exc.zh, exc.en))
        log.info("cosigned %s at size %d", origin, size)
        return Answer(200, line.line())


def witness_app(home: WitnessHome) -> Starlette:
    """The witness's HTTP application: ``POST /add-checkpoint`` (C2SP tlog-witness)."""
    server = WitnessServer(home)

    async def add_checkpoint(request: Request) -> Response:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
            return PlainTextResponse(_message("请求体过大", "request body too large"), status_code=413)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                return PlainTextResponse(_message("请求体过大", "request body too large"), status_code=413)
        # Signature checks and the fsync of the new state block: keep them off the event loop.
        answer = await run_in_threadpool(server.add_checkpoint, bytes(body))
        # The header is set as is: Starlette would add "; charset=utf-8" to a text/* media type, and the
        # spec asks for exactly text/x.tlog.size.
        return Response(answer.body.encode("utf-8"), status_code=answer.status,
                        headers={"content-type": answer.media_type})

    return Starlette(routes=[Route("/add-checkpoint", add_checkpoint, methods=["POST"])])


class HttpWitnessTransport:
    """The platform's add-checkpoint client (the ``WitnessTransport`` port) over httpx."""

    def __init__(self, timeout: float = 10.0, client: httpx.Client | None = None) -> None:
        self.timeout = timeout
        self._client = client
        self._lock = threading.Lock()

    def _http(self) -> httpx.Client:
        # Made on first use: most platform processes never talk to a witness.
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(timeout=self.timeout, headers={"User-Agent": "jianzheng-witness-client"})
            return self._client

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def add_checkpoint(self, witness: RegisteredWitness, old_size: int, proof: Sequence[bytes],
                       signed_checkpoint: str) -> str:
        url = f"{witness.url}/add-checkpoint"
        try:
            response = self._http().post(url, content=format_request(old_size, proof, signed_checkpoint))
        except httpx.HTTPError as exc:
            raise WitnessUnavailable(f"无法连接见证方 {witness.name}（{url}）：{exc.__class__.__name__}",
                                     f"cannot reach witness {witness.name} at {url}: {exc}") from exc
        text = response.text
        if response.status_code == 200:
            return text
        if response.status_code == 409:
            held = text.strip()
            if response.headers.get("content-type", "").startswith(SIZE_MEDIA_TYPE) and _DECIMAL.fullmatch(held):
                raise WitnessConflict(f"见证方持有的大小是 {held}，不是 {old_size}",
                                      f"the witness holds size {held}, not {old_size}", int(held))
        if response.status_code >= 500:
            raise WitnessUnavailable(f"见证方 {witness.name} 出错（HTTP {response.status_code}）",
                                     f"witness {witness.name} failed (HTTP {response.status_code})")
        summary = " ".join(text.split())[:300]
        raise WitnessRejected(f"见证方 {witness.name} 拒绝副签（HTTP {response.status_code}）：{summary}",
                              f"witness {witness.name} refused to cosign (HTTP {response.status_code}): {summary}",
                              response.status_code)

