"""`jianzheng certificate`: issue a lot's witness certificate (电子见证证书) and verify one offline.

``issue`` needs the platform's data directory; ``verify`` and ``render`` need nothing but
the certificate file (and, for real trust, the platform's public keys obtained out of
band), so anyone — a losing bidder, an auditor, a court — can run them. ``verify`` exits 0
when everything holds, 1 when anything fails (each failure named), 2 on bad input.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from jianzheng.cli.common import fail, local_staff, open_services, print_json, reported, state_of

if TYPE_CHECKING:
    from jianzheng.ledger.certificate import Certificate
    from jianzheng.ledger.certificate_check import CertificateReport
    from jianzheng.services.certificates import VerificationOutcome

app = typer.Typer(help="电子见证证书：签发与离线验证 / Witness certificates: issue and verify offline.",
                  no_args_is_help=True)

EXIT_FAILED = 1
FORMATS = ("json", "html", "pdf")
MAX_PER_KIND = 20  # failures of one kind listed before the rest are counted
COSIGN_WAIT = 10.0  # seconds to let witnesses cosign a checkpoint made for the certificate


def _safe_name(lot_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", lot_id) or "lot"


def _read(path: Path, what_zh: str, what_en: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        fail(f"无法读取{what_zh} {path}：{error.strerror or error}", f"Cannot read the {what_en} {path}: {error}")


def _key_text(value: str, option: str) -> str:
    """A key given as a file (a .vkey) or as the verifier-key string itself."""
    candidate = Path(value)
    if "+" not in value or candidate.is_file():
        return _read(candidate, f" {option} 指定的公钥文件", f"key file given to {option}").decode("utf-8",
                                                                                                  "replace").strip()
    return value.strip()


def _write(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        temporary.write_bytes(data)
        temporary.replace(path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        fail(f"无法写入 {path}：{error.strerror or error}", f"Cannot write {path}: {error}")


def _formats(values: list[str]) -> list[str]:
    chosen = [v.strip().lower() for v in values] or list(FORMATS)
    unknown = [v for v in chosen if v not in FORMATS]
    if unknown:
        fail(f"--format 只能是 json、html 或 pdf，而不是 {', '.join(unknown)}",
             f"--format must be json, html or pdf, not {', '.join(unknown)}")
    return list(dict.fromkeys(chosen))


def _write_renderings(cert: Certificate, data: bytes, output: Path, formats: list[str],
                      report: CertificateReport | None = None) -> list[Path]:
    from jianzheng.adapters.certificate_render import certificate_view, render_html, render_pdf

    if output.exists() and not output.is_dir():
        fail(f"--output 应为目录：{output}", f"--output must be a directory: {output}")
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        fail(f"无法创建目录 {output}：{error.strerror or error}", f"Cannot create the directory {output}: {error}")
    view = certificate_view(cert, report, bundle_bytes=data)
    base = output / f"{_safe_name(cert.lot_id)}.certificate"
    written = []
    for kind in formats:
        path = base.with_name(base.name + "." + kind)
        if kind == "json":
            _write(path, data)
        elif kind == "html":
            _write(path, render_html(view).encode("utf-8"))
        else:
            _write(path, render_pdf(view))
        written.append(path)
    return written


@app.command("issue")
def issue(
    ctx: typer.Context,
    lot: Annotated[str, typer.Argument(help="标段编号 / lot id")],
    output: Annotated[Path, typer.Option("--output", "-o", help="输出目录 / output directory")] = Path("."),
    formats: Annotated[list[str] | None, typer.Option(
        "--format", help="只输出某种格式：json、html、pdf（可重复；默认三种都输出）/ only these formats "
                         "(repeatable; default all three)")] = None,
    witness_keys: Annotated[list[str] | None, typer.Option(
        "--witness-key", help="随证书附上的见证方公钥（文件或公钥串，可重复）/ a witness verifier key to include "
                              "(file or key string, repeatable)")] = None,
) -> None:
    """签发标段的电子见证证书 / Issue a lot's witness certificate (JSON bundle, HTML and PDF)."""
    with reported():
        chosen = _formats(formats or [])
        extra = [_key_text(k, "--witness-key") for k in witness_keys or []]
        services = open_services(state_of(ctx))
        try:
            from jianzheng.services.certificates import CertificateIssuer

            issuer = CertificateIssuer(
                services.store, services.checkpointer, services.platform.clock,
                witness_keys=lambda: [w.key for w in services.cosigner.registry.witnesses()],
                settle=lambda: services.cosigner.wait(COSIGN_WAIT))
            cert = issuer.issue(local_staff(), lot.strip(), extra)
            data = cert.to_bytes()
            written = _write_renderings(cert, data, output, chosen)
        finally:
            services.engine.dispose()
        from jianzheng.ledger.checkpoint import parse_checkpoint
        from jianzheng.ledger.note import parse_note

        note = parse_note(cert.checkpoint)
        checkpoint = parse_checkpoint(note.text)
        typer.echo(f"已签发标段 {cert.lot_id} 的电子见证证书 / Issued the witness certificate of lot {cert.lot_id}")
        typer.echo(f"  事件 events: {len(cert.events)}（标段 lot {sum(1 for e in cert.events if e.kind == 'lot')}）")
        typer.echo(f"  文件摘要 documents: {len(cert.documents)}")
        typer.echo(f"  检查点 checkpoint: size {checkpoint.size}, {len(note.signatures)} signature lines")
        for path in written:
            typer.echo(f"  {path}")


def _print_report(outcome: VerificationOutcome) -> None:
    report = outcome.report
    echo = typer.echo
    echo("电子见证证书验证 / Witness certificate verification")
    if report.lot_id:
        echo(f"  标段 Lot: {report.lot_id}")
    if report.checkpoint is not None:
        import base64

        echo(f"  检查点 Checkpoint: {report.checkpoint.origin}, size {report.checkpoint.size}, "
             f"root {base64.b64encode(report.checkpoint.root_hash).decode()}")
    if report.trust == "pinned":
        echo("  信任来源 Trust: 指定的公钥（带外获得）/ pinned keys (obtained out of band)")
    else:
        echo("  信任来源 Trust: 证书自带的公钥（仅说明自洽）/ the bundle's own keys (self-consistency only)")
    for sig in report.signatures:
        echo(f"  ✓ 平台签名 platform signature: {sig.name} {sig.key_id} ({sig.algorithm})")
    for sig in report.cosignatures:
        when = ""
        if sig.timestamp is not None:
            from datetime import UTC, datetime

            from jianzheng.adapters.certificate_render.labels import local_instant

            when = f" @ {local_instant(datetime.fromtimestamp(sig.timestamp, UTC))}（北京时间）"
        echo(f"  ✓ 见证方副签 witness cosignature: {sig.name} {sig.key_id}{when}")
    if report.events_checked:
        echo(f"  {'✓' if report.events_verified == report.events_checked else '✗'} 事件 events: "
             f"{report.events_verified}/{report.events_checked} 核验通过 verified "
             "（叶哈希、包含证明、签名清单 / leaf hash, inclusion proof, signed manifest）")
    for name, match in outcome.documents:
        if match.ok:
            found = "；".join(f"事件 seq {d.seq}《{d.name}》" for d in match.matches)
            echo(f"  ✓ 文件 document {name}: SHA-256 与 SM3 均相符 / both digests match — {found}")
        for problem in match.problems:
            echo(f"  ✗ 文件 document {name}: {problem.zh} / {problem.en}")
    for note in report.notes:
        echo(f"  注 Note: {note.zh}")
        echo(f"           {note.en}")
    if report.failures:
        echo(f"失败 {len(report.failures)} 项 / {len(report.failures)} failures:")
        shown: dict[str, int] = {}
        for finding in report.failures:
            shown[finding.code] = shown.get(finding.code, 0) + 1
            if shown[finding.code] <= MAX_PER_KIND:
                echo(f"  ✗ [{finding.code}] {finding.zh}")
                echo(f"      {finding.en}")
        for code, count in shown.items():
            if count > MAX_PER_KIND:
                echo(f"  … [{code}] 另有 {count - MAX_PER_KIND} 项同类失败 / {count - MAX_PER_KIND} more of this kind "
                     "(--format json lists all)")
    if outcome.ok:
        echo("结论 Result: 验证通过 / VERIFIED")
    else:
        echo("结论 Result: 验证未通过 / FAILED")


@app.command("verify")
def verify(
    file: Annotated[Path, typer.Argument(help="证书文件（JSON）/ the certificate bundle (JSON)")],
    keys: Annotated[list[str] | None, typer.Option(
        "--key", help="带外获得的平台公钥（.vkey 文件或公钥串，可重复）；指定后只信任这些公钥 / the platform's "
                      "verifier key obtained out of band (file or key string, repeatable); pins trust")] = None,
    witness_keys: Annotated[list[str] | None, typer.Option(
        "--witness-key", help="要求其副签的见证方公钥（可重复）/ a witness key whose cosignature is required "
                              "(repeatable)")] = None,
    documents: Annotated[list[Path] | None, typer.Option(
        "--document", help="与证书中的摘要核对的文件（可重复）/ a file to check against the certificate's digests "
                           "(repeatable)")] = None,
    output: Annotated[str, typer.Option("--format", help="table 或 json / table or json")] = "table",
) -> None:
    """离线验证电子见证证书，无需数据库 / Verify a witness certificate offline, with public keys only."""
    with reported():
        if output not in ("table", "json"):
            fail(f"输出格式应为 table 或 json，而不是 {output}", f"--format must be table or json, not {output!r}")
        data = _read(file, "证书文件", "certificate file")
        pinned = [_key_text(k, "--key") for k in keys or []]
        pinned_witnesses = [_key_text(k, "--witness-key") for k in witness_keys or []]
        files = [(str(p), _read(p, "待核对的文件", "document")) for p in documents or []]
        from jianzheng.services.certificates import verify_bundle

        outcome = verify_bundle(data, pinned, pinned_witnesses, files)
        if output == "json":
            print_json(outcome.to_json())
        else:
            _print_report(outcome)
    if not outcome.ok:
        raise typer.Exit(EXIT_FAILED)


@app.command("render")
def render(
    file: Annotated[Path, typer.Argument(help="证书文件（JSON）/ the certificate bundle (JSON)")],
    output: Annotated[Path, typer.Option("--output", "-o", help="输出目录 / output directory")] = Path("."),
    keys: Annotated[list[str] | None, typer.Option(
        "--key", help="带外获得的平台公钥（可重复），验证结果写入页面 / pinned platform key (repeatable); the "
                      "verification result is shown on the page")] = None,
    formats: Annotated[list[str] | None, typer.Option(
        "--format", help="html、pdf（可重复；默认两种）/ html, pdf (repeatable; default both)")] = None,
) -> None:
    """由证书文件生成可读的 HTML 与 PDF（含验证结果）/ Render a bundle as HTML and PDF, with its verification."""
    with reported():
        chosen = _formats(formats or ["html", "pdf"])
        if "json" in chosen:
            fail("render 只生成 html 与 pdf", "render produces html and pdf only")
        data = _read(file, "证书文件", "certificate file")
        from jianzheng.services.certificates import verify_bundle

        outcome = verify_bundle(data, [_key_text(k, "--key") for k in keys or []])
        if outcome.certificate is None:
            first = outcome.report.failures[0]
            fail(first.zh, first.en)
        for path in _write_renderings(outcome.certificate, data, output, chosen, outcome.report):
            typer.echo(str(path))
        if not outcome.ok:
            typer.echo("注意：证书验证未通过，页面中列出了失败项 / Note: the certificate does not verify; the "
                       "page lists the failures", err=True)
