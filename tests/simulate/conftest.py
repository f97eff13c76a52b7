"""One small simulated year shared by the simulator's tests (it is the expensive part)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from jianzheng.bootstrap import Services, bootstrap
from jianzheng.simulate import SimulationConfig, SimulationResult, simulate, simulation_settings
from jianzheng.simulate.kinds import default_rates
from jianzheng.simulate.labels import Case, load_labels


def small_config(seed: int = 7) -> SimulationConfig:
    """Twelve lots, every kind planted; two cover-bidding lots so the cartel can rotate."""
    rates = default_rates()
    rates["cover_bidding"] = 0.17
    return SimulationConfig(seed=seed, lots=12, bidders=40, experts=15, tenderers=3, agencies=2, rings=2,
                            cartels=1, start_window_days=40, rates=rates)


@dataclass
class Simulated:
    result: SimulationResult
    services: Services
    cases: list[Case]

    def rows(self, table: str, **where: Any) -> list[dict[str, Any]]:
        with self.services.store.read() as session:
            return session.rows(table, where or None)

    def content(self, bid: dict[str, Any]) -> dict[str, Any]:
        return self.services.platform.bid_content(bid["content_sha256"])


@pytest.fixture(scope="session")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulated]:
    directory: Path = tmp_path_factory.mktemp("simulated") / "year"
    result = simulate(simulation_settings(directory), small_config(),
                      {"staff": "staff-pass-1", "bidder": "bidder-pass-1"})
    services = bootstrap(simulation_settings(directory), create=False)
    try:
        yield Simulated(result, services, load_labels(result.labels_path))
    finally:
        services.engine.dispose()
