"""End to end in headless Chromium: sign in as each role, walk its pages, act, check what the page shows.

Every test runs at 1920x1080 and at a phone's 390x844 and saves a screenshot of each page it
visits to `test-artifacts/screenshots/`.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from jianzheng.domain import commands as c
from jianzheng.domain.roles import Role
from jianzheng.web.pages.nav import NAVIGATION, home
from tests.support.tender import PASSWORD
from tests.web.browser.conftest import Site, screenshot, sign_in

pytestmark = pytest.mark.browser

ACCOUNTS = {"staff": Role.STAFF, "supervisor": Role.SUPERVISOR, "tenderer": Role.TENDERER, "agency": Role.AGENCY,
            "bidder1": Role.BIDDER, "expert1": Role.EXPERT}
NAV_LABELS = {"/cockpit": "监管驾驶舱", "/alerts": "预警工作台", "/lots": "标段", "/log": "操作日志",
              "/public": "公共服务", "/my/bids": "我的投标", "/my/lots": "我的评标项目"}


def open_menu(page: Any, size: str) -> None:
    """On a phone the navigation folds behind the menu button."""
    if size == "phone":
        nav = page.locator("#mainnav")
        if not nav.is_visible():
            page.click("[data-nav-toggle]")
            assert nav.is_visible()


@pytest.mark.parametrize("account", sorted(ACCOUNTS))
def test_each_role_signs_in_and_walks_its_own_navigation(live_site: Site, browser_page: Any, size: str,
                                                        account: str) -> None:
    page = browser_page
    role = ACCOUNTS[account]
    sign_in(page, live_site, account)
    assert page.url == live_site.url(home(role))
    assert page.locator("[data-role]").first.get_attribute("data-role") == role.value
    items = NAVIGATION[role]
    for item in items:
        open_menu(page, size)
        page.click(f'#mainnav a[href="{item.path}"]')
        page.wait_for_url(live_site.url(item.path))
        assert page.locator("#mainnav a.active").inner_text() == NAV_LABELS[item.path]
        assert page.locator("h1").first.is_visible()
        screenshot(page, f"{account}{item.path.replace('/', '-')}", size)
    links = page.locator("#mainnav a")
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [i.path for i in items]


def test_the_cockpit_draws_its_charts_and_streams_new_operations(live_site: Site, browser_page: Any,
                                                                size: str) -> None:
    page = browser_page
    sign_in(page, live_site, "supervisor")
    page.wait_for_selector('[data-chart="stages"][data-chart-ready="true"] canvas')
    page.wait_for_selector('[data-chart="volume"][data-chart-ready="true"] canvas')
    page.wait_for_selector('[data-live-state="operations"][data-state="live"]', timeout=10_000)
    page.wait_for_selector('[data-live-state="alerts"][data-state="live"]', timeout=10_000)
    page.wait_for_selector('[data-chart="alerts"][data-chart-ready="true"] canvas')
    assert page.locator('[data-kpi="lots"] .kpi-value').inner_text() == "7"
    # Something happens at the trading center: the agency clarifies the lot still open for bids.
    world = live_site.world.world
    lot = live_site.world.lots["bidding"]
    events = world.platform.lot_command(world.actors["agency"], lot, c.IssueClarification(
        f"答疑：{size} 屏幕测试", False))
    seq = events[0].seq
    newest = page.locator(f'#live-ops li.op[data-seq="{seq}"]')
    newest.wait_for(timeout=10_000)
    assert "发布澄清或修改" in newest.inner_text()
    assert page.locator("#live-ops li.op").first.get_attribute("data-seq") == str(seq)
    assert int(page.locator("[data-live-count]").inner_text()) >= seq
    # A watched bidder signs in: the desk raises an alert at once and the cockpit shows it live.
    desk, supervisor = world.services.desk, world.actors["supervisor"]
    bidder = f"bidder{4 if size == 'wide' else 5}"
    desk.watch(supervisor, "bidder", world.parties[bidder], "多次围标嫌疑", world.clock.now() + timedelta(days=90))
    world.services.auth.login(bidder, PASSWORD)
    _, raised = desk.alerts(supervisor, {"indicator": ["WATCHLIST"], "party_id": world.parties[bidder]}, "-raised",
                            1, 0)
    alert_id = raised[0]["alert_id"]
    item = page.locator(f'#live-alerts li[data-alert-id="{alert_id}"]')
    item.wait_for(timeout=10_000)
    assert "重点关注名单" in item.inner_text()
    assert item.locator("[data-alert-status]").inner_text() == "新预警"
    desk.acknowledge(supervisor, alert_id, "已签收，安排核查")
    page.wait_for_selector(f'#live-alerts li[data-alert-id="{alert_id}"] [data-alert-status="acknowledged"]',
                           timeout=10_000)
    assert item.locator("[data-alert-status]").inner_text() == "已签收"
    screenshot(page, "cockpit-live", size)


def test_the_operation_log_filters_with_htmx_and_names_bad_input(live_site: Site, browser_page: Any,
                                                                size: str) -> None:
    page = browser_page
    sign_in(page, live_site, "staff")
    page.goto(live_site.url("/log"))
    assert page.locator('table[data-table="log"] tbody tr').count() == 50
    page.select_option("#role", "expert")
    page.fill("#type", "lot.score_submitted")
    page.click("[data-apply]")
    page.wait_for_url(re.compile(r".*role=expert.*"))
    page.wait_for_function("document.querySelectorAll('tr[data-role]').length > 0 && "
                           "[...document.querySelectorAll('tr[data-role]')].every(r => r.dataset.role === 'expert')")
    kinds = set(page.locator("tr[data-type]").evaluate_all("rows => rows.map(r => r.dataset.type)"))
    assert kinds == {"lot.score_submitted"}
    screenshot(page, "log-filtered", size)
    page.fill("#person", "nobody-at-all")
    page.click("[data-apply]")
    message = page.locator('[data-error-for="person"]')
    message.wait_for()
    assert message.inner_text() == "没有这个用户"
    assert page.locator("#person").get_attribute("aria-invalid") == "true"
    screenshot(page, "log-bad-filter", size)


def test_the_one_screen_view_shows_the_deviating_expert_and_what_is_late(live_site: Site, browser_page: Any,
                                                                         size: str) -> None:
    page = browser_page
    sign_in(page, live_site, "supervisor")
    page.goto(live_site.url(f"/lots/{live_site.world.lots['completed']}"))
    page.wait_for_selector('[data-chart="prices"][data-chart-ready="true"] canvas')
    page.wait_for_selector('[data-chart="scores"][data-chart-ready="true"] canvas')
    deviating = page.locator("tr.row-deviating")
    assert deviating.count() == 1 and "人员expert3" in deviating.inner_text()
    assert page.locator('[data-step][data-state="done"]').count() == 12
    assert page.locator('[data-block="ledger"]').get_attribute("data-verified") == "true"
    pdf = page.request.get(live_site.url(page.locator('[data-certificate-format="pdf"]').get_attribute("href")))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    screenshot(page, "lot-completed", size)
    page.goto(live_site.url(f"/lots/{live_site.world.lots['overdue']}"))
    late = page.locator('[data-block="late"]')
    assert "中标通知书发出后 30 日内订立合同" in late.inner_text() and "已逾期" in late.inner_text()
    assert page.locator('[data-step="awarded"]').get_attribute("data-state") == "current"
    screenshot(page, "lot-overdue", size)


def test_the_public_portal_works_without_signing_in(live_site: Site, browser_page: Any, size: str) -> None:
    page = browser_page
    page.goto(live_site.url("/"))
    page.wait_for_url(live_site.url("/public"))
    assert page.locator("[data-login-link]").is_visible()
    screenshot(page, "public-portal", size)
    page.click('[data-kind="award"]')
    page.wait_for_url(live_site.url("/public?kind=award"))
    kinds = set(page.locator("[data-notice-kind]").evaluate_all("items => items.map(i => i.dataset.noticeKind)"))
    assert kinds == {"award"}
    page.click("a.notice-title >> nth=0")
    page.wait_for_url(re.compile(r".*/public/lots/.*"))
    assert page.locator('[data-block="public-notices"]').is_visible()
    assert "中标结果" in page.inner_text('[data-block="public-notices"]')
    screenshot(page, "public-lot", size)
    page.goto(live_site.url("/public"))
    page.click("[data-next-page]")
    page.wait_for_url(re.compile(r".*/public\?page=2"))
    assert "第 2 / " in page.inner_text(".pager-info")


def test_the_login_form_explains_bad_input_next_to_the_field(live_site: Site, browser_page: Any,
                                                            size: str) -> None:
    page = browser_page
    page.goto(live_site.url("/login"))
    page.click("form[data-login-form] button[type=submit]")
    assert page.inner_text('[data-error-for="username"]') == "请输入用户名"
    assert page.inner_text('[data-error-for="password"]') == "请输入密码"
    page.fill("#username", "supervisor")
    page.fill("#password", "wrong password")
    page.click("form[data-login-form] button[type=submit]")
    assert page.inner_text('[data-error-for="form"]') == "用户名或密码错误"
    assert page.input_value("#username") == "supervisor" and page.input_value("#password") == ""
    screenshot(page, "login-error", size)


def test_the_language_switch_turns_the_pages_to_english_and_back(live_site: Site, browser_page: Any,
                                                                 size: str) -> None:
    page = browser_page
    sign_in(page, live_site, "supervisor")
    page.click("[data-lang-switch]")
    page.wait_for_selector("html[lang=en]")
    assert page.inner_text("h1") == "Supervision cockpit"
    page.goto(live_site.url(f"/lots/{live_site.world.lots['late_contract']}"))
    assert "Statutory deadlines" in page.inner_text("body")
    screenshot(page, "lot-english", size)
    page.click("[data-lang-switch]")
    page.wait_for_selector("html[lang=zh-CN]")
    assert "法定时限" in page.inner_text("body")


def test_signing_out_returns_to_the_login_form(live_site: Site, browser_page: Any, size: str) -> None:
    page = browser_page
    sign_in(page, live_site, "expert1")
    page.click("[data-logout]")
    page.wait_for_url(live_site.url("/login?out=1"))
    assert "您已安全退出" in page.inner_text("[data-notice]")
    page.goto(live_site.url("/my/lots"))
    assert page.url.startswith(live_site.url("/login?next="))
