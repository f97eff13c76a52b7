"""The public keys `verify` checks signatures with: files given, or those published in the data directory.

The platform publishes its verifier keys as ``<data dir>/keys/*.vkey`` (signed-note format,
see :mod:`jianzheng.adapters.keyring`). An outsider should rather pass the keys they
obtained independently (``--key``), since whoever can rewrite the database may also be
able to replace files in the data directory. Ed25519 and SM2 keys are the platform's;
cosignature keys are witnesses'. Witness keys come from ``--witness-key`` files, from
cosignature keys among the published ``*.vkey`` files, and from the platform's witness
registry (``<data dir>/witnesses.toml``, :mod:`jianzheng.adapters.witness_registry`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from jianzheng.adapters.keyring import key_directory
from jianzheng.adapters.witness_registry import FileWitnessRegistry
from jianzheng.domain.errors import invalid
from jianzheng.ledger.cosignature import CosignatureVerifier
from jianzheng.ledger.errors import LedgerError
from jianzheng.ledger.keys import parse_verifier_key, verifier_key


@dataclass(frozen=True)
class VerifierKeys:
    """Verifier key strings: the platform's (Ed25519, SM2) and witnesses' (cosignature/v1)."""

    platform: tuple[str, ...]
    witnesses: tuple[str, ...]


def _read(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise invalid("key", f"找不到公钥文件：{path}", f"Key file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise invalid("key", f"无法读取公钥文件 {path}：{exc}", f"Cannot read the key file {path}: {exc}") from None
    try:
        return verifier_key(parse_verifier_key(text))
    except LedgerError as exc:
        raise invalid("key", f"公钥文件 {path} 无效：{exc.zh}", f"The key file {path} is not a verifier key: {exc.en}"
                      ) from None


def load_keys(data_dir: Path | None, platform_files: Iterable[Path] = (),
              witness_files: Iterable[Path] = ()) -> VerifierKeys:
    """Platform keys from ``platform_files``, or else ``<data dir>/keys/*.vkey``; witness keys
    from ``witness_files``, the published keys and the witness registry.

    Refuses a file that is not a verifier key, and a ``--witness-key`` that is not a
    cosignature key.
    """
    chosen = [_read(p) for p in platform_files]
    witnesses = []
    for path in witness_files:
        key = _read(path)
        if not isinstance(parse_verifier_key(key), CosignatureVerifier):
            raise invalid("witness-key", f"{path} 不是见证方的副签公钥（cosignature/v1）",
                          f"{path} is not a witness cosignature key (cosignature/v1)")
        witnesses.append(key)
    published: list[str] = []
    if data_dir is not None and key_directory(data_dir).is_dir():
        published = [_read(p) for p in sorted(key_directory(data_dir).glob("*.vkey"))]
    platform: list[str] = []
    for key in chosen or published:
        (witnesses if isinstance(parse_verifier_key(key), CosignatureVerifier) else platform).append(key)
    if chosen:
        # Witness keys published beside the platform's still count when --key replaced the platform keys.
        witnesses += [k for k in published if isinstance(parse_verifier_key(k), CosignatureVerifier)]
    if data_dir is not None:
        witnesses += [verifier_key(w.verifier()) for w in FileWitnessRegistry(data_dir).witnesses()]
    return VerifierKeys(tuple(dict.fromkeys(platform)), tuple(dict.fromkeys(witnesses)))

