"""The alert workbench and the evidence page: who sees them, the filters, the workflow forms."""

from __future__ import annotations

import re

from tests.support.tender import PASSWORD
from tests.web.pages.action_world import ActionWorld
from tests.web.pages.conftest import PageClient
from tests.web.pages.scenario import PageWorld


def act(client: PageClient, alert_id: str, action: str, **fields: str) -> tuple[int, str]:
    page = client.ok(f"/alerts/{alert_id}")
    answer = client.client.post(f"/alerts/{alert_id}/{action}", data={"csrf_token": client.csrf(page), **fields})
    return answer.status_code, answer.headers.get("location", "") or answer.text


def status_of(world: ActionWorld, alert_id: str) -> str:
    desk = world.world.services.desk
    return str(desk.alert(world.world.actors["supervisor"], alert_id)["status"])


def test_the_workbench_is_for_supervisors_and_staff(visitor: PageClient, page_world: PageWorld) -> None:
    assert visitor.get("/alerts").status_code == 303
    visitor.signed_in("bidder1")
    assert visitor.get("/alerts").status_code == 403
    visitor.client.cookies.clear()
    staff = visitor.signed_in("staff")
    html = staff.ok("/alerts")
    assert 'data-alert-id="' in html and "data-quick-ack" not in html  # staff only look
    assert 'href="/alerts" class="active"' in html
    first = re.search(r'data-alert-id="([^"]+)"', html)
    assert first
    detail = staff.ok(f"/alerts/{first.group(1)}")
    assert "data-readonly" in detail and 'data-action="' not in detail


def test_the_workbench_filters_and_names_bad_filters(visitor: PageClient, page_world: PageWorld) -> None:
    sup = visitor.signed_in("supervisor")
    everything = sup.ok("/alerts")
    total = len(re.findall(r'<tr data-alert-id=', everything))
    assert total >= 2
    rules = sup.ok("/alerts?indicator=PROC-RULE")
    assert 0 < len(re.findall(r'<tr data-alert-id=', rules)) < total
    assert all(s == "PROC-RULE" for s in re.findall(r"<strong>([A-Z0-9-]+)</strong>", rules))
    answer = sup.get("/alerts?status=bogus&severity=extreme&indicator=NOPE")
    assert answer.status_code == 422
    for name in ("status", "severity", "indicator"):
        assert f'data-error-for="{name}"' in answer.text
    assert len(re.findall(r'<tr data-alert-id=', answer.text)) == total  # bad filters are not applied
    lot = page_world.lots["late_contract"]
    assert f'href="/lots/{lot}"' in sup.ok(f"/alerts?lot_id={lot}")


def test_the_evidence_page_shows_tables_and_links_the_witnessed_events(actor_client: PageClient,
                                                                      action_world: ActionWorld) -> None:
    sup = actor_client.signed_in("supervisor")
    html = sup.ok(f"/alerts/{action_world.alert_id}")
    assert 'data-block="evidence"' in html and "data-evidence-" in html
    link = re.search(r'href="(/log\?[^"]+#seq-(\d+))" data-event-link="(\d+)"', html)
    assert link and link.group(2) == link.group(3)
    log = sup.ok(link.group(1).replace("&amp;", "&").split("#")[0])
    assert f'id="seq-{link.group(2)}"' in log and "user.signed_in" in log
    assert "10.8.8.8" in html or "10.8.8.8" in log


def test_the_workflow_forms_check_their_fields_and_move_the_alert(actor_client: PageClient,
                                                                  action_world: ActionWorld) -> None:
    alert_id = action_world.alert_id
    sup = actor_client.signed_in("supervisor")
    assert status_of(action_world, alert_id) == "new"
    status, body = act(sup, alert_id, "acknowledge", note="已签收")
    assert status == 303 and body == f"/alerts/{alert_id}?done=acknowledge"
    assert status_of(action_world, alert_id) == "acknowledged"
    # A required field left empty is named next to it; nothing is written.
    status, body = act(sup, alert_id, "dismiss", reason="  ")
    assert status == 422 and 'data-error-for="dismiss.reason"' in body and "请填写排除理由" in body
    assert status_of(action_world, alert_id) == "acknowledged"
    # The domain's refusal (no such account) is shown next to the field it names.
    status, body = act(sup, alert_id, "assign", assignee="nobody-such")
    assert status == 422 and 'data-error-for="assign.assignee"' in body
    status, body = act(sup, alert_id, "assign", assignee="supervisor", note="请跟进")
    assert status == 303
    status, body = act(sup, alert_id, "comment", text="已调取签到记录。")
    assert status == 303
    status, body = act(sup, alert_id, "review", note="")
    assert status == 303 and status_of(action_world, alert_id) == "under_review"
    status, body = act(sup, alert_id, "transfer", recipient="", note="")
    assert status == 422 and 'data-error-for="transfer.recipient"' in body and 'data-error-for="transfer.note"' in body
    status, body = act(sup, alert_id, "transfer", recipient="昆明市纪委监委", note="移送串通投标线索")
    assert status == 303 and status_of(action_world, alert_id) == "transferred"
    html = sup.ok(f"/alerts/{alert_id}")
    assert "已调取签到记录。" in html and "昆明市纪委监委" in html and 'data-history="alert.transferred"' in html
    assert 'data-action="transfer"' not in html and 'data-action="comment"' in html
    # A forged form is refused and writes nothing.
    answer = sup.client.post(f"/alerts/{alert_id}/comment", data={"csrf_token": "forged", "text": "x"})
    assert answer.status_code == 403 and 'data-error-for="comment.form"' in answer.text


def test_a_quick_acknowledgement_returns_to_the_list(actor_client: PageClient, action_world: ActionWorld) -> None:
    world = action_world.world
    world.services.auth.login("bidder4", PASSWORD, "10.9.9.9")  # the watched bidder signs in again: a new alert
    sup = actor_client.signed_in("supervisor")
    html = sup.ok("/alerts?status=new")
    row = re.search(r'<tr data-alert-id="([^"]+)" data-status="new">', html)
    assert row and "data-quick-ack" in html
    answer = sup.client.post(f"/alerts/{row.group(1)}/acknowledge",
                             data={"csrf_token": sup.csrf(html), "next": "/alerts?status=new"})
    assert answer.status_code == 303 and answer.headers["location"] == "/alerts?status=new"
    assert status_of(action_world, row.group(1)) == "acknowledged"
