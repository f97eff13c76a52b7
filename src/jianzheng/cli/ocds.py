"""`jianzheng import ocds` and `jianzheng export ocds`: Open Contracting Data Standard 1.1 in and out.

Import reads release packages, record packages and JSON lines of releases or compiled
releases, and witnesses each process as an import from its publisher (docs/ocds.md); it
prints what it imported, what it skipped and every field it did not keep, by path and
count. `--red-flags` then runs the OCP red flags on the publishers' imported processes.
Export writes every lot as a release package, or compiled releases one per line.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from jianzheng.cli.common import (
    check_format,
    console,
    fail,
    open_services,
    print_json,
    reported,
    settings_for,
    state_of,
    system_actor,
)

if TYPE_CHECKING:
    from jianzheng.adapters.ocds.importer import FileReport
    from jianzheng.adapters.ocds.redflags import PublisherFlags

import_app = typer.Typer(help="导入外部数据 / import data from other systems", no_args_is_help=True)
export_app = typer.Typer(help="导出数据 / export data", no_args_is_help=True)

EXIT_INVALID_EXPORT = 1


@import_app.command("ocds")
def import_ocds(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(
        help="OCDS 文件：发布包、记录包或每行一个（汇编）发布的 JSON Lines / OCDS files: release packages, record "
             "packages, or JSON lines of releases or compiled releases", show_default=False)],
    publisher: Annotated[str | None, typer.Option(
        help="发布方名称；默认取发布包中的 publisher.name，否则取文件名 / the publisher's name; default: the "
             "package's publisher.name, else the file name")] = None,
    red_flags: Annotated[bool, typer.Option(
        "--red-flags", help="导入后对这些发布方的数据运行开放合同伙伴组织（OCP）红旗指标 / run the OCP red flags on "
                            "these publishers' imported processes afterwards")] = False,
    output: Annotated[str, typer.Option("--format", help="table 或 json / table or json")] = "table",
) -> None:
    """导入 OCDS 数据，作为来自发布方的导入事件见证 / Import OCDS data, witnessed as imports from its publisher."""
    with reported():
        check_format(output)
        if publisher is not None and not publisher.strip():
            fail("--publisher 不能为空", "--publisher cannot be empty")
        state = state_of(ctx)
        from jianzheng.adapters.ocds.importer import OcdsFilesError, prepare_files

        try:
            prepared = prepare_files(files, publisher)  # every file checked before the database is opened
        except OcdsFilesError as error:
            fail("\n".join(e.message_zh for e in error.errors) + "\n未导入任何数据。",
                 "\n".join(e.message_en for e in error.errors) + "\nNothing was imported.")
        services = open_services(state)
        from jianzheng.adapters.ocds.importer import import_prepared

        reports = import_prepared(services.platform, system_actor(), prepared)
        flags = []
        if red_flags:
            from jianzheng.adapters.ocds.redflags import red_flags as run_red_flags

            sources = [f"import:{r.namespace}" for r in reports]
            flags = run_red_flags(services.store, services.blobs, services.settings.ocds_prefix, sources)
        if output == "json":
            print_json({"files": [r.to_json() for r in reports],
                        **({"red_flags": [_flags_json(f) for f in flags]} if red_flags else {})})
            return
        for report in reports:
            _print_report(report)
        for item in flags:
            _print_flags(item)


def _print_report(report: FileReport) -> None:
    from rich.table import Table

    from jianzheng.adapters.ocds.normalize import REASONS

    out = console()
    result = report.result
    out.print(f"[bold]{report.path}[/bold]  发布方 publisher: {report.publisher}（import:{report.namespace}）")
    out.print(f"  读入发布 releases read: {report.releases_read}；导入过程 processes imported: "
              f"{result.imported_processes}；导入发布 releases imported: {result.imported_releases}；"
              f"跳过 skipped: {result.skipped_releases + len(report.skipped_items)}")
    for item in report.skipped_items:
        where = f"第 {item.line} 行" + (f" 第 {item.index} 项" if item.index is not None else "")
        out.print(f"  跳过 skipped {where}: {item.reason_zh} / {item.reason_en}")
    reasons: dict[str, list[str]] = {}
    for outcome in result.outcomes:
        if outcome.skipped:
            reasons.setdefault(f"{outcome.reason_zh} / {outcome.reason_en}", []).append(outcome.ocid)
    for reason, ocids in reasons.items():
        shown = "、".join(ocids[:5]) + (f" …（共 {len(ocids)} 个 / {len(ocids)} in all）" if len(ocids) > 5 else "")
        out.print(f"  跳过 skipped: {reason}: {shown}")
    if report.findings:
        table = Table(title="未原样保留的字段 / fields not kept as published")
        for column in ("路径 path", "原因 reason", "次数 count"):
            table.add_column(column, overflow="fold")
        for (path, reason), count in sorted(report.findings.items()):
            zh, en = REASONS[reason]
            table.add_row(path, f"{reason}：{zh} / {en}", str(count))
        out.print(table)


def _flags_json(flags: PublisherFlags) -> dict[str, Any]:
    return {"source": flags.source, "processes": flags.processes, "bids": flags.bids, "counts": flags.counts(),
            "alerts": [a.to_json() for a in flags.alerts]}


def _print_flags(flags: PublisherFlags) -> None:
    from rich.table import Table

    out = console()
    out.print(f"[bold]红旗指标 red flags — {flags.source}[/bold]：{flags.processes} 个采购过程 processes，"
              f"{flags.bids} 个投标 bids")
    table = Table()
    for column in ("指标 indicator", "预警数 alerts"):
        table.add_column(column)
    for code, count in flags.counts().items():
        table.add_row(code, str(count))
    out.print(table)
    for alert in flags.alerts:
        out.print(f"  {alert.indicator} {alert.subject} {alert.subject_id}: {alert.explanation_zh} / "
                  f"{alert.explanation_en}")


@export_app.command("ocds")
def export_ocds(
    ctx: typer.Context,
    output_file: Annotated[Path | None, typer.Option(
        "--output", help="写入此文件；默认写到标准输出 / write to this file (default: standard output)")] = None,
    compiled: Annotated[bool, typer.Option(
        "--compiled", help="每行一个汇编发布（JSON Lines），而不是一个发布包 / compiled releases, one per line, "
                           "instead of a release package")] = False,
    lot: Annotated[list[str] | None, typer.Option(
        "--lot", help="只导出这些标段（可重复）/ only these lots (repeatable)")] = None,
    public: Annotated[bool, typer.Option(
        "--public", help="去掉仅供监管使用的字段（机器指纹、上传 IP、付款账户）/ leave out the supervision-only "
                         "fields (fingerprints, upload IPs, paying accounts)")] = False,
    validate: Annotated[bool, typer.Option(
        "--validate", help="按 OCDS 1.1 及扩展的模式校验每个发布，有错时退出码为1 / check every release against the "
                           "OCDS 1.1 schema with its extensions; exit status 1 when one is invalid")] = False,
) -> None:
    """导出所有标段为 OCDS 1.1 发布包或汇编发布 / Export every lot as OCDS 1.1 releases or compiled releases."""
    with reported():
        state = state_of(ctx)
        if output_file is not None and output_file.is_dir():
            fail(f"--output 是一个目录：{output_file}", f"--output is a directory: {output_file}")
        if output_file is not None and not output_file.parent.exists():
            fail(f"--output 所在目录不存在：{output_file.parent}",
                 f"The folder of --output does not exist: {output_file.parent}")
        services = open_services(state)
        settings = settings_for(state)
        from jianzheng.adapters.ocds.export import compiled_lines, dumps, export_processes, release_package

        wanted = sorted(set(lot)) if lot else None
        processes = list(export_processes(services.store, services.blobs, settings.ocds_prefix, wanted))
        if wanted is not None:
            missing = sorted(set(wanted) - {p.lot_id for p in processes})
            if missing:
                fail(f"未找到标段：{'、'.join(missing)}", f"No lot with id {', '.join(missing)}")
        if compiled:
            text = "".join(line + "\n" for line in compiled_lines(processes, public))
        else:
            package = release_package(processes, settings.ocds_publisher, settings.ocds_prefix,
                                      services.platform.clock.now(), public)
            text = dumps(package, indent=2) + "\n"
        if output_file is None:
            sys.stdout.write(text)
        else:
            output_file.write_text(text, encoding="utf-8")
            releases = sum(len(p.releases) for p in processes)
            typer.echo(f"已导出 {len(processes)} 个标段、{releases} 个发布到 {output_file} / Exported {len(processes)} "
                       f"lots, {releases} releases to {output_file}", err=True)
        if validate:
            _validate(processes, compiled, public)


def _validate(processes: list[Any], compiled: bool, public: bool) -> None:
    """Check every written release; print the errors grouped by path and message, exit 1 if any."""
    from collections import Counter

    from jianzheng.adapters.ocds.export import document, public_copy, validate_release

    errors: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for process in processes:
        for release in [process.compiled] if compiled else process.releases:
            for error in validate_release(document(public_copy(release) if public else release)):
                path, _, message = error.partition(": ")
                key = "/".join("[]" if part.isdigit() else part for part in path.split("/")) + ": " + message
                errors[key] += 1
                examples.setdefault(key, str(release.get("id")))
    if errors:
        lines = [f"  {count} × {key}（例 e.g. {examples[key]}）" for key, count in errors.most_common()]
        sys.stderr.write("模式校验错误 / schema errors:\n" + "\n".join(lines) + "\n")
        raise typer.Exit(EXIT_INVALID_EXPORT)
    typer.echo("模式校验通过 / every release is valid against the schema", err=True)
