"""`jianzheng bidder`: the bidder tool on the bidder's own machine (投标工具).

Keys, compiling, sealing and the key release happen locally; the platform only ever
receives the sealed envelope before the deadline, and the content key after it.
`jianzheng escrow` is the custodian's side: its key and the unwrapping of its share.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from jianzheng.bidder.client import BidderClient, compile_bid, seal_bid, verify_receipt
from jianzheng.cli.common import fail, reported
from jianzheng.sealing.envelope import CIPHERS, unwrap_share
from jianzheng.sealing.errors import SealingError
from jianzheng.sealing.keys import SUITES, generate, load_key_pair, public_path, save_key_pair

app = typer.Typer(help="投标工具：密钥、编制、加密、递交、解密 / the bidder tool: keys, compile, seal, submit, open",
                  no_args_is_help=True)
escrow_app = typer.Typer(help="托管方：密钥与解开托管份额 / escrow custodian: key and share", no_args_is_help=True)

Server = Annotated[str, typer.Option("--server", envvar="JIANZHENG_SERVER",
                                     help="平台地址 / platform URL, e.g. http://127.0.0.1:8000")]
Token = Annotated[str, typer.Option("--token", envvar="JIANZHENG_TOKEN",
                                    help="登录令牌 / sign-in token (POST /api/v1/auth/login)")]
Lot = Annotated[str, typer.Option("--lot", help="标段编号 / lot id")]
KeyFile = Annotated[Path, typer.Option("--key", help="私钥文件 / private key file")]


def _json_file(path: Path, what_zh: str, what_en: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail(f"找不到{what_zh}：{path}", f"{what_en} not found: {path}")
    except (ValueError, UnicodeDecodeError):
        fail(f"{what_zh}不是合法的 JSON：{path}", f"{what_en} is not valid JSON: {path}")


def _sealing(action: Any) -> Any:
    try:
        return action()
    except SealingError as exc:
        fail(exc.zh, exc.en)


def _write(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    typer.echo(f"已写入 / written: {path}")


@app.command("keygen")
def keygen(out: Annotated[Path, typer.Option("--out", help="私钥文件路径（0600）/ private key file to create")],
           suite: Annotated[str, typer.Option(help=f"密钥套件 / key suite: {', '.join(SUITES)}")] = "sm2") -> None:
    """生成投标密钥对 / Generate the bidder's key pair (private file 0600, public beside it)."""
    with reported():
        if suite not in SUITES:
            fail(f"未知的密钥套件：{suite}", f"Unknown key suite: {suite} (use {', '.join(SUITES)})")
        pair = _sealing(lambda: generate(suite))
        _sealing(lambda: save_key_pair(out, pair))
        typer.echo(f"私钥 / private key: {out}\n公钥 / public key: {public_path(out)}")


@app.command("register-key")
def register_key(key: KeyFile, server: Server, token: Token) -> None:
    """向平台登记公钥 / Register the public key with the platform."""
    with reported():
        pair = _sealing(lambda: load_key_pair(key))
        BidderClient.connect(server, token).register_key(pair)
        typer.echo("已登记 / registered")


@app.command("compile")
def compile_command(
    content: Annotated[Path, typer.Argument(help="投标内容 JSON：price_fen、boq、technical_proposal… / content")],
    files: Annotated[list[Path] | None, typer.Argument(help="附件 / attached files")] = None,
    out: Annotated[Path, typer.Option("--out", help="投标文件包 / bid package to write")] = Path("bid-package.json"),
) -> None:
    """编制投标文件，记录机器指纹 / Compile the bid package and record the machine fingerprint."""
    with reported():
        doc = _json_file(content, "投标内容", "Bid content")
        for f in files or []:
            if not f.is_file():
                fail(f"找不到附件：{f}", f"Attachment not found: {f}")
        compiled = compile_bid(doc, files or [])
        out.write_bytes(compiled.package)
        _write(out.with_suffix(".fingerprint.json"), compiled.fingerprint)
        typer.echo(f"投标文件包 / bid package: {out} ({len(compiled.package)} bytes)")


@app.command("seal")
def seal_command(
    package: Annotated[Path, typer.Argument(help="投标文件包 / bid package from `compile`")],
    lot: Lot, bidder_id: Annotated[str, typer.Option("--bidder-id", help="本单位编号 / your company id")],
    key: KeyFile, server: Server,
    cipher: Annotated[str, typer.Option(help=f"加密算法 / cipher: {', '.join(CIPHERS)}")] = "SM4-GCM",
    out: Annotated[Path, typer.Option("--out", help="信封文件 / envelope to write")] = Path("envelope.json"),
) -> None:
    """加密封装（按平台的托管配置）/ Seal the package for the platform's escrow configuration."""
    from jianzheng.bidder.client import CompiledBid

    with reported():
        if not package.is_file():
            fail(f"找不到投标文件包：{package}", f"Bid package not found: {package}")
        sidecar = package.with_suffix(".fingerprint.json")
        fingerprint = _json_file(sidecar, "机器指纹", "Fingerprint") if sidecar.exists() else {}
        pair = _sealing(lambda: load_key_pair(key))
        config = BidderClient.connect(server).config()
        envelope, _ = _sealing(lambda: seal_bid(CompiledBid(package.read_bytes(), fingerprint), lot, bidder_id,
                                                pair, config, cipher))
        _write(out, envelope)


@app.command("submit")
def submit(envelope: Annotated[Path, typer.Argument(help="信封文件 / envelope")], lot: Lot, server: Server,
           token: Token, out: Annotated[Path, typer.Option("--out", help="回执 / receipt to write")]
           = Path("receipt.json")) -> None:
    """递交加密投标并保存回执 / Submit the envelope and keep the receipt."""
    with reported():
        receipt = BidderClient.connect(server, token).submit(lot, _json_file(envelope, "信封", "Envelope"))
        _write(out, receipt)


@app.command("verify-receipt")
def verify_receipt_command(
    receipt: Annotated[Path, typer.Argument(help="回执 / receipt")],
    platform_key: Annotated[list[Path], typer.Option("--platform-key", help="平台公钥（.vkey）/ platform key")],
) -> None:
    """离线核验回执 / Verify a receipt offline with the platform's published keys."""
    from jianzheng.ledger.errors import LedgerError
    from jianzheng.ledger.keys import load_verifier_key

    with reported():
        doc = _json_file(receipt, "回执", "Receipt")
        try:
            size = verify_receipt(doc, [load_verifier_key(p) for p in platform_key])
        except (LedgerError, OSError) as exc:
            fail(f"回执未通过核验：{exc}", f"The receipt does not verify: {exc}")
        typer.echo(f"回执有效：投标 {doc['bid_id']} 于 {doc['received_at']} 记入账本（叶子 {doc['leaf_index']}，"
                   f"检查点大小 {size}）/ receipt valid: bid recorded at leaf {doc['leaf_index']}")


@app.command("withdraw")
def withdraw(lot: Lot, server: Server, token: Token) -> None:
    """截止前撤回投标 / Withdraw the bid before the deadline."""
    with reported():
        BidderClient.connect(server, token).withdraw(lot)
        typer.echo("已撤回 / withdrawn")


@app.command("sign-in")
def sign_in(lot: Lot, server: Server, token: Token) -> None:
    """开标大厅签到 / Sign in to the opening hall."""
    with reported():
        BidderClient.connect(server, token).sign_in(lot)
        typer.echo("已签到 / signed in")


@app.command("release-key")
def release_key(envelope: Annotated[Path, typer.Argument(help="信封文件 / envelope")], lot: Lot, key: KeyFile,
                server: Server, token: Token) -> None:
    """在本机解开内容密钥并提交解密 / Unwrap the content key locally and release it (after the deadline)."""
    with reported():
        pair = _sealing(lambda: load_key_pair(key))
        result = BidderClient.connect(server, token).release_key(lot, _json_file(envelope, "信封", "Envelope"), pair)
        kinds = [e["type"] for e in result["events"]]
        if "lot.bid_decrypted" in kinds:
            typer.echo("解密成功 / decrypted")
        else:
            fail("解密失败，请核对密钥后在解密时间内重试",
                 "Decryption failed; check the key and retry within the window")


@escrow_app.command("keygen")
def escrow_keygen(out: Annotated[Path, typer.Option("--out", help="私钥文件路径（0600）/ private key file")]) -> None:
    """生成托管方密钥对 / Generate a custodian's key pair."""
    keygen(out, "sm2")


@escrow_app.command("share")
def escrow_share(envelope: Annotated[Path, typer.Argument(help="信封文件 / envelope")],
                 custodian: Annotated[str, typer.Option("--custodian", help="托管方名称 / custodian's name")],
                 key: KeyFile) -> None:
    """解开本托管方的份额（截止后提交给平台）/ Unwrap this custodian's share (give it after the deadline)."""
    with reported():
        pair = _sealing(lambda: load_key_pair(key))
        share = _sealing(lambda: unwrap_share(_json_file(envelope, "信封", "Envelope"), custodian, pair))
        typer.echo(json.dumps({"custodian": custodian, "x": share.x,
                               "share_b64": base64.b64encode(share.value).decode()}, ensure_ascii=False))
