"""The platform's checkpoint signing keys in the data directory.

``jianzheng init`` generates two keys named after the ledger's origin — Ed25519 and SM2
over SM3 — and stores them as signed-note signer keys in ``<data dir>/keys/`` (directory
0700, files 0600). Their public halves are written beside them in the signed-note verifier
key format (``*.vkey``, 0644) so they can be published and handed to witnesses and anyone
who verifies a certificate.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jianzheng.domain.errors import Refusal
from jianzheng.ledger.errors import LedgerError
from jianzheng.ledger.keys import (
    generate_signer,
    load_signer_key,
    load_verifier_key,
    save_signer_key,
    save_verifier_key,
)
from jianzheng.ledger.signers import Signer, Verifier

ALGORITHMS = ("ed25519", "sm2")


@dataclass(frozen=True)
class KeyPaths:
    signer: Path
    verifier: Path


def key_directory(data_dir: Path) -> Path:
    return data_dir / "keys"


def platform_key_paths(data_dir: Path) -> dict[str, KeyPaths]:
    folder = key_directory(data_dir)
    return {a: KeyPaths(folder / f"platform-{a}.key", folder / f"platform-{a}.vkey") for a in ALGORITHMS}


def _refusal(exc: LedgerError) -> Refusal:
    return Refusal("ledger.keys", f"平台签名密钥不可用：{exc.zh}", f"The platform signing keys are unusable: {exc.en}",
                   status=500)


def ensure_platform_keys(data_dir: Path, origin: str) -> list[Signer]:
    """Load the platform's signers, generating any that do not exist yet."""
    signers: list[Signer] = []
    for algorithm, paths in platform_key_paths(data_dir).items():
        try:
            if paths.signer.exists():
                signer = load_signer_key(paths.signer)
            else:
                signer = generate_signer(origin, algorithm)
                save_signer_key(paths.signer, signer)
            if not paths.verifier.exists():
                save_verifier_key(paths.verifier, signer)
        except LedgerError as exc:
            raise _refusal(exc) from exc
        if signer.name != origin:
            raise Refusal("ledger.origin", f"签名密钥的名称 {signer.name!r} 与账本来源 {origin!r} 不符",
                          f"The signing key is named {signer.name!r} but the ledger origin is {origin!r}",
                          status=500)
        signers.append(signer)
    return signers


def load_platform_verifiers(data_dir: Path) -> list[Verifier]:
    """The platform's public keys as published beside the signer keys."""
    try:
        return [load_verifier_key(p.verifier) for p in platform_key_paths(data_dir).values() if p.verifier.exists()]
    except LedgerError as exc:
        raise _refusal(exc) from exc
