"""A live site in a real headless Chromium: uvicorn in a background thread over a temporary trading center.

The site serves the same scenario as the page tests (`tests/web/pages/scenario.py`) on a free
port of 127.0.0.1. Chromium is Debian's (no browser download), driven by Playwright through
its executable path; `chromium_executable` (tests/conftest.py) skips these tests when it is
absent, and fails them under CI. Screenshots go to `test-artifacts/screenshots/`.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from jianzheng.web.app import create_app
from tests.support.tender import PASSWORD
from tests.web.pages.action_world import ActionWorld, build_action_world
from tests.web.pages.scenario import PageWorld, build_page_world

SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SIZES = {"wide": {"width": 1920, "height": 1080}, "phone": {"width": 390, "height": 844}}


@dataclass
class Site:
    base: str
    world: PageWorld

    def url(self, path: str) -> str:
        return self.base + path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ActionSite:
    """A second live site, over the world the hall, alert and certificate actions may change."""

    base: str
    world: ActionWorld

    def url(self, path: str) -> str:
        return self.base + path


def serve(services: Any) -> tuple[uvicorn.Server, threading.Thread, int]:
    """Start the application on a free port in a background thread; answer once it listens."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(services), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name=f"live-site-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the live site did not start")
        time.sleep(0.05)
    return server, thread, port


@pytest.fixture(scope="session")
def action_site(chromium_executable: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ActionSite]:
    world = build_action_world(tmp_path_factory.mktemp("action-site") / "data")
    server, thread, port = serve(world.world.services)
    yield ActionSite(f"http://127.0.0.1:{port}", world)
    server.should_exit = True
    thread.join(timeout=10)
    world.world.services.engine.dispose()


@pytest.fixture(scope="session")
def live_site(chromium_executable: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    world = build_page_world(tmp_path_factory.mktemp("site") / "data")
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(world.world.services), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="live-site", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the live site did not start")
        time.sleep(0.05)
    yield Site(f"http://127.0.0.1:{port}", world)
    server.should_exit = True
    thread.join(timeout=10)
    world.world.services.engine.dispose()


@pytest.fixture(scope="session")
def chromium(chromium_executable: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def screenshot(page: Any, name: str, size: str) -> Path:
    """Save a full-page screenshot as a test artifact and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{size}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5000, f"the screenshot {path} is empty"
    return path


def sign_in(page: Any, site: Site | ActionSite, username: str) -> None:
    page.goto(site.url("/login"))
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form[data-login-form] button[type=submit]")
    page.wait_for_selector("[data-logout]")


@pytest.fixture(params=sorted(SIZES))
def size(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def browser_page(chromium: Any, size: str) -> Iterator[Any]:
    """A fresh browser context (its own cookies) at the size under test; console errors fail the test."""
    context = chromium.new_context(viewport=SIZES[size], locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    # Script errors fail the test; a refused request (403, 422) is logged by Chromium too and is expected.
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and "Failed to load resource" not in message.text else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"browser console errors: {errors}"
