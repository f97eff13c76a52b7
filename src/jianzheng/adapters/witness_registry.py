"""The platform's witness registry: ``<data dir>/witnesses.toml``.

Each entry names a witness the platform sends its checkpoints to::

    [[witness]]
    name = "bureau.example/witness"          # the witness's key name (its cosignature lines carry it)
    url = "https://bureau.example/tlog"      # submission prefix: POST <url>/add-checkpoint
    key = "bureau.example/witness+1a2b3c4d+BP..."   # its verifier key (cosignature/v1)

A file rather than a table: the list is configuration the operator edits and reviews (and
keeps beside the platform's own keys), not a record of what happened; the cosignatures the
witnesses return are what goes into the database. The file is rewritten atomically. It is
read on every checkpoint, so ``jianzheng ledger witness add`` takes effect in a running
server without a restart.
"""

from __future__ import annotations

import json
import os
import tempfile
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

from jianzheng.domain.errors import Refusal, invalid
from jianzheng.ledger.errors import LedgerError
from jianzheng.ledger.signers import check_key_name
from jianzheng.services.witnesses import RegisteredWitness

FILE_NAME = "witnesses.toml"
_HEADER = (
    "# 见证方登记：平台把检查点发送给这些见证方副签（jianzheng ledger witness add/remove 维护此文件）\n"
    "# Witnesses this platform sends its checkpoints to for cosigning (kept by `jianzheng ledger witness`).\n"
)


def check_url(url: str) -> str:
    """An http(s) URL with a host; the submission prefix, without a trailing slash."""
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise invalid("url", f"见证方地址应为 http(s)://主机[:端口][/路径]：{url}",
                      f"The witness URL must be http(s)://host[:port][/path]: {url!r}")
    if parts.query or parts.fragment:
        raise invalid("url", f"见证方地址不能带查询串或片段：{url}",
                      f"The witness URL cannot carry a query or fragment: {url!r}")
    return text.rstrip("/")


def check_witness(witness: RegisteredWitness) -> RegisteredWitness:
    """Validate an entry: a valid key name, an http(s) URL, and a cosignature key of that name."""
    try:
        check_key_name(witness.name)
    except LedgerError as exc:
        raise invalid("name", exc.zh, exc.en) from exc
    url = check_url(witness.url)
    verifier = witness.verifier()
    if verifier.name != witness.name:
        raise invalid("key", f"公钥的名称 {verifier.name!r} 与见证方名称 {witness.name!r} 不符（副签行以公钥名称署名）",
                      f"The key is named {verifier.name!r}, not {witness.name!r} (cosignature lines carry the "
                      "key's name)")
    return RegisteredWitness(witness.name, url, witness.key.strip())


def _toml_string(value: str) -> str:
    # A JSON string literal is a valid TOML basic string (same escapes: \" \\ \n \t \uXXXX ...).
    return json.dumps(value, ensure_ascii=False)


class FileWitnessRegistry:
    """A :class:`~jianzheng.services.witnesses.WitnessRegistry` in ``<data dir>/witnesses.toml``."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / FILE_NAME

    def witnesses(self) -> list[RegisteredWitness]:
        if not self.path.exists():
            return []
        try:
            document = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise self._corrupt(str(exc)) from exc
        entries = document.get("witness", [])
        if not isinstance(entries, list):
            raise self._corrupt("[[witness]] must be an array of tables")
        found: list[RegisteredWitness] = []
        for number, entry in enumerate(entries, start=1):
            if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("name", "url", "key")):
                raise self._corrupt(f"entry {number} needs name, url and key strings")
            try:
                found.append(check_witness(RegisteredWitness(entry["name"], entry["url"], entry["key"])))
            except Refusal as refusal:
                raise self._corrupt(f"entry {number}: {refusal.message_en}") from refusal
        return found

    def _corrupt(self, detail: str) -> Refusal:
        return Refusal("witness.registry", f"见证方登记文件 {self.path} 无法读取：{detail}",
                       f"The witness registry {self.path} cannot be read: {detail}", status=500)

    def add(self, witness: RegisteredWitness) -> None:
        """Register a witness; refuses a name or key that is already registered."""
        checked = check_witness(witness)
        current = self.witnesses()
        if any(w.name == checked.name for w in current):
            raise Refusal("witness.exists", f"见证方已登记：{checked.name}", f"The witness is already registered: "
                          f"{checked.name}", field="name", status=409)
        if any(w.key == checked.key for w in current):
            raise Refusal("witness.exists", "此公钥已登记给另一见证方", "This key is already registered for another "
                          "witness", field="key", status=409)
        self._write([*current, checked])

    def remove(self, name: str) -> None:
        current = self.witnesses()
        if not any(w.name == name for w in current):
            raise Refusal("not_found", f"未登记此见证方：{name}", f"No witness named {name!r} is registered",
                          status=404, details={"kind": "witness", "id": name})
        self._write([w for w in current if w.name != name])

    def _write(self, witnesses: list[RegisteredWitness]) -> None:
        blocks = [
            f"[[witness]]\nname = {_toml_string(w.name)}\nurl = {_toml_string(w.url)}\nkey = {_toml_string(w.key)}\n"
            for w in witnesses
        ]
        text = _HEADER + "".join("\n" + block for block in blocks)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{FILE_NAME}.")
        try:
            os.fchmod(descriptor, 0o644)  # public configuration: names, URLs and public keys only
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
