"""Shared fixtures: a database per test (SQLite and PostgreSQL), a tender world, and the HTTP API.

`database_url` runs each test on a fresh SQLite file and on a fresh PostgreSQL schema
(`JIANZHENG_TEST_POSTGRES_URL`, default the local `test` database). When PostgreSQL is
unreachable the PostgreSQL variant is skipped, except under CI, where it fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from jianzheng.adapters import passwords
from jianzheng.web.app import create_app
from tests.support.tender import PASSWORD, TenderWorld, build_world

POSTGRES_URL = os.environ.get("JIANZHENG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DATABASES = [pytest.param("sqlite", id="sqlite"),
             pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """Real Argon2id with the lowest cost: the tests sign in dozens of accounts per world."""
    saved = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = saved


@contextmanager
def fresh_database(kind: str, directory: Path) -> Iterator[str]:
    """A URL to an empty database: a SQLite file, or a new PostgreSQL schema dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / 'jianzheng.sqlite3'}"
        return
    admin = sa.create_engine(POSTGRES_URL)
    schema = f"jz_{uuid.uuid4().hex[:16]}"
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    except sa.exc.OperationalError as exc:
        admin.dispose()
        reason = f"PostgreSQL unreachable at {POSTGRES_URL}: {exc.orig}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[TenderWorld]:
    built = build_world(tmp_path / "data", database_url)
    yield built
    built.services.engine.dispose()


class Api:
    """An HTTP client on the app with each role's own bearer token (signed in over HTTP on first use)."""

    def __init__(self, client: TestClient, world: TenderWorld) -> None:
        self.client = client
        self.world = world
        self.tokens: dict[str, str] = {}

    def token(self, who: str) -> str:
        if who not in self.tokens:
            response = self.client.post("/api/v1/auth/login", json={"username": who, "password": PASSWORD})
            assert response.status_code == 200, response.text
            self.tokens[who] = response.json()["token"]
        return self.tokens[who]

    def sign_in(self, *names: str) -> None:
        """Sign in ahead, so the sign-in events do not count in a test of what a request wrote."""
        for name in names:
            self.token(name)

    def headers(self, who: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(who)}"} if who else {}

    def call(self, who: str | None, method: str, path: str, **kwargs: Any) -> Any:
        """`who` is an account name (staff, bidder1, ...) or None for the public without a token."""
        extra = kwargs.pop("headers", {})
        response = self.client.request(method, "/api/v1" + path, headers={**self.headers(who), **extra}, **kwargs)
        if who and response.status_code == 401 and response.json()["error"]["code"] == "auth.invalid_token":
            # Tokens expire after 7 days and the tests move the clock by weeks: sign in again, as a client would.
            del self.tokens[who]
            response = self.client.request(method, "/api/v1" + path, headers={**self.headers(who), **extra},
                                           **kwargs)
        return response

    def get(self, who: str | None, path: str, **kwargs: Any) -> Any:
        return self.call(who, "GET", path, **kwargs)

    def post(self, who: str | None, path: str, **kwargs: Any) -> Any:
        return self.call(who, "POST", path, **kwargs)

    def ok(self, who: str | None, method: str, path: str, **kwargs: Any) -> Any:
        """Call and insist on success; answers the JSON body."""
        response = self.call(who, method, path, **kwargs)
        assert response.status_code in (200, 201), f"{method} {path} as {who}: {response.status_code} {response.text}"
        return response.json()

    def event_count(self) -> int:
        with self.world.services.store.read() as session:
            return session.count("events")

    def stage(self, lot_id: str) -> str:
        return str(self.ok("staff", "GET", f"/lots/{lot_id}")["stage"])


@pytest.fixture
def api(world: TenderWorld) -> Iterator[Api]:
    with TestClient(create_app(world.services)) as client:
        yield Api(client, world)


CHROMIUM = os.environ.get("JIANZHENG_TEST_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """Debian's headless Chromium for `@pytest.mark.browser` tests: skipped when absent, failed under CI."""
    reason = ""
    if not Path(CHROMIUM).is_file():
        reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError as exc:
            reason = f"the playwright package is missing: {exc}"
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return CHROMIUM
