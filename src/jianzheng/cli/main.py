"""The `jianzheng` command: global options and the command groups assembled from their modules.

Run `jianzheng --help` for the list. Each group lives in its own module under
`jianzheng.cli`; the documentation for each is in docs/cli/<group>.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jianzheng.cli import alerts as alerts_cli
from jianzheng.cli import analyze as analyze_cli
from jianzheng.cli import bidder as bidder_cli
from jianzheng.cli import certificate as certificate_cli
from jianzheng.cli import credit as credit_cli
from jianzheng.cli import demo, init, ledger, log, lots, serve, users, witness
from jianzheng.cli import experts as experts_cli
from jianzheng.cli import ocds as ocds_cli
from jianzheng.cli import verify as verify_cli
from jianzheng.cli import watchlist as watchlist_cli
from jianzheng.cli.common import CliState

app = typer.Typer(
    name="jianzheng",
    help="见证 jianzheng：电子招标投标、数字见证与智慧监管 / electronic tendering, digital witness, "
         "smart supervision.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(
    ctx: typer.Context,
    data_dir: Annotated[Path, typer.Option(
        "--data-dir", envvar="JIANZHENG_DATA_DIR",
        help="数据目录（SQLite 数据库、文件库）/ data directory")] = Path("jianzheng-data"),
    database_url: Annotated[str | None, typer.Option(
        "--database-url", envvar="JIANZHENG_DATABASE_URL",
        help="数据库连接串；为空时使用数据目录中的 SQLite / database URL (default: SQLite in the data "
             "directory)")] = None,
) -> None:
    """Global options shared by every command."""
    ctx.obj = CliState(data_dir=data_dir, database_url=database_url or None)


app.command("init")(init.init)
app.command("serve")(serve.serve)
app.command("log")(log.log)
app.command("demo")(demo.demo)
app.add_typer(users.app, name="user")
app.add_typer(lots.app, name="lots")
app.add_typer(certificate_cli.app, name="certificate")
app.add_typer(alerts_cli.app, name="alerts")
app.add_typer(watchlist_cli.app, name="watchlist")
app.add_typer(credit_cli.app, name="credit")
app.add_typer(experts_cli.app, name="experts")
app.add_typer(ocds_cli.import_app, name="import")
app.add_typer(ocds_cli.export_app, name="export")
app.command("analyze")(analyze_cli.analyze)

app.add_typer(bidder_cli.app, name="bidder")
app.add_typer(bidder_cli.escrow_app, name="escrow")
app.add_typer(witness.app, name="witness")
app.add_typer(ledger.app, name="ledger")

app.command("verify")(verify_cli.verify)
