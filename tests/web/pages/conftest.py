"""Fixtures for the page tests: one trading center with lots in every state, and a browser-like client.

The world is built once per session through the services on a real SQLite database (see
`scenario.py`); the tests only read it and sign in, so they can share it. Each test gets its
own client with its own cookie jar, like a separate browser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from jianzheng.web.app import create_app
from tests.support.tender import PASSWORD
from tests.web.pages.action_world import ActionWorld, build_action_world
from tests.web.pages.scenario import PageWorld, build_page_world

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def page_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PageWorld]:
    built = build_page_world(tmp_path_factory.mktemp("pages") / "data")
    yield built
    built.world.services.engine.dispose()


@pytest.fixture(scope="session")
def page_app(page_world: PageWorld) -> FastAPI:
    return create_app(page_world.world.services)


class PageClient:
    """A TestClient that keeps cookies, follows no redirect on its own, and signs in through the form."""

    def __init__(self, app: FastAPI) -> None:
        self.client = TestClient(app, follow_redirects=False)

    def csrf(self, html: str) -> str:
        found = CSRF.search(html)
        assert found, "the page has no CSRF field"
        return found.group(1)

    def sign_in(self, username: str, password: str = PASSWORD, next_path: str = "") -> httpx.Response:
        form = self.client.get("/login")
        assert form.status_code == 200, form.text
        return self.client.post("/login", data={"username": username, "password": password,
                                                "csrf_token": self.csrf(form.text), "next": next_path})

    def signed_in(self, username: str) -> PageClient:
        answer = self.sign_in(username)
        assert answer.status_code == 303, answer.text
        return self

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(path, **kwargs)

    def ok(self, path: str, **kwargs: Any) -> str:
        answer = self.client.get(path, **kwargs)
        assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text[:2000]}"
        return answer.text


@pytest.fixture
def visitor(page_app: FastAPI) -> Iterator[PageClient]:
    client = PageClient(page_app)
    yield client
    client.client.close()


def event_count(page_world: PageWorld) -> int:
    with page_world.world.services.store.read() as session:
        return session.count("events")


@pytest.fixture(scope="session")
def action_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ActionWorld]:
    """The world the hall, alert and credit actions may change (see `action_world.py`)."""
    built = build_action_world(tmp_path_factory.mktemp("actions") / "data")
    yield built
    built.world.services.engine.dispose()


@pytest.fixture
def actor_client(action_world: ActionWorld) -> Iterator[PageClient]:
    """A browser-like client of the action world (each test its own cookies)."""
    client = PageClient(create_app(action_world.world.services))
    yield client
    client.client.close()
