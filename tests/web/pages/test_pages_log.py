"""The operation log page: every filter, the messages for bad filters, htmx fragments, who may read it."""

from __future__ import annotations

import re

from fastapi import FastAPI

from tests.web.pages.conftest import PageClient
from tests.web.pages.scenario import PageWorld

ROW = re.compile(r'<tr id="seq-\d+" data-seq="(\d+)" data-type="([a-z_.]+)" data-role="([a-z]+)">')


def rows(html: str) -> list[tuple[int, str, str]]:
    return [(int(seq), kind, role) for seq, kind, role in ROW.findall(html)]


def test_the_log_lists_the_newest_operations_with_actor_role_ip_and_time(
        visitor: PageClient, page_world: PageWorld) -> None:
    html = visitor.signed_in("supervisor").ok("/log")
    found = rows(html)
    assert len(found) == 50
    assert [seq for seq, _, _ in found] == sorted((seq for seq, _, _ in found), reverse=True)
    assert "<code>127.0.0.1</code>" in html and "账号agency" in html and "招标代理机构" in html
    second = rows(visitor.ok("/log?page=2"))
    assert second[0][0] == found[-1][0] - 1


def test_filters_by_lot_person_role_type_and_time(visitor: PageClient, page_world: PageWorld) -> None:
    visitor.signed_in("staff")
    lot = page_world.lots["completed"]
    by_lot = visitor.ok(f"/log?lot_id={lot}")
    assert rows(by_lot) and f'href="/lots/{lot}"' in by_lot
    assert set(re.findall(r'<a href="/lots/([^"]+)">', by_lot.split('data-table="log"')[1])) == {lot}
    by_person = rows(visitor.ok("/log?person=bidder1"))
    assert by_person and {role for _, _, role in by_person} == {"bidder"}
    assert set(re.findall(r"<code class=\"muted small\">(U[A-Z0-9]+)</code>",
                          visitor.ok("/log?person=bidder1"))) == {page_world.world.actors["bidder1"].user_id}
    by_role = rows(visitor.ok("/log?role=expert"))
    assert by_role and {role for _, _, role in by_role} == {"expert"}
    scores = rows(visitor.ok(f"/log?type=lot.score_*&lot_id={lot}"))
    assert len(scores) == 20 and {kind for _, kind, _ in scores} == {"lot.score_submitted"}
    # Beijing time: the scenario started 2026-03-02 09:00; the openings were at 2026-03-23 09:05.
    opened = rows(visitor.ok("/log?type=lot.opened&since=2026-03-23T09:00&until=2026-03-23T09:10"))
    assert len(opened) == 4  # the fifth lot, with two bids, failed instead
    assert rows(visitor.ok("/log?type=lot.opened&until=2026-03-23T09:00")) == []


def test_bad_filters_are_named_next_to_their_fields(visitor: PageClient) -> None:
    visitor.signed_in("supervisor")
    answer = visitor.get("/log?since=yesterday&person=nobody-at-all&role=king&type=DROP%20TABLE&lot_id=a%20b")
    assert answer.status_code == 422
    for field, message in (("since", "时间格式应为"), ("person", "没有这个用户"), ("role", "没有这个角色"),
                           ("type", "事件类型只能包含"), ("lot_id", "标段编号格式不正确")):
        assert f'data-error-for="{field}"' in answer.text and message in answer.text
    backwards = visitor.get("/log?since=2026-04-01T00:00&until=2026-03-01T00:00")
    assert backwards.status_code == 422 and 'data-error-for="until"' in backwards.text
    assert "起始时间不能晚于截止时间" in backwards.text
    assert 'value="2026-04-01T00:00"' in backwards.text  # the visitor's input is kept


def test_htmx_gets_the_panel_only_with_the_messages_inside(visitor: PageClient) -> None:
    visitor.signed_in("supervisor")
    headers = {"HX-Request": "true", "HX-Target": "log-panel"}
    fragment = visitor.get("/log?role=king", headers=headers)
    assert fragment.status_code == 200  # htmx swaps only successful answers
    assert fragment.text.lstrip().startswith('<div id="log-panel"') and "<html" not in fragment.text
    assert 'data-error-for="role"' in fragment.text
    assert rows(visitor.ok("/log?role=tenderer", headers=headers))


def test_tenderers_and_agencies_read_the_log_of_their_own_lots(page_app: FastAPI, page_world: PageWorld) -> None:
    tenderer = PageClient(page_app).signed_in("tenderer")
    choose = tenderer.ok("/log")
    assert "data-choose-lot" in choose and page_world.lots["completed"] in choose
    assert not rows(choose)
    own = rows(tenderer.ok(f"/log?lot_id={page_world.lots['overdue']}"))
    assert own and "lot.awarded" in {kind for _, kind, _ in own}
    assert PageClient(page_app).signed_in("bidder1").get("/log").status_code == 403
