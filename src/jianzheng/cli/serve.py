"""`jianzheng serve`: run the web application (API and pages) with uvicorn."""

from __future__ import annotations

import importlib
import logging
import threading
from typing import TYPE_CHECKING, Annotated, Any

import typer

from jianzheng.cli.common import fail, open_services, reported, state_of

if TYPE_CHECKING:
    from jianzheng.bootstrap import Services


def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(
        help="监听地址（默认 JIANZHENG_HOST 或 127.0.0.1）/ address to listen on")] = None,
    port: Annotated[int | None, typer.Option(
        help="端口（默认 JIANZHENG_PORT 或 8000）/ port")] = None,
) -> None:
    """启动网站和接口服务 / Serve the web application and API."""
    state = state_of(ctx)
    with reported():
        services = open_services(state)
        run_server(services, host or services.settings.host, port or services.settings.port)


def run_server(services: Services, host: str, port: int) -> None:
    """Serve `jianzheng.web.app.create_app(services)` until interrupted."""
    if not 0 < port < 65536:
        fail(f"端口应在 1 至 65535 之间：{port}", f"The port must be between 1 and 65535: {port}")
    try:
        # Imported here, not at the top: the web stack is heavy and `--help` should be fast.
        web = importlib.import_module("jianzheng.web.app")
    except ImportError as error:
        fail(f"网站模块不可用：{error}", f"The web module is not available: {error}")
    import uvicorn

    app: Any = web.create_app(services)
    stop = threading.Event()
    ticker = threading.Thread(target=_checkpoint_ticker, args=(services, stop), name="checkpoints", daemon=True)
    ticker.start()
    typer.echo(f"服务地址 / serving at http://{host}:{port}")
    try:
        uvicorn.run(app, host=host, port=port)
    finally:
        stop.set()


def _checkpoint_ticker(services: Services, stop: threading.Event) -> None:
    """Sign a checkpoint when the interval has passed, even if no command arrives to trigger one."""
    interval = max(1.0, min(5.0, services.settings.checkpoint_seconds / 4))
    while not stop.wait(interval):
        try:
            services.checkpointer.tick()
        except Exception:  # keep serving; the next tick retries
            logging.getLogger(__name__).exception("periodic checkpoint failed")
