"""`jianzheng verify`: prove that the database still says what the witnessed ledger says.

It recomputes the Merkle tree from the events' entries and compares every stored node and
every checkpoint root; checks the events' sequence, their canonical form and their
indexed columns; checks every checkpoint's platform signatures (Ed25519 and SM2), every
witness cosignature and the consistency of consecutive checkpoints; replays every event
into empty read tables and compares them with the live ones column by column; and
recomputes the SHA-256 and SM3 of every document the events reference. Each discrepancy is
named (table, key, field; event sequence number or leaf index; tree node; checkpoint;
blob digest). See ``runner`` for the order of work, and docs/ledger.md, "Verification".

Public API::

    VerifyOptions(platform_keys, witness_keys=(), blobs=None, limit=100, batch=10_000,
                  replay="memory", workers=1)
    verify(engine, options, progress=None) -> Report
    load_keys(data_dir, platform_files=(), witness_files=()) -> VerifierKeys
    Report, Discrepancy
"""

from __future__ import annotations

from jianzheng.adapters.sql.verify.keys import VerifierKeys, load_keys
from jianzheng.adapters.sql.verify.report import Discrepancy, Report
from jianzheng.adapters.sql.verify.runner import Progress, VerifyOptions, verify

__all__ = ["Discrepancy", "Progress", "Report", "VerifierKeys", "VerifyOptions", "load_keys", "verify"]
