"""Witnesses and cosignature collection: honest growth is cosigned, rewritten histories are refused.

The witness here is the real thing — its own directory, key and state, answering C2SP
tlog-witness requests through its HTTP application (in-process through an httpx client, and
once over a real socket with uvicorn). The platform is a full `build_world` on SQLite and
PostgreSQL. A rewritten history is built the way an operator would have to: a second
platform database whose events are changed, dropped or forked, signed with the same
platform keys.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from jianzheng.adapters.keyring import ensure_platform_keys, load_platform_verifiers
from jianzheng.adapters.sql import event_store
from jianzheng.adapters.sql.database import WRITE, create_schema, make_engine
from jianzheng.adapters.sql.store import LedgerAppender, SqlStore
from jianzheng.adapters.witness_home import WitnessHome
from jianzheng.adapters.witness_http import HttpWitnessTransport, format_request, witness_app
from jianzheng.domain.events import Envelope, EventDraft, WitnessedEvent
from jianzheng.ledger.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from jianzheng.ledger.cosignature import CosignatureSigner, CosignatureVerifier, verify_cosignature
from jianzheng.ledger.keys import parse_verifier_key
from jianzheng.ledger.witness import ConsistencyProofError, HeldCheckpoint
from jianzheng.services.ports import StoredCheckpoint
from jianzheng.services.witnesses import RegisteredWitness, WitnessRejected, WitnessUnavailable
from tests.support.tender import TenderWorld, announce, build_world, register_lot
from tests.support.witnesses import WITNESS_NAME, attach_witness, free_port, in_process, make_home, served


class Recording:
    """A transport that records (old size, new size) of each request and passes it on."""

    def __init__(self, inner: HttpWitnessTransport) -> None:
        self.inner = inner
        self.calls: list[tuple[int, int]] = []

    def add_checkpoint(self, witness: RegisteredWitness, old_size: int, proof: Sequence[bytes],
                       signed_checkpoint: str) -> str:
        size = int(signed_checkpoint.split("\n")[1])
        self.calls.append((old_size, size))
        return self.inner.add_checkpoint(witness, old_size, proof, signed_checkpoint)


def checkpoints_of(world: TenderWorld) -> list[StoredCheckpoint]:
    with world.services.store.read() as session:
        return sorted(session.checkpoints(1000), key=lambda c: c.tree_size)


def held(home: WitnessHome, world: TenderWorld) -> HeldCheckpoint | None:
    return home.state().load(world.services.settings.ledger_origin)


def witness_verifier(home: WitnessHome) -> CosignatureVerifier:
    verifier = parse_verifier_key(home.verifier_key())
    assert isinstance(verifier, CosignatureVerifier)
    return verifier


def test_checkpoints_are_cosigned_from_the_last_cosigned_size(world: TenderWorld, tmp_path: Path) -> None:
    home = attach_witness(world, tmp_path / "witness")
    recording = Recording(in_process(home))
    world.services.cosigner.transport = recording
    first = world.services.cosigner.collect()
    assert [(o.witness, o.status) for o in first] == [(WITNESS_NAME, "cosigned")]
    before = {c.tree_size for c in checkpoints_of(world)}
    lot = register_lot(world)
    announce(world, lot)  # four stage changes: four checkpoints, each sent as it is made
    made = [c for c in checkpoints_of(world) if c.tree_size not in before]
    assert len(made) >= 4
    # Each request proves consistency from the size the witness cosigned before it.
    sizes = [size for _, size in recording.calls]
    assert [old for old, _ in recording.calls] == [0, *sizes[:-1]]
    assert sizes[1:] == [c.tree_size for c in made]
    verifier = witness_verifier(home)
    platform = load_platform_verifiers(world.services.settings.data_dir)
    for checkpoint in made:
        assert [c.witness for c in checkpoint.cosignatures] == [WITNESS_NAME]
        timestamp = verify_cosignature(checkpoint.cosigned_note(), verifier)
        assert timestamp == checkpoint.cosignatures[0].timestamp
        _, report = open_checkpoint(checkpoint.cosigned_note(), [*platform, verifier])
        assert len(report.verified) == 3 and not report.failed
    state = held(home, world)
    assert state is not None and state.size == made[-1].tree_size and state.root_hash == made[-1].root_hash
    assert world.services.cosigner.last_cosigned(world.services.cosigner.registry.witnesses()[0]) == state.size
    # Asking again changes nothing: the cosignature is already there.
    assert [o.status for o in world.services.cosigner.collect()] == ["present"]


def test_a_witness_that_is_down_fails_no_command_and_is_caught_up(world: TenderWorld, tmp_path: Path) -> None:
    home = make_home(tmp_path / "witness", world)
    cosigner = world.services.cosigner
    cosigner.registry.add(RegisteredWitness(WITNESS_NAME, f"http://127.0.0.1:{free_port()}", home.verifier_key()))
    cosigner.transport = HttpWitnessTransport(timeout=5)
    cosigner.background = False
    lot = register_lot(world)
    announce(world, lot)  # every checkpoint's collection fails: the commands must not
    assert world.services.queries.lot(world.actors["staff"], lot)["stage"] == "bidding"
    assert all(not c.cosignatures for c in checkpoints_of(world))
    outcome = cosigner.last_outcomes[0]
    assert outcome.status == "failed"
    assert "无法连接见证方" in outcome.message_zh and "cannot reach" in outcome.message_en
    assert held(home, world) is None
    # The witness comes back: the next collection proves from size 0, as it holds nothing.
    cosigner.transport = in_process(home)
    assert [o.status for o in cosigner.collect()] == ["cosigned"]
    latest = checkpoints_of(world)[-1]
    state = held(home, world)
    assert state is not None and state.size == latest.tree_size
    assert [c.witness for c in latest.cosignatures] == [WITNESS_NAME]


class Losing:
    """The witness cosigns, but its answer never reaches the platform (connection lost, crash)."""

    def __init__(self, inner: HttpWitnessTransport) -> None:
        self.inner = inner

    def add_checkpoint(self, witness: RegisteredWitness, old_size: int, proof: Sequence[bytes],
                       signed_checkpoint: str) -> str:
        self.inner.add_checkpoint(witness, old_size, proof, signed_checkpoint)
        raise WitnessUnavailable("连接中断", "connection reset")


def test_a_conflict_is_retried_once_from_the_size_the_witness_holds(world: TenderWorld, tmp_path: Path) -> None:
    home = attach_witness(world, tmp_path / "witness")
    inner = in_process(home)
    world.services.cosigner.transport = Losing(inner)
    lot = register_lot(world)
    lost = world.services.checkpointer.checkpoint("stage", only_if_grown=False)
    assert lost is not None and not checkpoints_of(world)[-1].cosignatures
    if world.services.cosigner.last_outcomes == []:  # the checkpoint existed before: offer it now
        world.services.cosigner.collect(lost)
    state = held(home, world)
    assert state is not None and state.size == lost.tree_size  # the witness holds what the platform never stored
    recording = Recording(inner)
    world.services.cosigner.transport = recording
    announce(world, lot)
    first = recording.calls[0][1]
    assert recording.calls[:2] == [(0, first), (lost.tree_size, first)]  # 409, then once from the held size
    assert all(c.cosignatures for c in checkpoints_of(world) if c.tree_size > lost.tree_size)


class Answering:
    """A witness that answers 200 with a fixed body whatever it is sent."""

    def __init__(self, body: str) -> None:
        self.body = body

    def add_checkpoint(self, witness: RegisteredWitness, old_size: int, proof: Sequence[bytes],
                       signed_checkpoint: str) -> str:
        return self.body


def test_cosignatures_that_do_not_verify_are_not_stored(world: TenderWorld, tmp_path: Path) -> None:
    home = attach_witness(world, tmp_path / "witness")
    latest = checkpoints_of(world)[-1]
    impostor = CosignatureSigner(WITNESS_NAME)  # same name, another key
    other = Checkpoint(world.services.settings.ledger_origin, latest.tree_size + 1, b"\x07" * 32)
    answers = [
        impostor.cosign(latest.note).line(),  # signed by someone else under the witness's name
        home.signer.cosign(other.to_text() + "\n— x AAAAAAAA\n").line(),  # the witness's key, another checkpoint
        "not a signature line\n",
        "",
    ]
    for body in answers:
        world.services.cosigner.transport = Answering(body)
        outcomes = world.services.cosigner.collect()
        assert [o.status for o in outcomes] == ["failed"], body
    assert not checkpoints_of(world)[-1].cosignatures


def test_collection_runs_in_the_background(world: TenderWorld, tmp_path: Path) -> None:
    home = attach_witness(world, tmp_path / "witness")
    cosigner = world.services.cosigner
    cosigner.background = True
    try:
        lot = register_lot(world)
        announce(world, lot)
        assert cosigner.wait(60)
        latest = checkpoints_of(world)[-1]
        assert [c.witness for c in latest.cosignatures] == [WITNESS_NAME]
        state = held(home, world)
        assert state is not None and state.size == latest.tree_size
    finally:
        cosigner.close()


# -- rewritten histories -------------------------------------------------------------------------


def all_events(world: TenderWorld) -> list[WitnessedEvent]:
    with world.services.store.read() as session:
        entries = session.leaves(0, session.tree_size())
    return [event_store.from_entry(e.decode("utf-8")) for e in entries]


def rebuilt_log(events: Sequence[WitnessedEvent], directory: Path) -> SqlStore:
    """A second platform database holding `events` as its ledger (what an operator rewriting history builds)."""
    directory.mkdir(parents=True)
    engine = make_engine(f"sqlite:///{directory / 'rewritten.sqlite3'}")
    create_schema(engine)
    appender = LedgerAppender()
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        for event in events:
            envelope = Envelope(event.time, event.actor, event.role, event.source_ip, event.command_id, event.origin)
            witnessed, entries = event_store.append(conn, [EventDraft(event.type, event.stream, event.payload)],
                                                    envelope)
            appender.append(conn, witnessed[0].seq - 1, entries)
    return SqlStore(engine)


def forged_request(world: TenderWorld, store: SqlStore, old_size: int) -> tuple[str, list[bytes]]:
    """The operator's best attempt: a checkpoint of the rewritten tree, signed with the platform's own keys."""
    signers = ensure_platform_keys(world.services.settings.data_dir, world.services.settings.ledger_origin)
    with store.read() as session:
        size = session.tree_size()
        proof = session.consistency_proof(old_size, size)
        root = session.tree_root(size)
    note = sign_checkpoint(Checkpoint(world.services.settings.ledger_origin, size, root), signers).decode()
    return note, proof


def assert_refused(home: WitnessHome, world: TenderWorld, note: str, proof: list[bytes], old_size: int,
                   status: int = 422) -> None:
    before = held(home, world)
    with pytest.raises(ConsistencyProofError) as info:
        home.add_checkpoint(note, old_size, proof)
    assert "history rewritten" in info.value.en and "历史被改写" in info.value.zh
    assert held(home, world) == before
    evidence = len(home.refusals())
    with TestClient(witness_app(home)) as client:
        response = client.post("/add-checkpoint", content=format_request(old_size, proof, note))
    assert response.status_code == status, response.text
    assert held(home, world) == before
    assert len(home.refusals()) == evidence + 1  # the signed, inconsistent checkpoint is kept as evidence


def test_changed_and_dropped_events_are_refused(world: TenderWorld, tmp_path: Path) -> None:
    home = attach_witness(world, tmp_path / "witness")
    lot = register_lot(world)
    announce(world, lot)
    cosigned = held(home, world)
    assert cosigned is not None and cosigned.size > 20
    size = cosigned.size
    events = all_events(world)[:size]
    victim = next(i for i, e in enumerate(events) if e.type == "person.registered" and i > 5)
    tail = events[-3:]  # the operator also appends a few events, to look like ordinary growth

    changed = list(events)
    payload = dict(changed[victim].payload, name="改过的名字")
    changed[victim] = WitnessedEvent(**{**changed[victim].__dict__, "payload": payload})
    note, proof = forged_request(world, rebuilt_log([*changed, *tail], tmp_path / "changed"), size)
    assert_refused(home, world, note, proof, size)

    dropped = [e for i, e in enumerate(events) if i != victim]
    note, proof = forged_request(world, rebuilt_log([*dropped, *tail], tmp_path / "dropped"), size)
    assert_refused(home, world, note, proof, size)

    # The same size with the changed event: a second root for a size the witness holds (409 in the spec).
    note, proof = forged_request(world, rebuilt_log(changed, tmp_path / "same-size"), size)
    assert proof == []
    assert_refused(home, world, note, proof, size, status=409)

    # Honest growth still gets its cosignature.
    world.clock.advance(timedelta(days=1))
    world.person("late", ("expert",))
    made = world.services.checkpointer.checkpoint("time", only_if_grown=False)
    assert made is not None
    state = held(home, world)
    assert state is not None and state.size == made.tree_size > size


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_forked_platform_is_refused_over_real_http(database_url: str, tmp_path: Path) -> None:
    honest = build_world(tmp_path / "a", database_url)
    # The operator runs a second platform from the same history and the same keys.
    (tmp_path / "b").mkdir()
    shutil.copytree(tmp_path / "a" / "keys", tmp_path / "b" / "keys")
    fork = build_world(tmp_path / "b", f"sqlite:///{tmp_path / 'fork.sqlite3'}")
    try:
        common = len(all_events(honest))
        assert [e.__dict__ for e in all_events(fork)] == [e.__dict__ for e in all_events(honest)]
        home = make_home(tmp_path / "witness", honest)
        with served(witness_app(home)) as url:
            cosigner = honest.services.cosigner
            cosigner.registry.add(RegisteredWitness(WITNESS_NAME, url, home.verifier_key()))
            cosigner.background = False
            lot = register_lot(honest)  # diverges here: the fork registers another project instead
            announce(honest, lot)
            state = held(home, honest)
            assert state is not None and state.size > common
            assert checkpoints_of(honest)[-1].cosignatures  # cosigned over the socket

            other = register_lot(fork, estimate_fen=2_000_000_000)
            announce(fork, other)
            fork.person("extra", ("expert",))  # a longer branch, so its proof is checked (422, not a size clash)
            forked = fork.services.store
            with forked.read() as session:
                assert session.tree_size() >= state.size
            note, proof = forged_request(fork, forked, state.size)
            # Sent the way the platform's client sends it, over HTTP.
            transport = HttpWitnessTransport(timeout=10)
            with pytest.raises(WitnessRejected) as info:
                transport.add_checkpoint(RegisteredWitness(WITNESS_NAME, url, home.verifier_key()), state.size,
                                         proof, note)
            assert info.value.status == 422 and "consistency proof fails" in info.value.en
            transport.close()
            assert held(home, honest) == state
            with pytest.raises(ConsistencyProofError):
                home.add_checkpoint(note, state.size, proof)
            # And the fork's own collector gets nowhere with this witness either.
            fork.services.cosigner.registry.add(RegisteredWitness(WITNESS_NAME, url, home.verifier_key()))
            fork.services.cosigner.background = False
            outcomes = fork.services.cosigner.collect()
            assert [o.status for o in outcomes] == ["failed"]
            assert held(home, honest) == state
            assert not checkpoints_of(fork)[-1].cosignatures
            # The honest platform keeps growing and keeps its cosignatures.
            honest.clock.advance(timedelta(days=1))
            honest.person("late", ("expert",))
            made = honest.services.checkpointer.checkpoint("time", only_if_grown=False)
            assert made is not None
            assert held(home, honest).size == made.tree_size  # type: ignore[union-attr]
    finally:
        honest.services.engine.dispose()
        fork.services.engine.dispose()


def test_witness_refusals_are_typed_over_http(world: TenderWorld, tmp_path: Path) -> None:
    """403 bad signature, 404 unknown origin, 400 malformed or old > size, 409 with the held size."""
    home = attach_witness(world, tmp_path / "witness")
    latest = checkpoints_of(world)[-1]
    origin = world.services.settings.ledger_origin
    with TestClient(witness_app(home)) as client:
        def post(body: bytes) -> tuple[int, str, str]:
            response = client.post("/add-checkpoint", content=body)
            return response.status_code, response.headers.get("content-type", ""), response.text

        unsigned_by_sm2 = sign_checkpoint(Checkpoint(origin, latest.tree_size, latest.root_hash),
                                          [ensure_platform_keys(world.services.settings.data_dir, origin)[0]])
        assert post(format_request(0, [], unsigned_by_sm2.decode()))[0] == 403
        stranger = sign_checkpoint(Checkpoint("other.example/log", 1, b"\x01" * 32),
                                   ensure_platform_keys(world.services.settings.data_dir, origin))
        assert post(format_request(0, [], stranger.decode()))[0] == 404
        assert post(b"old 01\n\n" + latest.note.encode())[0] == 400
        assert post(b"new 0\n\n" + latest.note.encode())[0] == 400
        assert post(format_request(latest.tree_size + 1, [b"\x00" * 32], latest.note))[0] == 400
        assert post(b"x" * (65 * 1024))[0] == 413
        assert post(format_request(0, [], latest.note))[0] == 200
        status, media, text = post(format_request(0, [], latest.note))
        assert (status, media, text) == (409, "text/x.tlog.size", f"{latest.tree_size}\n")
    state = held(home, world)
    assert state is not None and state.size == latest.tree_size


def test_registry_refuses_bad_entries(world: TenderWorld, tmp_path: Path) -> None:
    from jianzheng.domain.errors import Refusal

    home = make_home(tmp_path / "witness", world)
    registry = world.services.cosigner.registry
    platform_key = (world.services.settings.data_dir / "keys" / "platform-ed25519.vkey").read_text().strip()
    bad = [
        (RegisteredWitness(WITNESS_NAME, "ftp://x", home.verifier_key()), "http(s)"),
        (RegisteredWitness(WITNESS_NAME, "http://", home.verifier_key()), "http(s)"),
        (RegisteredWitness("other.example/w", "http://w.test", home.verifier_key()), "not 'other.example/w'"),
        (RegisteredWitness(WITNESS_NAME, "http://w.test", platform_key), "not a cosignature/v1 key"),
        (RegisteredWitness(WITNESS_NAME, "http://w.test", "garbage"), "invalid"),
        (RegisteredWitness("bad name", "http://w.test", home.verifier_key()), "invalid key name"),
    ]
    for witness, needle in bad:
        with pytest.raises(Refusal) as info:
            registry.add(witness)
        assert needle in info.value.message_en, info.value.message_en
    assert registry.witnesses() == []
    registry.add(RegisteredWitness(WITNESS_NAME, "https://bureau.example/tlog/", home.verifier_key()))
    with pytest.raises(Refusal) as info:
        registry.add(RegisteredWitness(WITNESS_NAME, "https://elsewhere.example", home.verifier_key()))
    assert info.value.status == 409
    assert [(w.name, w.url) for w in registry.witnesses()] == [(WITNESS_NAME, "https://bureau.example/tlog")]
    registry.remove(WITNESS_NAME)
    with pytest.raises(Refusal) as info:
        registry.remove(WITNESS_NAME)
    assert info.value.status == 404
    assert registry.witnesses() == []


def test_engine_sanity_for_rebuilt_logs(world: TenderWorld, tmp_path: Path) -> None:
    """The rebuilt-log helper reproduces the honest tree exactly when nothing is changed."""
    events = all_events(world)
    store = rebuilt_log(events, tmp_path / "copy")
    with store.read() as copy, world.services.store.read() as original:
        assert copy.tree_size() == original.tree_size()
        assert copy.tree_root(copy.tree_size()) == original.tree_root(original.tree_size())
    store.engine.dispose()
