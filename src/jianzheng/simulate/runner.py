"""Run a simulated year on a fresh data directory and write its labels beside the data.

`simulate` bootstraps the platform on a simulated clock with seeded identifiers, draws the
world and the year's plan from the seed, registers everyone, plays every project on the
discrete-event scheduler and writes `labels.jsonl`. The same seed gives the same ledger:
the same events in the same order with the same Merkle root.

The simulated center runs the packaged open-tender procedure with two rules in warning
mode (`SIMULATED_WARN_RULES`), written to `<data dir>/procedures/`: a bidding period
shorter than 20 days and related companies on one lot are recorded as `rule.warning`
events for the supervisors instead of being refused, so that those kinds of misconduct
reach the record (many centers configure exactly this: the platform warns, the
supervisor investigates).
"""

from __future__ import annotations

import random
import secrets
import time as wallclock
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import resources
from pathlib import Path

from jianzheng.bootstrap import Services, Settings, bootstrap
from jianzheng.domain.errors import Refusal
from jianzheng.services.clock import SimulatedClock
from jianzheng.services.ids import SeededIds
from jianzheng.simulate.bids import BidPlanner
from jianzheng.simulate.config import SimulationConfig
from jianzheng.simulate.labels import Case, LabelBook
from jianzheng.simulate.names import NameBook
from jianzheng.simulate.plan import demand, draw_shapes, plan_year
from jianzheng.simulate.scheduler import Process, Scheduler
from jianzheng.simulate.scoring import KindScore, default_mapping, report, rule_detections, score
from jianzheng.simulate.tender import Tendering
from jianzheng.simulate.timing import at, office_moment
from jianzheng.simulate.world import Registrar, draw_world, register_world

SIMULATED_WARN_RULES = ("law24.issue-to-deadline", "regs34.related-bidders")
PROCEDURES_DIR = "procedures"
REGISTRATION_DAYS = 45  # the registry is filled in the weeks before the simulated year


@dataclass
class SimulationResult:
    data_dir: Path
    labels_path: Path
    seed: int
    lots_by_stage: dict[str, int]
    events: int
    commands: int
    retried: int
    cases_by_kind: dict[str, int]
    tree_size: int
    root_hash: str
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    found_by_rules: list[str] = field(default_factory=list)  # scoring table of the platform's rule warnings


def write_procedures(data_dir: Path) -> Path:
    """The simulated center's procedure file: the packaged one with SIMULATED_WARN_RULES in warn mode."""
    directory = data_dir / PROCEDURES_DIR
    directory.mkdir(parents=True, exist_ok=True)
    text = (resources.files("jianzheng.domain") / "procedures" / "construction-open.toml").read_text("utf-8")
    for rule in SIMULATED_WARN_RULES:
        line = f'"{rule}" = "block"'
        if line not in text:
            raise Refusal("procedure.invalid", f"程序配置中找不到规则 {rule} 的阻断设置",
                          f"The packaged procedure has no blocking line for {rule}", status=500)
        text = text.replace(line, f'"{rule}" = "warn"           # simulated center: warn, supervisors investigate')
    (directory / "construction-open.toml").write_text(text, encoding="utf-8")
    return directory


def simulation_settings(data_dir: Path, database_url: str | None = None) -> Settings:
    """Settings for a simulated center in `data_dir` (its procedure folder included)."""
    values: dict[str, object] = {"data_dir": data_dir, "database_url": database_url,
                                 "procedures_dir": data_dir / PROCEDURES_DIR}
    return Settings(**values)  # type: ignore[arg-type]


@contextmanager
def _one_hash_per_password(services: Services) -> Iterator[None]:
    """Hash each distinct password once: hundreds of simulated accounts share one unprinted secret.

    Argon2 is deliberately slow (about 0.3 s a hash here); the simulated companies' accounts
    all get the same random password that nobody is told, so one hash serves them all.
    """
    original = services.platform.hash_password
    assert original is not None
    cache: dict[str, str] = {}

    def cached(password: str) -> str:
        if password not in cache:
            cache[password] = original(password)
        return cache[password]
    services.platform.hash_password = cached
    try:
        yield
    finally:
        services.platform.hash_password = original


@contextmanager
def _daily_checkpoints(services: Services) -> Iterator[Callable[[], None]]:
    """Sign a checkpoint at the close of each simulated day instead of after every stage change.

    The platform's policy (a checkpoint per stage change and per minute of activity) would
    sign more checkpoints than there are events in a simulated year, because the simulated
    clock crosses minutes between most commands; a checkpoint at the close of each busy day
    keeps the build fast and still gives every event a signed checkpoint to prove its
    inclusion against. Once the build is done the normal policy applies again. Yields the
    function that closes a day.
    """
    listeners = services.platform.listeners
    position = listeners.index(services.checkpointer)
    listeners.remove(services.checkpointer)

    def close_day() -> None:
        services.checkpointer.checkpoint("time")
    try:
        yield close_day
        close_day()
    finally:
        listeners.insert(position, services.checkpointer)


def _closing_times(scheduler: Scheduler, config: SimulationConfig, close_day: Callable[[], None],
                   activity: Callable[[], int]) -> Process:
    """At 23:59 of each simulated day on which something happened, close the day."""
    day = config.start - timedelta(days=1)
    seen = activity()
    while True:
        day += timedelta(days=1)
        yield at(day, 23, 59)
        if activity() != seen:
            seen = activity()
            close_day()


def simulate(settings: Settings, config: SimulationConfig | None = None,
             showcase: Mapping[str, str] | None = None,
             progress: Callable[[str], None] | None = None) -> SimulationResult:
    """Simulate a year into the (fresh) data directory of `settings`; return the summary.

    `showcase` maps the usernames staff, supervisor, tenderer, agency, bidder, expert and
    public to the passwords they get (the demo prints them); every other simulated account
    gets one random password that is not kept.
    """
    config = (config or SimulationConfig()).validate()
    # A bulk build: commits are not fsynced one by one (WAL still never corrupts); the demo
    # is served with durable commits again.
    settings = settings.model_copy(update={"durable_commits": False})
    started = wallclock.perf_counter()
    timings: dict[str, float] = {}
    write_procedures(settings.data_dir)
    registration_start = config.start - timedelta(days=REGISTRATION_DAYS)
    clock = SimulatedClock(at(registration_start, 9, 0))
    services = bootstrap(settings, clock=clock, ids=SeededIds(config.seed))
    try:
        with services.store.read() as session:
            if session.count("events"):
                raise Refusal("simulate.not_empty", f"数据目录已有数据，模拟只能在空目录中进行：{settings.data_dir}",
                              f"The data directory already holds events; simulate into an empty one: "
                              f"{settings.data_dir}", status=409)
        rng = random.Random(config.seed)
        shapes = draw_shapes(config, rng)
        world = draw_world(config, rng, demand(shapes))
        plans = plan_year(config, world, shapes, rng)
        timings["plan"] = wallclock.perf_counter() - started
        registrar = Registrar(services.platform, clock.set, registration_start, rng,
                              secrets.token_urlsafe(18), dict(showcase or {}))
        with _daily_checkpoints(services) as close_day:
            with _one_hash_per_password(services):
                register_world(world, registrar)
            close_day()
            timings["registry"] = wallclock.perf_counter() - started - timings["plan"]
            if progress:
                progress(f"registry: {registrar.commands} commands")
            end = at(config.start + timedelta(days=config.days), 0, 0)
            scheduler = Scheduler(clock.now, clock.set, end)
            labels = LabelBook()
            tendering = Tendering(services.platform, world, rng, labels, scheduler,
                                  BidPlanner(rng, world, NameBook(random.Random(config.seed + 1))), clock.now)
            for project in plans:
                scheduler.spawn(tendering.project_process(project), office_moment(rng, project.start))
            scheduler.spawn(_closing_times(scheduler, config, close_day, lambda: tendering.commands),
                            at(config.start, 0, 0))
            scheduler.run()
        tendering.label_rotation()
        timings["year"] = wallclock.perf_counter() - started - timings["plan"] - timings["registry"]
        labels_path = labels.write(settings.data_dir)
        with services.store.read() as session:
            stages: dict[str, int] = {}
            for row in session.rows("lots"):
                stages[row["stage"]] = stages.get(row["stage"], 0) + 1
            events = session.count("events")
            size = session.tree_size()
            root = session.tree_root(size).hex()
            warnings = session.rows("rule_warnings", order_by="seq")
        by_rules = rule_scores(warnings, labels.cases)
        return SimulationResult(
            data_dir=settings.data_dir, labels_path=labels_path, seed=config.seed,
            lots_by_stage=dict(sorted(stages.items())), events=events,
            commands=registrar.commands + tendering.commands, retried=tendering.refusals,
            cases_by_kind=labels.per_kind(), tree_size=size, root_hash=root,
            seconds=wallclock.perf_counter() - started, timings=timings, found_by_rules=report(by_rules))
    finally:
        services.engine.dispose()


def rule_scores(warnings: list[dict[str, object]], cases: list[Case]) -> dict[str, KindScore]:
    """How many planted cases the platform's own rule warnings point at, per kind they can show."""
    mapping = {code: kinds for code, kinds in default_mapping().items() if code.startswith("PROC-RULE:")}
    covered = {kind for kinds in mapping.values() for kind in kinds.detects}
    scores = score(rule_detections(warnings), cases, mapping)
    return {kind: s for kind, s in scores.items() if kind in covered}
