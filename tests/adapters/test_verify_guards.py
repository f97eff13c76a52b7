"""The checkpoint and cosignature tables refuse UPDATE and DELETE in the database itself.

(`tests/adapters/test_schema.py` shows the same for `events` and `ledger_nodes`.) On
PostgreSQL the triggers fire per row, so the test first makes sure there is a row to refuse.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from jianzheng.ledger.keys import generate_signer
from jianzheng.services.ports import StoredCosignature
from tests.support.tender import announce, build_world, register_lot


@pytest.mark.parametrize("statement", [
    "UPDATE checkpoints SET reason = 'rewritten'",
    "UPDATE checkpoints SET root_hash = root_hash",
    "DELETE FROM checkpoints",
    "UPDATE cosignatures SET line = 'forged'",
    "DELETE FROM cosignatures",
])
def test_checkpoints_and_cosignatures_are_append_only(tmp_path: Path, database_url: str, statement: str) -> None:
    world = build_world(tmp_path, database_url, bidders=1, experts=0)
    lot_id = register_lot(world)
    announce(world, lot_id)
    witness = generate_signer("notary.example/witness", "cosignature")
    with world.services.store.write() as session:
        latest = session.latest_checkpoint()
        assert latest is not None
        line = witness.cosign(latest.note)
        session.add_cosignature(latest.checkpoint_id, StoredCosignature(
            witness.name, line.key_id.hex(), line.line(), int.from_bytes(line.signature[:8], "big"),
            "2026-03-02T01:00:00.000Z"))
    engine = world.services.engine

    def snapshot() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
        with engine.connect() as conn:
            return ([tuple(r) for r in conn.execute(sa.text("SELECT * FROM checkpoints ORDER BY checkpoint_id"))],
                    [tuple(r) for r in conn.execute(sa.text("SELECT * FROM cosignatures"))])

    before = snapshot()
    assert before[0] and before[1]
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(sa.text(statement))
    assert snapshot() == before
    engine.dispose()
