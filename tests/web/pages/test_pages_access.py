"""Who may open which page: every role against every page, the navigation each role gets, the public portal."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI

from jianzheng.domain.roles import Role
from jianzheng.web.pages.nav import NAVIGATION, home
from tests.web.pages.conftest import PageClient
from tests.web.pages.scenario import PageWorld

SIGNED_IN_PAGES = ("/cockpit", "/lots", "/log", "/my/bids", "/my/lots")
ALLOWED = {
    "staff": {"/cockpit", "/lots", "/log"},
    "supervisor": {"/cockpit", "/lots", "/log"},
    "tenderer": {"/lots", "/log"},
    "agency": {"/lots", "/log"},
    "bidder1": {"/my/bids"},
    "expert1": {"/my/lots"},
    "public": set(),
}
ROLE_OF = {"staff": Role.STAFF, "supervisor": Role.SUPERVISOR, "tenderer": Role.TENDERER, "agency": Role.AGENCY,
           "bidder1": Role.BIDDER, "expert1": Role.EXPERT, "public": Role.PUBLIC}


@pytest.mark.parametrize("path", [*SIGNED_IN_PAGES, "/lots/any-lot"])
def test_pages_send_anonymous_visitors_to_the_login_form(visitor: PageClient, path: str) -> None:
    answer = visitor.get(path)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=" + path.replace("/", "%2F")


def test_live_stream_answers_401_to_anonymous_event_sources(visitor: PageClient) -> None:
    answer = visitor.get("/cockpit/stream", headers={"Accept": "text/event-stream"})
    assert answer.status_code == 401
    assert visitor.get("/log", headers={"HX-Request": "true"}).status_code == 401


@pytest.mark.parametrize("account", sorted(ALLOWED))
def test_each_role_opens_its_pages_and_is_refused_the_others(page_app: FastAPI, account: str) -> None:
    visitor = PageClient(page_app).signed_in(account)
    for path in SIGNED_IN_PAGES:
        answer = visitor.get(path)
        if path in ALLOWED[account]:
            assert answer.status_code == 200, f"{account} {path}: {answer.status_code}"
        else:
            assert answer.status_code == 403, f"{account} {path}: {answer.status_code}"
            assert "您的角色无权查看此页面" in answer.text
            assert 'data-refusal="forbidden"' in answer.text


@pytest.mark.parametrize("account", sorted(ALLOWED))
def test_each_role_sees_its_own_navigation_and_lands_on_its_start_page(page_app: FastAPI, account: str) -> None:
    visitor = PageClient(page_app).signed_in(account)
    role = ROLE_OF[account]
    start = visitor.get("/")
    assert start.status_code == 303 and start.headers["location"] == home(role)
    html = visitor.ok("/public")
    nav = re.search(r'<nav id="mainnav".*?</nav>', html, re.S)
    assert nav is not None
    links = re.findall(r'<a href="([^"]+)"', nav.group(0))
    assert links == [item.path for item in NAVIGATION[role]]
    assert f'data-role="{role.value}"' in html


def test_the_public_portal_needs_no_sign_in(visitor: PageClient, page_world: PageWorld) -> None:
    html = visitor.ok("/public")
    assert "公共服务" in html and "招标公告" in html
    assert 'data-login-link' in html
    # The lot still in bidding is listed as open; the draft lot, never announced, appears nowhere.
    assert f'/public/lots/{page_world.lots["bidding"]}' in html
    assert page_world.lots["draft"] not in html
    assert visitor.get("/").headers["location"] == "/public"


def test_the_public_view_of_a_lot_shows_results_but_no_internals(visitor: PageClient, page_world: PageWorld) -> None:
    html = visitor.ok(f"/public/lots/{page_world.lots['completed']}")
    assert "bidder3有限公司" in html  # the winner, named in the award and contract notices
    assert "中标结果" in html and "合同公开" in html and "开标记录" in html
    assert "127.0.0.1" not in html  # no upload IPs for the public
    assert visitor.get(f"/public/lots/{page_world.lots['draft']}").status_code == 403
    missing = visitor.get("/public/lots/NO-SUCH-LOT")
    assert missing.status_code == 404 and "未找到标段" in missing.text


def test_the_portal_filters_notices_by_kind_and_says_when_the_kind_is_unknown(visitor: PageClient) -> None:
    awards = visitor.ok("/public?kind=award")
    kinds = set(re.findall(r'data-notice-kind="([a-z]+)"', awards))
    assert kinds == {"award"}
    bad = visitor.get("/public?kind=rumour")
    assert bad.status_code == 422
    assert 'data-error-for="kind"' in bad.text and "没有这类公告" in bad.text


def test_the_portal_pages_notices_with_htmx(visitor: PageClient) -> None:
    first = visitor.ok("/public")
    assert "data-next-page" in first
    fragment = visitor.ok("/public?page=2", headers={"HX-Request": "true", "HX-Target": "notices"})
    assert fragment.lstrip().startswith('<div id="notices"') and "<html" not in fragment
    assert "第 2 / " in fragment


def test_pages_carry_security_headers_and_serve_their_assets_locally(visitor: PageClient) -> None:
    answer = visitor.get("/public")
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY"
    html = answer.text
    assert "http://" not in html.replace("http://testserver", "") and "https://" not in html
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert visitor.get(asset).status_code == 200, asset
    for asset in ("/static/vendor/echarts/echarts.min.js", "/static/vendor/htmx/htmx.min.js",
                  "/static/vendor/echarts/LICENSE.txt", "/static/vendor/htmx/LICENSE.txt"):
        assert visitor.get(asset).status_code == 200, asset
