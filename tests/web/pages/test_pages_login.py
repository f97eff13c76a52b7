"""Signing in and out on the pages: messages next to the fields, CSRF, the session cookie, nothing half-saved."""

from __future__ import annotations

import pytest

from tests.support.tender import PASSWORD
from tests.web.pages.conftest import PageClient, event_count
from tests.web.pages.scenario import PageWorld


def test_the_login_form_carries_a_csrf_token_in_a_cookie_and_a_hidden_field(visitor: PageClient) -> None:
    answer = visitor.get("/login")
    assert answer.status_code == 200
    token = visitor.csrf(answer.text)
    assert visitor.client.cookies.get("jz_csrf") == token
    assert "httponly" in answer.headers["set-cookie"].lower()


@pytest.mark.parametrize(("username", "password", "field", "message"), [
    ("", PASSWORD, "username", "请输入用户名"),
    ("supervisor", "", "password", "请输入密码"),
    ("x" * 65, PASSWORD, "username", "输入过长"),
])
def test_missing_input_is_named_next_to_its_field_and_nothing_is_written(
        visitor: PageClient, page_world: PageWorld, username: str, password: str, field: str, message: str) -> None:
    before = event_count(page_world)
    answer = visitor.sign_in(username, password)
    assert answer.status_code == 422
    assert f'data-error-for="{field}"' in answer.text and message in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert "jz_session" not in visitor.client.cookies
    assert event_count(page_world) == before
    if username:
        assert f'value="{username}"' in answer.text  # what was typed stays in the form (not the password)


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
        visitor: PageClient, page_world: PageWorld) -> None:
    before = event_count(page_world)
    answer = visitor.sign_in("supervisor", "not the password")
    assert answer.status_code == 401
    assert "用户名或密码错误" in answer.text and 'data-error-for="form"' in answer.text
    assert visitor.sign_in("nobody-here", PASSWORD).status_code == 401
    assert "jz_session" not in visitor.client.cookies
    assert event_count(page_world) == before


def test_a_login_without_the_csrf_token_is_refused(visitor: PageClient, page_world: PageWorld) -> None:
    before = event_count(page_world)
    visitor.get("/login")
    answer = visitor.client.post("/login", data={"username": "supervisor", "password": PASSWORD,
                                                 "csrf_token": "forged-token-from-another-site"})
    assert answer.status_code == 403 and "页面已过期或来源不明" in answer.text
    assert "jz_session" not in visitor.client.cookies
    assert event_count(page_world) == before


def test_signing_in_sets_a_protected_session_cookie_and_witnesses_the_sign_in(
        visitor: PageClient, page_world: PageWorld) -> None:
    before = event_count(page_world)
    answer = visitor.sign_in("supervisor")
    assert answer.status_code == 303 and answer.headers["location"] == "/cockpit"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("jz_session="))
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Path=/" in cookie
    assert event_count(page_world) == before + 1
    with page_world.world.services.store.read() as session:
        _, events = session.log({"type": "user.signed_in"}, 1, 0)
    assert events[0].actor == page_world.world.actors["supervisor"].user_id
    assert events[0].source_ip == "testclient"  # the visitor's address is witnessed
    html = visitor.ok("/cockpit")
    assert "监管驾驶舱" in html and "账号supervisor" in html


def test_the_login_returns_to_the_page_asked_for_but_never_to_another_site(visitor: PageClient) -> None:
    assert visitor.sign_in("staff", next_path="/log?role=expert").headers["location"] == "/log?role=expert"
    other = PageClient(visitor.client.app)  # type: ignore[arg-type]
    assert other.sign_in("staff", next_path="//evil.example/steal").headers["location"] == "/cockpit"
    assert other.get("/login?next=https://evil.example").headers["location"] == "/cockpit"


def test_signing_out_needs_the_csrf_token_and_ends_the_session(visitor: PageClient) -> None:
    visitor.signed_in("staff")
    html = visitor.ok("/cockpit")
    refused = visitor.client.post("/logout", data={"csrf_token": "wrong"})
    assert refused.status_code == 403
    assert visitor.get("/cockpit").status_code == 200  # still signed in
    answer = visitor.client.post("/logout", data={"csrf_token": visitor.csrf(html)})
    assert answer.status_code == 303 and answer.headers["location"] == "/login?out=1"
    assert "jz_session" not in visitor.client.cookies
    assert "您已安全退出" in visitor.ok("/login?out=1")
    assert visitor.get("/cockpit").status_code == 303


def test_an_unknown_or_expired_session_cookie_counts_as_signed_out(visitor: PageClient) -> None:
    visitor.client.cookies.set("jz_session", "jz_not-a-real-token", domain="testserver.local")
    answer = visitor.get("/cockpit")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fcockpit&expired=1"
    assert "jz_session" not in visitor.client.cookies
    assert "登录已失效" in visitor.ok(answer.headers["location"])


def test_the_language_switch_is_remembered_in_a_cookie(visitor: PageClient) -> None:
    english = visitor.get("/public?lang=en")
    assert english.status_code == 200
    assert "Public portal" in english.text and 'lang="en"' in english.text
    assert english.headers["content-language"] == "en"
    assert visitor.client.cookies.get("lang") == "en"
    again = visitor.ok("/login")
    assert "Sign in" in again and "用户登录" not in again
    assert 'href="/login?lang=zh"' in again
    chinese = visitor.ok("/login?lang=zh")
    assert "用户登录" in chinese and visitor.client.cookies.get("lang") == "zh"
    assert "用户名" in visitor.ok("/login?lang=xx")  # an unknown language falls back to Chinese
