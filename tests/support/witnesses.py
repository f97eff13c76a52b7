"""Witnesses for tests: a witness directory watching a world's ledger, served in-process or over real HTTP.

`attach_witness` initialises a witness directory (its own key, its own state), makes it
watch the world's log with the platform's verifier keys, registers it with the platform and
points the platform's collector at it through `transport` (default: the witness's ASGI app
in-process via Starlette's TestClient, which is an httpx client — the same client code and
the same server code as over the network). `served` runs the witness app under uvicorn on
a free local port for tests of the real HTTP path.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from starlette.testclient import TestClient

from jianzheng.adapters.keyring import platform_key_paths
from jianzheng.adapters.witness_home import WitnessHome
from jianzheng.adapters.witness_http import HttpWitnessTransport, witness_app
from jianzheng.services.witnesses import RegisteredWitness, WitnessTransport
from tests.support.tender import TenderWorld

WITNESS_NAME = "bureau.example/witness"


def platform_vkeys(data_dir: Path) -> list[str]:
    return [p.verifier.read_text(encoding="utf-8").strip() for p in platform_key_paths(data_dir).values()]


def make_home(directory: Path, world: TenderWorld, name: str = WITNESS_NAME) -> WitnessHome:
    home = WitnessHome.init(directory, name)
    home.add_log(world.services.settings.ledger_origin, platform_vkeys(world.services.settings.data_dir))
    return home


def in_process(home: WitnessHome) -> HttpWitnessTransport:
    """The platform's HTTP client talking to the witness app without a socket."""
    return HttpWitnessTransport(client=TestClient(witness_app(home), base_url="http://witness.test"))


def attach_witness(world: TenderWorld, directory: Path, transport: WitnessTransport | None = None,
                   url: str = "http://witness.test", name: str = WITNESS_NAME) -> WitnessHome:
    """A witness watching `world`'s log, registered with the platform; collection made synchronous."""
    home = make_home(directory, world, name)
    cosigner = world.services.cosigner
    cosigner.registry.add(RegisteredWitness(name, url, home.verifier_key()))
    cosigner.transport = transport or in_process(home)
    cosigner.background = False
    return home


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def served(app: Any) -> Iterator[str]:
    """Serve an ASGI app with uvicorn in a thread on a free port; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the witness server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
