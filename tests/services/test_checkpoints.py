"""Checkpoints: made on stage changes, every M events and every N seconds; signed by both keys."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

from jianzheng.adapters.keyring import load_platform_verifiers, platform_key_paths
from jianzheng.ledger.checkpoint import open_checkpoint
from jianzheng.ledger.proofs import verify_consistency
from tests.support.tender import TenderWorld, announce, build_world, register_lot


def test_keys_are_owner_only_and_published(world: TenderWorld) -> None:
    data_dir: Path = world.services.settings.data_dir
    for paths in platform_key_paths(data_dir).values():
        assert stat.S_IMODE(paths.signer.stat().st_mode) == 0o600
        assert stat.S_IMODE(paths.signer.parent.stat().st_mode) == 0o700
        assert paths.verifier.read_text().startswith(world.services.settings.ledger_origin + "+")


def test_stage_change_makes_a_checkpoint_signed_by_ed25519_and_sm2(world: TenderWorld) -> None:
    lot_id = register_lot(world)
    with world.services.store.read() as s:
        before = s.latest_checkpoint()
    announce(world, lot_id)
    with world.services.store.read() as s:
        latest = s.latest_checkpoint()
        size = s.tree_size()
        root = s.tree_root(size)
    assert latest is not None and latest.reason == "stage"
    assert before is None or latest.tree_size > before.tree_size
    assert latest.tree_size == size and latest.root_hash == root
    verifiers = load_platform_verifiers(world.services.settings.data_dir)
    checkpoint, report = open_checkpoint(latest.note, verifiers)
    assert checkpoint.origin == world.services.settings.ledger_origin
    assert len(report.verified) == 2 and not report.failed


def test_every_m_events_and_every_n_seconds(tmp_path: Path, database_url: str) -> None:
    world = build_world(tmp_path, database_url, checkpoint_events=3, checkpoint_seconds=3600)
    checkpointer = world.services.checkpointer
    with world.services.store.read() as s:
        first = s.checkpoint_count()
    # Registering people changes no stage; every third event must still be checkpointed.
    for n in range(4):
        world.person(f"x{n}", ("staff",))
    with world.services.store.read() as s:
        reasons = [c.reason for c in s.checkpoints(100)]
        assert s.checkpoint_count() > first
    assert "events" in reasons
    world.person("late", ("staff",))
    assert checkpointer.tick() is None  # the interval has not passed
    world.clock.advance(timedelta(hours=2))
    made = checkpointer.tick()
    assert made is not None and made.reason == "time"
    assert checkpointer.tick() is None  # nothing new since


def test_successive_checkpoints_are_consistent(world: TenderWorld) -> None:
    lot_id = register_lot(world)
    announce(world, lot_id)
    with world.services.store.read() as s:
        made = sorted(s.checkpoints(1000), key=lambda c: c.tree_size)
        assert len(made) >= 2
        for old, new in zip(made, made[1:], strict=False):
            proof = s.consistency_proof(old.tree_size, new.tree_size)
            assert verify_consistency(old.tree_size, new.tree_size, old.root_hash, new.root_hash, proof)
