"""A simulated trading center: honest behaviour and labelled misconduct through the real services.

`simulate(settings, SimulationConfig(...))` plays a year of tenders into a fresh data
directory — every registration, bid, score and award a witnessed command through
`jianzheng.services.platform.Platform` on a simulated clock — and writes the planted
cases to `labels.jsonl` beside the data; `jianzheng.simulate.scoring` scores a detector's
cases against them. See docs/simulator.md.
"""

from jianzheng.simulate.config import SimulationConfig
from jianzheng.simulate.runner import SimulationResult, simulate, simulation_settings

__all__ = ["SimulationConfig", "SimulationResult", "simulate", "simulation_settings"]
