"""The OCP red flags on imported Armenian and Ukrainian bid data, as recorded in docs/ocds.md.

The imported processes are read back from the ledger and give exactly the alerts the same
files give when read directly (`frames_from_file`): importing loses nothing the indicators
use. The results, with the default settings and with Cardinal's small-sample settings, are
rendered as the block between the red-flags markers of docs/ocds.md and must match it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jianzheng.adapters.ocds.frames import frames_from_file
from jianzheng.adapters.ocds.importer import import_files
from jianzheng.adapters.ocds.redflags import PublisherFlags, ocp_codes, red_flags
from jianzheng.bootstrap import Services, Settings, bootstrap
from jianzheng.services.actor import Actor
from jianzheng.supervision import run_batch

pytestmark = pytest.mark.slow

REAL = Path(__file__).resolve().parents[4] / "shared" / "data" / "ocds" / "real-2018"
DOCS = Path(__file__).resolve().parents[3] / "docs" / "ocds.md"
PUBLISHERS = ("armenia", "ukraine")
# Cardinal's test suite lowers the population fences for small samples (docs/indicators/<code>.md).
SMALL_SAMPLES: dict[str, dict[str, Any]] = {
    "R024": {"min_lots": 1}, "R058": {"min_lots": 1}, "R025": {"min_bidders": 1},
    "R038": {"min_organizations": 1, "minimum_lots": 1},
}
BEGIN, END = "<!-- red-flags:begin -->", "<!-- red-flags:end -->"


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    if not REAL.is_dir():
        pytest.skip(f"real OCDS sample not found at {REAL} (shared reference data lives outside the repository)")
    built = bootstrap(Settings(data_dir=tmp_path_factory.mktemp("flags")))
    import_files(built.platform, Actor.system(), [REAL / f"{name}.jsonl" for name in PUBLISHERS])
    yield built
    built.engine.dispose()


def flags(services: Services, overrides: dict[str, dict[str, Any]] | None = None) -> dict[str, PublisherFlags]:
    found = red_flags(services.store, services.blobs, "ocds-jzh000", overrides=overrides)
    return {f.source.removeprefix("import:"): f for f in found}


def render(default: dict[str, PublisherFlags], small: dict[str, PublisherFlags]) -> str:
    codes = ocp_codes()
    lines = [BEGIN, "", "| publisher | settings | processes | bids | " + " | ".join(codes) + " |",
             "|---|---|---|---|" + "---|" * len(codes)]
    for name in PUBLISHERS:
        for label, result in (("default", default[name]), ("small samples", small[name])):
            counts = result.counts()
            lines.append(f"| {name} | {label} | {result.processes} | {result.bids} | "
                         + " | ".join(str(counts[c]) for c in codes) + " |")
    lines += ["", "Alerts with the small-sample settings (R003 with the whole days of the submission period):", ""]
    for name in PUBLISHERS:
        for alert in sorted(small[name].alerts, key=lambda a: (a.indicator, a.subject_id)):
            facts = {e.fact: e.value for e in alert.evidence}
            days = f" ({facts['period_days']} days)" if "period_days" in facts else ""
            lines.append(f"- {name} {alert.indicator} {alert.subject} `{alert.subject_id}`{days}")
    lines += ["", END]
    return "\n".join(lines)


def test_imported_data_gives_the_alerts_of_the_published_files(services: Services) -> None:
    for overrides in (None, SMALL_SAMPLES):
        found = flags(services, overrides)
        for name in PUBLISHERS:
            direct = run_batch(frames_from_file(REAL / f"{name}.jsonl"), overrides, indicators=ocp_codes())
            assert sorted(a.id for a in found[name].alerts) == sorted(a.id for a in direct)
            assert found[name].alerts, name
    default = flags(services)
    assert (default["armenia"].processes, default["armenia"].bids) == (100, 36)
    assert (default["ukraine"].processes, default["ukraine"].bids) == (11, 12)


def test_the_results_are_recorded_in_the_docs(services: Services) -> None:
    expected = render(flags(services), flags(services, SMALL_SAMPLES))
    text = DOCS.read_text(encoding="utf-8")
    assert BEGIN in text and END in text, f"{DOCS} has no red-flags block"
    recorded = BEGIN + text.split(BEGIN, 1)[1].split(END, 1)[0] + END
    assert recorded == expected, f"docs/ocds.md is out of date; the block should read:\n{expected}"
