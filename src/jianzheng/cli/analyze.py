"""`jianzheng analyze`: run the batch indicators over the whole history and print or export the alerts.

The command reads the platform's database (and the blob store, for the contents of opened
bids) into the supervision frames, runs every enabled batch indicator — or the ones named
with ``--indicator`` — and prints a table, or writes JSON (one object per alert with its
code, lots, parties, severity and evidence). It only reads: recording the alerts as
witnessed events is the supervision desk's job.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from jianzheng.cli.common import check_format, console, err_console, fail, open_services, reported, state_of

if TYPE_CHECKING:
    from rich.console import Console

    from jianzheng.supervision.alert import Alert

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}
MAX_NOTES = 10  # unreadable contents are listed up to this many, then counted
SEVERITY_ZH = {"high": "高", "medium": "中", "low": "低", "info": "提示"}
PHASES = {
    "tables": "读取业务数据 / reading the tables",
    "contents": "读取已开标投标文件 / reading opened bids",
    "documents": "读取招标文件 / reading tender documents",
}


def _overrides(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        fail(f"无法读取设置文件 {path}：{error.strerror}", f"Cannot read the settings file {path}: {error.strerror}")
    except ValueError as error:
        fail(f"设置文件 {path} 不是有效的 JSON：{error}", f"The settings file {path} is not valid JSON: {error}")
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        fail(f"设置文件 {path} 应为 {{指标代码: {{设置: 值}}}} 形式的 JSON 对象",
             f"The settings file {path} must be a JSON object {{indicator code: {{setting: value}}}}")
    return data


class _Reporter:
    """Progress on stderr: a bar on a terminal, one line per phase otherwise (logs, pipes, tests)."""

    def __init__(self, out: Console) -> None:
        self.out = out
        self.live = out.is_terminal
        self.progress: Any = None
        self.tasks: dict[str, Any] = {}
        self.seen: set[str] = set()
        if self.live:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     TimeElapsedColumn(), console=out, transient=True)
            self.progress.start()

    def phase(self, name: str, done: int, total: int) -> None:
        label = PHASES.get(name, name)
        if self.live:
            if name not in self.tasks:
                self.tasks[name] = self.progress.add_task(label, total=max(total, 1))
            self.progress.update(self.tasks[name], completed=done, total=max(total, 1))
        elif name not in self.seen:
            self.seen.add(name)
            self.out.print(f"{label} …")

    def indicator(self, code: str, done: int, total: int) -> None:
        label = "运行指标 / running indicators"
        if self.live:
            if "indicators" not in self.tasks:
                self.tasks["indicators"] = self.progress.add_task(label, total=max(total, 1))
            self.progress.update(self.tasks["indicators"], completed=done, total=max(total, 1),
                                 description=f"{label} {code}".rstrip())
        elif code:
            self.out.print(f"{label}: {code} ({done + 1}/{total})")

    def stop(self) -> None:
        if self.live:
            self.progress.stop()


def alert_record(alert: Alert) -> dict[str, Any]:
    """One alert as exported: its code first, then everything `Alert.to_json` gives."""
    return {"code": alert.indicator, **alert.to_json()}


def _ordered(alerts: list[Alert]) -> list[Alert]:
    return sorted(alerts, key=lambda a: (SEVERITY_ORDER.get(a.severity, 9), a.indicator, a.subject_id, a.id))


def analyze(
    ctx: typer.Context,
    indicator: Annotated[list[str] | None, typer.Option(
        "--indicator", help="只运行此指标，可重复，例如 --indicator REGS40-1 / run only this indicator "
                            "(repeatable)")] = None,
    output_format: Annotated[str, typer.Option(
        "--format", help="table 或 json / table or json")] = "table",
    output: Annotated[Path | None, typer.Option(
        "--output", help="写入文件而不是标准输出 / write to this file instead of standard output")] = None,
    settings_file: Annotated[Path | None, typer.Option(
        "--settings", help="指标设置 JSON 文件 {代码: {设置: 值}} / indicator settings as JSON")] = None,
    contents: Annotated[bool, typer.Option(
        "--contents/--no-contents", help="读取已开标投标文件内容（技术标、清单、授权代表）/ read the contents of "
                                         "opened bids")] = True,
) -> None:
    """运行监管指标，分析全部历史数据 / Run the supervision indicators over the whole history."""
    with reported():
        from jianzheng.supervision import FrameSchemaError, SettingsError, all_indicators, run_batch
        from jianzheng.supervision.registry import RegistryError

        check_format(output_format)
        specs = all_indicators()
        codes = [c.strip().upper() for c in indicator or []]
        unknown = [c for c in codes if c not in specs]
        if unknown:
            fail(f"未知指标代码：{', '.join(unknown)}；可选：{', '.join(specs)}",
                 f"Unknown indicator code(s) {', '.join(unknown)}; choose from {', '.join(specs)}")
        not_batch = [c for c in codes if not specs[c].batch]
        if not_batch:
            fail(f"这些指标只在实时运行：{', '.join(not_batch)}", f"These indicators run in real time only: "
                 f"{', '.join(not_batch)}")
        overrides = _overrides(settings_file)
        if output is not None and output.exists() and output.is_dir():
            fail(f"输出路径是目录：{output}", f"The output path is a directory: {output}")
        services = open_services(state_of(ctx))
        from jianzheng.adapters.sql.supervision_frames import load_frames

        reporter = _Reporter(err_console())
        try:
            loaded = load_frames(services.engine, services.blobs, progress=reporter.phase, read_contents=contents)
            try:
                alerts = run_batch(loaded.frames, overrides, indicators=codes or None, progress=reporter.indicator)
            except SettingsError as error:
                fail(*_split(str(error)))
            except (FrameSchemaError, RegistryError) as error:
                fail(*_split(str(error)))
        finally:
            reporter.stop()
            services.engine.dispose()
        for note in loaded.notes[:MAX_NOTES]:
            sys.stderr.write(f"注意 / Note: {note}\n")
        if len(loaded.notes) > MAX_NOTES:
            more = len(loaded.notes) - MAX_NOTES
            sys.stderr.write(f"注意：另有 {more} 条未显示 / Note: {more} more not shown\n")
        ordered = _ordered(alerts)
        if output_format == "json":
            text = json.dumps([alert_record(a) for a in ordered], ensure_ascii=False, indent=2)
            if output is not None:
                _write(output, text + "\n")
                typer.echo(f"已写入 {len(ordered)} 条预警：{output} / Wrote {len(ordered)} alerts to {output}")
            else:
                typer.echo(text)
            return
        _table(ordered, output)


def _split(message: str) -> tuple[str, str]:
    """A framework error's message is "中文。 / English."; the CLI prints the halves on their own lines."""
    zh, _, en = message.partition(" / ")
    return zh.rstrip("。"), en or zh


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        fail(f"无法写入 {path}：{error.strerror}", f"Cannot write {path}: {error.strerror}")


def _table(alerts: list[Alert], output: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"监管预警 / supervision alerts（{len(alerts)}）")
    for column in ("严重程度 severity", "指标 code", "标段 lots", "当事人 parties", "说明 explanation"):
        table.add_column(column, overflow="fold")
    for alert in alerts:
        lots = ", ".join(alert.lot_ids[:3]) + (f" …(+{len(alert.lot_ids) - 3})" if len(alert.lot_ids) > 3 else "")
        table.add_row(f"{SEVERITY_ZH.get(alert.severity, alert.severity)} {alert.severity}", alert.indicator, lots,
                      ", ".join(alert.party_ids), f"{alert.explanation_zh}\n{alert.explanation_en}")
    counts = Counter(a.indicator for a in alerts)
    summary = "；".join(f"{code} {n}" for code, n in sorted(counts.items())) or "无 / none"
    if output is None:
        out = console()
        out.print(table)
        out.print(f"按指标 / by indicator: {summary}")
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        with output.open("w", encoding="utf-8") as handle:
            file_console = Console(file=handle, width=200, highlight=False, soft_wrap=False)
            file_console.print(table)
            file_console.print(f"按指标 / by indicator: {summary}")
    except OSError as error:
        fail(f"无法写入 {output}：{error.strerror}", f"Cannot write {output}: {error.strerror}")
    typer.echo(f"已写入 {len(alerts)} 条预警：{output} / Wrote {len(alerts)} alerts to {output}")
