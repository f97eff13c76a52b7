"""Typed errors of the witness ledger, each with a Chinese and an English message.

Every failure a user or an operator can meet (a malformed note, a refused checkpoint, a
proof that does not verify) is a subclass of :class:`LedgerError`. The message is given in
Simplified Chinese first and English second, as the rest of the product does, so the CLI
and the web layer can show it unchanged.
"""

from __future__ import annotations


class LedgerError(Exception):
    """Base class: a ledger operation was refused; nothing was written."""

    def __init__(self, zh: str, en: str) -> None:
        self.zh = zh
        self.en = en
        super().__init__(f"{zh} / {en}")


class CanonicalEncodingError(LedgerError, ValueError):
    """A value cannot be encoded as canonical JSON (RFC 8785) for the ledger."""


class ProofError(LedgerError, ValueError):
    """A Merkle proof was asked for impossible sizes or indexes, or did not verify."""


class MissingNodeError(LedgerError, LookupError):
    """The node store lacks a subtree hash that the tree size says must exist."""


class NoteFormatError(LedgerError, ValueError):
    """A signed note, key string or checkpoint is malformed."""


class NoteVerificationError(LedgerError):
    """A signed note did not verify against the trusted keys."""


class ProofFormatError(LedgerError, ValueError):
    """A c2sp.org/tlog-proof@v1 document is malformed."""


class KeyFileError(LedgerError):
    """A key file could not be written or read safely."""
